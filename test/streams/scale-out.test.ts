import { KafkaAdmin } from '@candlestream/kafka';
import { KafkaStreams, Serdes, StreamsBuilder, TimeWindows, type Topology } from '@candlestream/streams';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conn, createTopics, deleteTopicsContaining, produce, readAll, tempDir, uid, waitForCommittedEnd, type InputRecord, type ReadRecord } from './helpers.js';

const PARTITIONS = 6;
const id = uid();
const input = `streams-scale-in-${id}`;
const out = (n: string) => ({ finals: `streams-scale-${n}-finals-${id}`, updates: `streams-scale-${n}-updates-${id}` });
const one = out('one');
const two = out('two');
let admin: KafkaAdmin;
const dirs: string[] = [];

function topology(t: { finals: string; updates: string }): Topology {
  const b = new StreamsBuilder();
  const w = b
    .stream(input, Serdes.json<{ n: number; t: number }>(), { timestamp: (v) => v.t })
    .groupByKey()
    .windowedBy(TimeWindows.hopping(30_000, 10_000, 1_000))
    .aggregate(() => ({ sum: 0, count: 0 }), (a, v) => ({ sum: a.sum + v.n, count: a.count + 1 }), {
      name: 'agg',
      serde: Serdes.json<{ sum: number; count: number }>(),
      cache: false,
    });
  w.toStream('close').mapValues((x) => `${x.start}:${x.value.sum}/${x.value.count}`).to(t.finals, Serdes.string());
  w.toStream('update').mapValues((x) => `${x.start}:${x.value.sum}/${x.value.count}`).to(t.updates, Serdes.string());
  return b.build();
}

const perPartition = (rs: ReadRecord[]) => {
  const m = new Map<number, string[]>();
  for (const r of rs) {
    const list = m.get(r.partition) ?? [];
    list.push(`${r.key}=${r.value}`);
    m.set(r.partition, list);
  }
  return m;
};

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input, one.finals, one.updates, two.finals, two.updates], PARTITIONS);
});

async function produceInput(): Promise<void> {
  const records: InputRecord[] = [];
  for (let i = 0; i < 60_000; i++) {
    const t = 1_650_000_000_000 + i * 20;
    records.push({ key: `sym${i % 60}`, value: JSON.stringify({ n: i % 17, t }), timestamp: t });
  }
  await produce(input, records);
}

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const dir = (name: string) => {
  const d = tempDir(`streams-scale-${name}`);
  dirs.push(d);
  return d;
};

describe('scale-out', () => {
  it('two instances on 6 partitions commit the same output as one', async () => {
    // Two instances first, split 3/3 before any input arrives, so both really work.
    const appId = `streams-scale-two-${id}`;
    const a = new KafkaStreams(topology(two), { applicationId: appId, connection: conn, stateDir: dir('a') });
    const b = new KafkaStreams(topology(two), { applicationId: appId, connection: conn, stateDir: dir('b') });
    await Promise.all([a.start(), b.start()]);
    const deadline = Date.now() + 60_000;
    while (!(a.stats().tasks.length === 3 && b.stats().tasks.length === 3 && a.state === 'running' && b.state === 'running')) {
      if (Date.now() > deadline) throw new Error(`no 3/3 split: ${JSON.stringify([a.stats().tasks, b.stats().tasks])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const split = [a.stats().tasks, b.stats().tasks];
    await produceInput();
    await waitForCommittedEnd(admin, appId, input);
    expect([a.stats().tasks, b.stats().tasks]).toEqual(split); // no rebalance while processing
    const processed = [a, b].map((s) => s.stats().commits);
    await Promise.all([a.close({ leaveGroup: true }), b.close({ leaveGroup: true })]);
    console.log(`split ${JSON.stringify(split)}, commits per instance ${JSON.stringify(processed)}`);
    expect(new Set([...split[0]!, ...split[1]!]).size).toBe(PARTITIONS);
    expect(processed.every((n) => n > 0)).toBe(true);

    const single = new KafkaStreams(topology(one), { applicationId: `streams-scale-one-${id}`, connection: conn, stateDir: dir('one') });
    await single.start();
    await waitForCommittedEnd(admin, `streams-scale-one-${id}`, input);
    await single.close();

    for (const [mine, theirs] of [
      [one.finals, two.finals],
      [one.updates, two.updates],
    ] as const) {
      const [x, y] = await Promise.all([readAll(admin, mine), readAll(admin, theirs)]);
      console.log(mine, x.length, theirs, y.length);
      expect(x.length).toBeGreaterThan(1000);
      expect(perPartition(y)).toEqual(perPartition(x));
    }
    // both static members left the group on close({ leaveGroup: true })
    const group = (await admin.describeGroups([appId])).groups[0]!;
    expect(group.members).toHaveLength(0);
  });
});
