import { KafkaAdmin } from '@candlestream/kafka';
import { createRegistry } from '@candlestream/metrics';
import { KafkaStreams, Serdes, StreamsBuilder, TimeWindows, TopologyTestDriver, type Topology } from '@candlestream/streams';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conn, createTopics, deleteTopicsContaining, produce, readAll, tempDir, uid, waitForCommittedEnd, type InputRecord } from './helpers.js';

const id = uid();
const input = `streams-eos-in-${id}`;
const finals = `streams-eos-final-${id}`;
const totals = `streams-eos-totals-${id}`;
const orders = `streams-eos-orders-${id}`;
const byGroup = `streams-eos-by-group-${id}`;
const groupSums = `streams-eos-group-sums-${id}`;
let admin: KafkaAdmin;
const dirs: string[] = [];

function topology(): Topology {
  const b = new StreamsBuilder();
  const words = b.stream(input, Serdes.json<{ n: number; t: number }>(), { timestamp: (v) => v.t });
  words
    .groupByKey()
    .windowedBy(TimeWindows.tumbling(10_000, 2_000))
    .aggregate(() => 0, (a, v) => a + v.n, { name: 'win', serde: Serdes.json<number>() })
    .toStream('close')
    .mapValues((w) => `${w.key}@${w.start}=${w.value}`)
    .to(finals, Serdes.string());
  words
    .groupByKey()
    .aggregate(() => 0, (a, v) => a + v.n, { name: 'total', serde: Serdes.json<number>(), cache: false })
    .toStream()
    .to(totals, Serdes.json<number>());
  return b.build();
}

function inputs(n: number): InputRecord[] {
  const out: InputRecord[] = [];
  for (let i = 0; i < n; i++) {
    const t = 1_000_000 + i * 7 - (i % 13 === 0 ? 2_500 : 0); // some out of order, some late
    out.push({ key: `w${i % 37}`, value: JSON.stringify({ n: (i % 5) + 1, t }), timestamp: t });
  }
  return out;
}

beforeAll(async () => {
  admin = await KafkaAdmin.connect(conn);
  await createTopics(admin, [input, finals, totals, orders], 3);
  await createTopics(admin, [byGroup, groupSums], 2);
});

afterAll(async () => {
  await deleteTopicsContaining(admin, id);
  admin.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('KafkaStreams under exactly-once', () => {
  it('commits the same output as the test driver, with internal topics, metrics and a clean restart', async () => {
    const records = inputs(6000);
    await produce(input, records);
    const appId = `streams-eos-app-${id}`;
    const stateDir = tempDir('streams-eos');
    dirs.push(stateDir);
    const registry = createRegistry('streams-test', { defaultMetrics: false });
    const streams = new KafkaStreams(topology(), { applicationId: appId, connection: conn, stateDir, registry });
    await streams.start();
    await waitForCommittedEnd(admin, appId, input);
    await streams.close();

    // the same input through the test driver, partition by partition as Kafka delivered it
    const inTopic = await readAll(admin, input);
    const driver = new TopologyTestDriver(topology());
    for (const r of inTopic) driver.pipeRaw(input, r.key, Buffer.from(r.value!), r.timestamp, { partition: r.partition });
    const expectFinals = driver.createOutputTopic(finals, Serdes.string()).readValuesToList();
    const expectTotals = driver.createOutputTopic(totals, Serdes.json<number>()).readRecordsToList();
    driver.close();

    const gotFinals = await readAll(admin, finals);
    const gotTotals = await readAll(admin, totals);
    expect(gotFinals.map((r) => r.value).sort()).toEqual([...expectFinals].sort());
    expect(gotTotals).toHaveLength(expectTotals.length);
    // per key, the sequence of running totals is identical (order within a partition is preserved)
    const byKey = (rs: { key: string | null; value: unknown }[]) => {
      const m = new Map<string, string[]>();
      for (const r of rs) {
        const list = m.get(r.key!) ?? [];
        list.push(String(r.value));
        m.set(r.key!, list);
      }
      return m;
    };
    expect(byKey(gotTotals)).toEqual(byKey(expectTotals.map((r) => ({ key: r.key, value: r.value }))));

    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining([`${appId}-win-changelog`, `${appId}-total-changelog`, `${appId}-dlq`]));
    const cfg = await admin.describeConfigs([`${appId}-win-changelog`]);
    expect(cfg.get(`${appId}-win-changelog`)?.get('cleanup.policy')).toBe('compact');

    const text = await registry.metrics();
    expect(text).toContain(`candlestream_streams_records_processed_total{task="0_0",application_id="${appId}",app="streams-test"}`);
    expect(text).toContain('candlestream_streams_commit_seconds_bucket');
    expect(text).toMatch(new RegExp(`candlestream_streams_transactions_total\\{result="commit",application_id="${appId}",app="streams-test"\\} [1-9]`));
    expect(text).toContain('candlestream_streams_late_records_total');

    // a clean restart replays nothing: checkpoints are current
    const again = new KafkaStreams(topology(), { applicationId: appId, connection: conn, stateDir });
    await again.start();
    await again.waitUntilRunning();
    const restored = again.stats().restores.flatMap((r) => r.stores);
    await again.close();
    expect(restored.length).toBe(6);
    expect(restored.every((s) => s.records === 0 && !s.full)).toBe(true);
  });

  it('runs a repartition through a topic as a second sub-topology, with its own tasks and partition count', async () => {
    type Order = { n: number; t: number };
    const b = new StreamsBuilder();
    b.stream(orders, Serdes.json<Order>(), { timestamp: (v) => v.t })
      .map((v) => ({ key: `g${v.n % 7}`, value: v }))
      .to(byGroup, Serdes.json<Order>());
    b.stream(byGroup, Serdes.json<Order>(), { timestamp: (v) => v.t })
      .groupByKey()
      // Upstream tasks interleave on the repartition topic: a day of grace keeps every record in time.
      .windowedBy(TimeWindows.tumbling(10_000, 86_400_000))
      .aggregate(() => 0, (sum, v) => sum + v.n, { name: 'group-sums', serde: Serdes.json<number>(), cache: false })
      .toStream('update')
      .mapValues((w) => `${w.key}@${w.start}=${w.value}`)
      .to(groupSums, Serdes.string());
    const topology = b.build();
    expect(topology.describe().toString()).toContain('Sub-topology: 1');

    const records: InputRecord[] = [];
    const expected = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const t = 2_000_000 + i * 11;
      records.push({ key: `o${i}`, value: JSON.stringify({ n: i, t }), timestamp: t });
      const k = `g${i % 7}@${t - (t % 10_000)}`;
      expected.set(k, (expected.get(k) ?? 0) + i);
    }
    await produce(orders, records);
    const appId = `streams-eos-repartition-${id}`;
    const stateDir = tempDir('streams-eos-repartition');
    dirs.push(stateDir);
    const streams = new KafkaStreams(topology, { applicationId: appId, connection: conn, stateDir });
    await streams.start();
    await waitForCommittedEnd(admin, appId, orders);
    // The repartition topic ends with transaction markers that no committed offset points past, so
    // wait for the result instead: the newest update of every window.
    const last = new Map<string, number>();
    const deadline = Date.now() + 60_000;
    while (!(last.size === expected.size && [...expected].every(([k, v]) => last.get(k) === v)) && Date.now() < deadline) {
      for (const r of await readAll(admin, groupSums)) {
        const [k, v] = r.value!.split('=');
        last.set(k!, Number(v));
      }
    }
    expect(streams.stats().tasks).toEqual(['0_0', '0_1', '0_2', '1_0', '1_1']);
    expect(streams.storePartitions('group-sums')).toEqual([0, 1]);
    await streams.close();

    expect(last).toEqual(expected);
    const [changelog] = await admin.describeTopics([`${appId}-group-sums-changelog`]);
    expect(changelog?.partitions).toHaveLength(2);
  });
});
