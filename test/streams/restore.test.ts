import { KafkaAdmin } from '@candlestream/kafka';
import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess } from './child.js';
import type { AppSpec } from './fixtures/streams-app.js';
import { conn, createTopics, deleteTopicsContaining, produce, tempDir, uid, waitForCommittedEnd, type InputRecord } from './helpers.js';

const KEYS = 1_000_000;
const id = uid();
const input = `streams-restore-in-${id}`;
let admin: KafkaAdmin;
let stateDir: string;

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input], 1);
  stateDir = tempDir('streams-restore');
});

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const keyRecords = (from: number, to: number): InputRecord[] => {
  const out: InputRecord[] = [];
  for (let i = from; i < to; i++) out.push({ key: `k${String(i).padStart(7, '0')}`, value: '1', timestamp: 1_700_000_000_000 + i });
  return out;
};

describe('restore after SIGKILL', () => {
  it('replays only the changelog tail of a 1M-key store (at most one commit of writes)', async () => {
    const appId = `streams-restore-app-${id}`;
    const statusFile = join(stateDir, 'status.json');
    const spec: AppSpec = { applicationId: appId, stateDir, topology: 'key-count', input, statusFile };

    await produce(input, keyRecords(0, KEYS));
    const first = new AppProcess(spec);
    await first.waitFor('running', 60_000);
    await waitForCommittedEnd(admin, appId, input, 180_000);
    await first.stop();

    // Second run: killed between commit steps 4 and 5 (Kafka committed, SQLite not) while input flows.
    const killed = new AppProcess({ ...spec, killAt: { commit: 5, step: 'kafka-committed' } });
    await killed.waitFor('running');
    const feed = (async () => {
      for (let i = 0; i < 20 && killed.events.every((e) => e.event !== 'self-kill'); i++) {
        await produce(input, keyRecords(i * 5_000, (i + 1) * 5_000)); // existing keys: updates
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const kill = await killed.waitFor('self-kill', 60_000);
    await killed.exited;
    await feed;
    // written by the app at the kill: commit 5 had flushed (and committed in Kafka) this many changelog records
    const atKill = JSON.parse(readFileSync(statusFile, 'utf8')) as { lastCommitChangelogRecords: number; maxCommitChangelogRecords: number; commits: number };
    expect(kill.commit).toBe(5);
    expect(atKill.commits).toBe(4); // four commits completed, the fifth died between steps 4 and 5

    const restarted = new AppProcess(spec);
    const running = await restarted.waitFor('running', 60_000);
    const restores = running.restores as { stores: { full: boolean; records: number; store: string }[] }[];
    const counts = restores.flatMap((r) => r.stores).find((s) => s.store === 'counts')!;
    console.log(
      `restore after SIGKILL: replayed ${counts.records} changelog records; the interrupted commit wrote ${atKill.lastCommitChangelogRecords}, the largest commit ${atKill.maxCommitChangelogRecords}`,
    );
    expect(counts.full).toBe(false);
    expect(counts.records).toBeGreaterThan(0); // commit 5 reached Kafka but not SQLite
    expect(counts.records).toBeLessThanOrEqual(atKill.lastCommitChangelogRecords); // only that one commit's writes
    expect(counts.records).toBeLessThan(KEYS / 20);
    await waitForCommittedEnd(admin, appId, input, 60_000);
    await restarted.stop();

    // Nothing lost, nothing counted twice: one row per key, the counts add up to the input.
    const inputRecords = (await admin.watermarks(input, [0], true)).get(0)!.high;
    const db = new Database(join(stateDir, appId, '0_0', 'counts.sqlite'), { readonly: true });
    const row = db.prepare('SELECT count(*) AS keys, sum(CAST(CAST(v AS TEXT) AS INTEGER)) AS total FROM kv').get() as { keys: number; total: number };
    db.close();
    expect(row).toEqual({ keys: KEYS, total: inputRecords });
  }, 300_000);
});
