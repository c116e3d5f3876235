import { KafkaAdmin } from '@candlestream/kafka';
import { FencedError, KafkaStreams, Serdes, StreamsBuilder } from '@candlestream/streams';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conn, createTopics, deleteTopicsContaining, produce, readAll, tempDir, uid, waitForCommittedEnd, type InputRecord } from './helpers.js';

const id = uid();
const input = `streams-fence-in-${id}`;
const output = `streams-fence-out-${id}`;
let admin: KafkaAdmin;
const dirs: string[] = [];

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input, output], 2);
});

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function topology() {
  const b = new StreamsBuilder();
  b.stream(input, Serdes.string())
    .groupByKey()
    .aggregate(() => 0, (n) => n + 1, { name: 'counts', serde: Serdes.json<number>(), cache: false })
    .toStream()
    .to(output, Serdes.json<number>());
  return b.build();
}

describe('fencing', () => {
  it('a second instance with the same instance id fences the first, which shuts down cleanly; output stays exactly-once', async () => {
    const appId = `streams-fence-app-${id}`;
    const records = (from: number, to: number): InputRecord[] =>
      Array.from({ length: to - from }, (_, i) => ({ key: `k${(from + i) % 50}`, value: 'x', timestamp: 1000 + from + i }));
    await produce(input, records(0, 20_000));
    const make = () => {
      const stateDir = tempDir('streams-fence');
      dirs.push(stateDir);
      return new KafkaStreams(topology(), { applicationId: appId, connection: conn, stateDir, groupInstanceId: `same-${id}` });
    };
    const old = make();
    await old.start();
    await old.waitUntilRunning();
    const fenced = old.done().then(
      () => undefined,
      (err: unknown) => err,
    );
    const newer = make();
    await newer.start();
    await produce(input, records(20_000, 30_000));
    const err = await fenced;
    expect(err).toBeInstanceOf(FencedError);
    expect(old.state).toBe('failed');
    await waitForCommittedEnd(admin, appId, input);
    await newer.close();

    const out = await readAll(admin, output);
    expect(out).toHaveLength(30_000);
    const last = new Map<string, number>();
    for (const r of out) {
      const prev = last.get(r.key!) ?? 0;
      expect(Number(r.value)).toBe(prev + 1); // per key: 1, 2, 3, ... no gap, no duplicate
      last.set(r.key!, Number(r.value));
    }
  });
});
