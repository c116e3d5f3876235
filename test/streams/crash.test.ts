/**
 * Crash test: a windowed word count (emit on close) plus running totals (cache off) over 200k
 * records, in a child process killed with SIGKILL at seeded random moments (timers, start-up, and
 * precise commit steps via a hook) and restarted each time. The committed output must equal the
 * output of an uninterrupted run record for record, and so must the state stores.
 * Seed: STREAMS_CRASH_SEED (printed).
 */
import { KafkaAdmin } from '@candlestream/kafka';
import type { CommitStep } from '@candlestream/streams';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, seedFrom } from '../support/random.js';
import { AppProcess } from './child.js';
import type { AppSpec } from './fixtures/streams-app.js';
import { conn, createTopics, deleteTopicsContaining, produce, readAll, tempDir, uid, waitForCommittedEnd, type InputRecord, type ReadRecord } from './helpers.js';

const RECORDS = 200_000;
const CHUNKS = 20;
const PARTITIONS = 4;
const KILLS = 12;
const seed = seedFrom('STREAMS_CRASH_SEED', 'crash test');
const random = seededRandom(seed);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const id = uid();
const input = `streams-crash-in-${id}`;
const topics = (name: string) => ({ finals: `streams-crash-${name}-finals-${id}`, totals: `streams-crash-${name}-totals-${id}` });
const clean = topics('clean');
const crashed = topics('crashed');
const takeover = topics('takeover');
let admin: KafkaAdmin;
const dirs: string[] = [];
let feed: Promise<void> | undefined;
let reference: Promise<void> | undefined;

/** Produces the input (once), `gapMs` between chunks so that it arrives while the app runs. */
function feedInput(gapMs: number): Promise<void> {
  feed ??= (async () => {
    for (let c = 0; c < CHUNKS; c++) {
      await produce(input, inputChunk(c));
      await sleep(gapMs);
    }
  })();
  return feed;
}

/** The uninterrupted run (once), after the whole input is there. */
function cleanRun(): Promise<void> {
  reference ??= (async () => {
    await feedInput(0);
    const cleanSpec = spec('clean', clean);
    const app = new AppProcess(cleanSpec);
    await app.waitFor('running', 60_000);
    await waitForCommittedEnd(admin, cleanSpec.applicationId, input, 120_000);
    expect(await app.stop()).toBe(0);
    cleanDir = cleanSpec.stateDir;
  })();
  return reference;
}
let cleanDir = '';

function inputChunk(chunk: number): InputRecord[] {
  const r = seededRandom(1000 + chunk);
  const out: InputRecord[] = [];
  const per = RECORDS / CHUNKS;
  for (let i = chunk * per; i < (chunk + 1) * per; i++) {
    // ~5 ms of event time per record; jitter up to 3 s back: within the 2 s grace or late.
    const t = 1_600_000_000_000 + i * 5 - Math.floor(r() < 0.05 ? r() * 3000 : 0);
    out.push({ key: `w${Math.floor(r() * 1000)}`, value: JSON.stringify({ n: 1 + Math.floor(r() * 9), t }), timestamp: t });
  }
  return out;
}

function spec(name: string, t: { finals: string; totals: string }, extra: Partial<AppSpec> = {}): AppSpec {
  const stateDir = tempDir(`streams-crash-${name}`);
  dirs.push(stateDir);
  return { applicationId: `streams-crash-${name}-${id}`, stateDir, topology: 'word-count', input, ...t, ...extra };
}

/**
 * Compares two lists without vitest's diff (which takes minutes on 100k-element arrays): reports
 * the sizes and the first differing positions.
 */
function expectSameList(label: string, got: string[] | undefined, want: string[] | undefined): void {
  const g = got ?? [];
  const w = want ?? [];
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(g.length, w.length) && diffs.length < 5; i++) {
    if (g[i] !== w[i]) diffs.push(`#${i}: got ${g[i]} want ${w[i]}`);
  }
  expect(diffs.length === 0 ? 'same' : `${label}: ${g.length} vs ${w.length} entries; ${diffs.join('; ')}`).toBe('same');
}

/** Per output partition, the committed sequence of (key, value). */
function sequences(records: ReadRecord[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const r of records) {
    const list = m.get(r.partition) ?? [];
    list.push(`${r.key}=${r.value}`);
    m.set(r.partition, list);
  }
  return m;
}

interface StoreSnapshot {
  changelogOffset: number;
  rows: string[];
}

/** Every store file of the app: task/store -> rows, from the copy with the newest checkpoint. */
function stores(stateDirs: string[], appId: string): Map<string, string[]> {
  const best = new Map<string, StoreSnapshot>();
  for (const dir of stateDirs) {
    const root = join(dir, appId);
    if (!existsSync(root)) continue;
    for (const task of readdirSync(root).filter((f) => /^\d+_\d+$/.test(f))) {
      for (const file of readdirSync(join(root, task)).filter((f) => f.endsWith('.sqlite'))) {
        const db = new Database(join(root, task, file), { readonly: true });
        const table = file.startsWith('window') ? 'SELECT s || \'/\' || k || \'=\' || CAST(v AS TEXT) AS r FROM win ORDER BY s, k' : 'SELECT k || \'=\' || CAST(v AS TEXT) AS r FROM kv ORDER BY k';
        const rows = (db.prepare(table).all() as { r: string }[]).map((x) => x.r);
        const cp = db.prepare('SELECT changelog_offset AS o FROM checkpoint').get() as { o: number } | undefined;
        db.close();
        const key = `${task}/${file}`;
        const snap = { changelogOffset: cp?.o ?? -1, rows };
        if ((best.get(key)?.changelogOffset ?? -2) < snap.changelogOffset) best.set(key, snap);
      }
    }
  }
  return new Map([...best].map(([k, v]) => [k, v.rows]));
}

async function expectSameAsClean(appId: string, t: { finals: string; totals: string }, stateDirs: string[]): Promise<void> {
  await cleanRun();
  const [finalsA, finalsB, totalsA, totalsB] = await Promise.all([
    readAll(admin, clean.finals),
    readAll(admin, t.finals),
    readAll(admin, clean.totals),
    readAll(admin, t.totals),
  ]);
  console.log(`${appId}: ${finalsB.length} finals (clean ${finalsA.length}), ${totalsB.length} totals (clean ${totalsA.length})`);
  expect(totalsA.length).toBeGreaterThanOrEqual(RECORDS * 0.9);
  expect(finalsA.length).toBeGreaterThan(50_000);
  // no duplicates: each (word, window) has one final
  expect(new Set(finalsB.map((r) => r.value!.split('=')[0])).size).toBe(finalsB.length);
  // record for record, per partition (no gaps, no duplicates, same order)
  const [fa, fb, ta, tb] = [sequences(finalsA), sequences(finalsB), sequences(totalsA), sequences(totalsB)];
  for (let p = 0; p < PARTITIONS; p++) {
    expectSameList(`finals partition ${p}`, fb.get(p), fa.get(p));
    expectSameList(`totals partition ${p}`, tb.get(p), ta.get(p));
  }
  await cleanRun();
  const cleanStores = stores([cleanDir], `streams-crash-clean-${id}`);
  const gotStores = stores(stateDirs, appId);
  expect(cleanStores.size).toBe(PARTITIONS * 2); // both stores of every task were read
  expect([...gotStores.keys()].sort()).toEqual([...cleanStores.keys()].sort());
  for (const [k, rows] of cleanStores) expectSameList(`store ${k}`, gotStores.get(k), rows);
}

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input, clean.finals, clean.totals, crashed.finals, crashed.totals, takeover.finals, takeover.totals], PARTITIONS);
});

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash test (SIGKILL, exactly-once)', () => {
  it('output and state after 12 SIGKILLs equal those of an uninterrupted run', async () => {
    const crashSpec = spec('crashed', crashed);
    // Input arrives while the app runs and dies: some kills hit backlog processing, some a live trickle.
    const fed = feedInput(1200);
    const steps: CommitStep[] = ['flushed', 'offsets-sent', 'kafka-committed', 'local-committed'];
    const log: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const roll = random();
      if (roll < 0.35) {
        const killAt = { commit: 1 + Math.floor(random() * 6), step: steps[Math.floor(random() * steps.length)]! };
        const app = new AppProcess({ ...crashSpec, killAt });
        const outcome = await Promise.race([
          app.waitFor('self-kill', 60_000).then(() => 'self-kill', () => 'exited'),
          sleep(8_000).then(() => 'timeout'),
        ]);
        await app.kill();
        if (outcome === 'exited') throw new Error(`app exited on its own: ${JSON.stringify(await app.exited)}\n${app.stderr.slice(-2000)}`);
        log.push(
          `#${k + 1} ${outcome === 'self-kill' ? `SIGKILL at commit ${killAt.commit} after step ${killAt.step}` : `no commit ${killAt.commit} within 8 s (idle): SIGKILL`}`,
        );
      } else if (roll < 0.5) {
        const delay = Math.floor(random() * 1500);
        const app = new AppProcess(crashSpec);
        await sleep(delay);
        await app.kill();
        log.push(`#${k + 1} SIGKILL ${delay} ms after spawn (start-up / restore)`);
      } else {
        const delay = 100 + Math.floor(random() * 1500);
        const app = new AppProcess(crashSpec);
        await app.waitFor('running', 60_000);
        await sleep(delay);
        await app.kill();
        log.push(`#${k + 1} SIGKILL ${delay} ms after running`);
      }
    }
    console.log(`kills (seed ${seed}):\n  ${log.join('\n  ')}`);
    await fed;
    const last = new AppProcess(crashSpec);
    await last.waitFor('running', 60_000);
    await waitForCommittedEnd(admin, crashSpec.applicationId, input, 120_000);
    expect(await last.stop()).toBe(0);
    await expectSameAsClean(crashSpec.applicationId, crashed, [crashSpec.stateDir]);
  }, 240_000);

  it('takeover by rebalance: killing one of two instances gives the same output', async () => {
    await feedInput(0);
    const base = spec('takeover', takeover, { sessionTimeoutMs: 6000, transactionTimeoutMs: 5000 });
    const a = { ...base, groupInstanceId: `a-${id}` };
    const b = { ...base, groupInstanceId: `b-${id}`, stateDir: tempDir('streams-crash-takeover-b') };
    dirs.push(b.stateDir);
    const owns = (app: AppProcess, n: number) =>
      app.waitUntil((e) => e.event === 'state' && e.state === 'running' && (e.stats as { tasks: string[] }).tasks.length === n, 90_000, `running with ${n} tasks`);

    let appA = new AppProcess(a);
    let appB = new AppProcess(b);
    await Promise.all([appA.waitFor('running'), appB.waitFor('running')]);
    await sleep(200 + Math.floor(random() * 600));
    await appA.kill();
    const t0 = Date.now();
    await owns(appB, PARTITIONS); // the group gives A's partitions to B once A's session expires
    console.log(`B took over A's tasks ${Date.now() - t0} ms after the SIGKILL`);
    appA = new AppProcess(a);
    await Promise.all([appA.waitFor('running'), owns(appB, PARTITIONS / 2)]);
    await sleep(Math.floor(random() * 1000));
    await appB.kill();
    await owns(appA, PARTITIONS);
    appB = new AppProcess(b);
    await appB.waitFor('running');
    await waitForCommittedEnd(admin, base.applicationId, input, 120_000);
    expect(await appA.stop()).toBe(0);
    expect(await appB.stop()).toBe(0);
    await expectSameAsClean(base.applicationId, takeover, [a.stateDir, b.stateDir]);
  }, 200_000);
});
