import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '@candlestream/market';
import { candleFingerprint, CRASH_POINTS, FINGERPRINT_SQL, SyntheticCandles } from '@candlestream/compactor';
import { createTopic, readTopic, uniqueName, withAdmin } from '../support/kafka.js';
import { candleRecords, compactor, killAll, compactorOk, lakeRows, produceTransactional, sleep } from './helpers.js';

/**
 * Exactly once into the lake under SIGKILL. The compactor runs as a child process and is killed 14
 * times: at named steps of the write/commit protocol (self-SIGKILL via COMPACTOR_CRASH_AT, including
 * between the rename and the offset commit), from outside while paused exactly there, at random moments
 * of runs slowed down at a random step, and twice during `merge`. After every kill the query view must
 * show no offset twice and only produced candles, and every record below the committed offset must be
 * in the lake; at the end the lake holds each produced candle exactly once.
 */
const prefix = uniqueName('cmp-crash');
const topic = `${prefix}.candles.1m`;
const group = `${prefix}-g`;
const dir = mkdtempSync(join(tmpdir(), 'compactor-crash-'));
const lakeDir = join(dir, 'lake');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const START = Date.UTC(2024, 2, 9, 20, 0); // batches straddle midnight: multi-file, multi-journal batches
const gen = new SyntheticCandles(77);
const wave1: Candle[] = [...gen.series(SYMBOLS, START, 900)];
const wave2: Candle[] = [...gen.series(SYMBOLS, START + 900 * 60_000, 600)];
const fingerprints = new Set([...wave1, ...wave2].map(candleFingerprint));

const args = ['run', '--topics', topic, '--group', group, '--instance-id', `${prefix}-i`, '--dlq-topic', `${prefix}-dlq`];
// Each restart cuts batches at other offsets (as a config change or a different poll would): a re-read
// batch must not land as a second, overlapping file under a different name.
const runArgs = (i: number): string[] => [...args, '--flush-rows', String(60 + ((i * 37) % 90)), '--flush-interval-ms', '300', '--lag-interval-ms', '500', '--metrics-port', '0', '--no-fsync'];
const env = { LAKE_DIR: lakeDir };

type Step = { kind: 'crash'; at: string } | { kind: 'pause-kill'; at: string } | { kind: 'random'; seed: number };
const STEPS: Step[] = [
  { kind: 'crash', at: 'after-stage:1' },
  { kind: 'crash', at: 'after-journal:1' },
  { kind: 'crash', at: 'mid-rename:1' },
  { kind: 'crash', at: 'after-rename:2' }, // written, renamed, not committed
  { kind: 'random', seed: 1 },
  { kind: 'pause-kill', at: 'after-rename' }, // killed from outside in the same window
  { kind: 'crash', at: 'before-commit:3' },
  { kind: 'crash', at: 'after-commit:2' },
  { kind: 'random', seed: 2 },
  { kind: 'crash', at: 'mid-rename:4' },
  { kind: 'random', seed: 3 },
  { kind: 'crash', at: 'after-journal:2' },
];

let sourceOffsets: Map<number, number[]>;

beforeAll(async () => {
  await createTopic(topic, 2);
  await produceTransactional(topic, await candleRecords(topic, wave1), 300);
}, 120_000);

afterAll(async () => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
  await withAdmin(async (admin) => {
    for (const t of [topic, `${prefix}-dlq`]) await admin.deleteTopic(t).catch(() => undefined);
  });
});

async function committedOffsets(): Promise<Map<number, number>> {
  const res = await withAdmin((a) => a.groupOffsets(group));
  return new Map((res[0]?.partitions ?? []).filter((p) => p.offset >= 0).map((p) => [p.partition, p.offset]));
}

/** After a kill: nothing twice, nothing foreign, and the committed offsets never run ahead of the lake. */
async function checkInvariants(label: string): Promise<number> {
  const rows = await lakeRows(lakeDir, `SELECT kafka_partition, kafka_offset, ${FINGERPRINT_SQL} FROM candles`);
  const keys = new Set(rows.map((r) => `${r[0]}:${r[1]}`));
  expect(keys.size, `${label}: an offset is in the view twice`).toBe(rows.length);
  for (const r of rows) expect(fingerprints.has(r[2]!), `${label}: unknown row ${r[2]}`).toBe(true);
  for (const [partition, committed] of await committedOffsets()) {
    const missing = (sourceOffsets.get(partition) ?? []).filter((o) => o < committed && !keys.has(`${partition}:${o}`));
    expect(missing, `${label}: committed ${committed} on partition ${partition} but these are not in the lake`).toEqual([]);
  }
  return rows.length;
}

async function refreshSource(): Promise<void> {
  const msgs = await readTopic(topic);
  sourceOffsets = new Map();
  for (const m of msgs) sourceOffsets.set(m.partition, [...(sourceOffsets.get(m.partition) ?? []), m.offset]);
}

describe('compactor crash safety', () => {
  it('keeps every candle exactly once across 14 SIGKILLs', async () => {
    await refreshSource();
    let kills = 0;
    let rowsSeen = 0;
    for (const [i, step] of STEPS.entries()) {
      if (i === 6) {
        // Live data arrives between restarts too.
        await produceTransactional(topic, await candleRecords(topic, wave2), 300);
        await refreshSource();
      }
      let child;
      if (step.kind === 'crash') {
        child = compactor(runArgs(i), { ...env, COMPACTOR_CRASH_AT: step.at });
      } else if (step.kind === 'pause-kill') {
        child = compactor(runArgs(i), { ...env, COMPACTOR_PAUSE_AT: `${step.at}:20000` });
        await child.waitFor(`"msg":"test hook: pausing","point":"${step.at}"`);
        child.proc.kill('SIGKILL');
      } else {
        // Slow every batch down at one step so a kill at a random moment lands mid-protocol.
        const point = CRASH_POINTS.filter((p) => !p.startsWith('merge'))[(step.seed * 7) % 6]!;
        child = compactor(runArgs(i), { ...env, COMPACTOR_PAUSE_AT: `${point}:150` });
        await child.waitFor('"msg":"partitions assigned"');
        await sleep(300 + ((step.seed * 389) % 900));
        child.proc.kill('SIGKILL');
      }
      const timeout = setTimeout(() => child.proc.kill('SIGKILL'), 30_000);
      const { signal } = await child.exited;
      clearTimeout(timeout);
      expect(signal, `step ${i} (${JSON.stringify(step)}) should end in SIGKILL; stderr:\n${child.stderr().slice(-2000)}`).toBe('SIGKILL');
      kills++;
      rowsSeen = await checkInvariants(`after kill ${kills} (${JSON.stringify(step)})`);
    }
    expect(rowsSeen).toBeGreaterThan(0);
    expect(rowsSeen).toBeLessThan(wave1.length + wave2.length);

    // A clean run to the end of the topic.
    await compactorOk([...runArgs(STEPS.length), '--until-caught-up'], env);
    await checkInvariants('after the clean run');

    // Merges killed after the merged file is in place, and while deleting its inputs.
    for (const at of ['merge-after-rename:1', 'merge-mid-delete:1']) {
      const m = compactor(['merge', '--no-fsync'], { ...env, COMPACTOR_CRASH_AT: at });
      expect((await m.exited).signal).toBe('SIGKILL');
      kills++;
      await checkInvariants(`after merge kill at ${at}`);
    }
    await compactorOk(['merge'], env);
    expect(kills).toBeGreaterThanOrEqual(14);

    // Exactly once: the view equals the produced candles, and the lineage equals the source offsets.
    const rows = await lakeRows(lakeDir, `SELECT kafka_partition, kafka_offset, ${FINGERPRINT_SQL} FROM candles ORDER BY 1, 2`);
    expect(rows.map((r) => r[2]).sort()).toEqual([...wave1, ...wave2].map(candleFingerprint).sort());
    const expected = [...sourceOffsets].flatMap(([p, offs]) => offs.map((o) => [String(p), String(o)]));
    expect(rows.map((r) => [r[0], r[1]])).toEqual(expected.sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1])));
    // After the merge nothing superseded is left on disk either: a plain glob sees each row once.
    const files = await lakeRows(lakeDir, 'SELECT count(*) FILTER (NOT live), count(*) FROM lake_files');
    expect(files[0]![0]).toBe('0');
  }, 240_000);
});
