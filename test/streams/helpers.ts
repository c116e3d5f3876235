import type { KafkaAdmin } from '@candlestream/kafka';
import kafka from '@confluentinc/kafka-javascript';
import type { Message, MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conn } from '../support/kafka.js';

const { KafkaConsumer, Producer } = kafka;

export { conn };

/** Unique suffix: the broker is shared with other engineers and other runs. */
export const uid = (): string => randomBytes(4).toString('hex');

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `${prefix}-`));

export async function createTopics(admin: KafkaAdmin, names: string[], partitions: number): Promise<void> {
  // Replayed history has old timestamps: keep it (stack-notes: time retention deletes it otherwise).
  for (const n of names) await admin.createTopic(n, partitions, { 'retention.ms': '-1' });
  for (let i = 0; i < 50; i++) {
    const listed = new Set(await admin.listTopics());
    if (names.every((n) => listed.has(n))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Deletes every topic whose name contains `marker` (test cleanup). */
export async function deleteTopicsContaining(admin: KafkaAdmin, marker: string): Promise<void> {
  if (process.env.STREAMS_TEST_KEEP) return;
  for (const t of await admin.listTopics()) if (t.includes(marker)) await admin.deleteTopic(t).catch(() => undefined);
}

export interface InputRecord {
  key: string;
  value: Buffer | string;
  timestamp: number;
  partition?: number;
}

/** Produces with the native API and the Java-compatible partitioner (murmur2), then flushes. */
export async function produce(topic: string, records: InputRecord[]): Promise<void> {
  const producer = new Producer(
    {
      'bootstrap.servers': conn.brokers,
      'enable.idempotence': true,
      'linger.ms': 5,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': 2_000_000,
      'queue.buffering.max.kbytes': 2_097_151,
      partitioner: 'murmur2_random',
    },
    // No topic config object: an empty one would replace the topic-level defaults set above.
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  for (const r of records) {
    const value = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    for (;;) {
      try {
        producer.produce(topic, r.partition ?? null, value, r.key, r.timestamp);
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== -184) throw err;
        producer.poll();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
  await new Promise<void>((resolve, reject) => producer.flush(60_000, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

export interface ReadRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Record<string, string>;
}

function flatHeaders(headers: MessageHeader[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers ?? []) for (const [k, v] of Object.entries(h)) out[k] = v.toString();
  return out;
}

/**
 * Watermarks once no transaction is open on the topic (the last stable offset has caught up with
 * the high watermark), so a read sees everything that will ever be committed up to now.
 */
async function settledWatermarks(admin: KafkaAdmin, topic: string, partitions: number[]): Promise<Map<number, { low: number; high: number }>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [stable, all] = await Promise.all([admin.watermarks(topic, partitions, true), admin.watermarks(topic, partitions, false)]);
    const ok = partitions.every((p) => {
      const s = stable.get(p);
      return s !== undefined && s.low >= 0 && s.high >= s.low && s.high === all.get(p)?.high;
    });
    if (ok || Date.now() > deadline) return stable;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function partitionsOf(admin: KafkaAdmin, topic: string): Promise<number[]> {
  for (let i = 0; ; i++) {
    const desc = (await admin.describeTopics([topic]))[0];
    const partitions = (desc?.partitions ?? []).map((p) => p.partition);
    if ((partitions.length > 0 && !desc?.error) || i >= 20) return partitions;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Everything committed in `topic` (read_committed), by partition then offset. */
export async function readAll(admin: KafkaAdmin, topic: string): Promise<ReadRecord[]> {
  const partitions = await partitionsOf(admin, topic);
  const marks = await settledWatermarks(admin, topic, partitions);
  const todo = partitions.filter((p) => (marks.get(p)?.high ?? 0) > (marks.get(p)?.low ?? 0));
  if (process.env.STREAMS_TEST_VERBOSE) console.log(`readAll ${topic}: partitions ${partitions.join(',')} marks ${JSON.stringify([...marks])}`);
  if (todo.length === 0) return [];
  const consumer = new KafkaConsumer(
    {
      'bootstrap.servers': conn.brokers,
      'group.id': `reader-${uid()}`,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'fetch.max.bytes': 52428800,
    },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(100);
  consumer.assign(todo.map((p) => ({ topic, partition: p, offset: marks.get(p)!.low })));
  const out: ReadRecord[] = [];
  const deadline = Date.now() + 120_000;
  let open = new Set(todo);
  while (open.size > 0) {
    if (Date.now() > deadline) throw new Error(`readAll(${topic}) timed out`);
    const msgs = await new Promise<Message[]>((resolve, reject) => consumer.consume(10_000, (err, m) => (err ? reject(err) : resolve(m))));
    for (const m of msgs) {
      out.push({
        partition: m.partition,
        offset: m.offset,
        key: m.key === null || m.key === undefined ? null : m.key.toString(),
        value: m.value === null ? null : m.value.toString(),
        timestamp: m.timestamp ?? -1,
        headers: flatHeaders(m.headers),
      });
    }
    // A partition is done when the consumer's position (past control records too) reached the mark.
    const positions = new Map(consumer.position(todo.map((p) => ({ topic, partition: p }))).map((p) => [p.partition, p.offset]));
    open = new Set(todo.filter((p) => !((positions.get(p) ?? -1) >= marks.get(p)!.high)));
  }
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Waits until group `groupId` has committed the end of every partition of `topic`. */
export async function waitForCommittedEnd(admin: KafkaAdmin, groupId: string, topic: string, timeoutMs = 120_000): Promise<void> {
  const partitions = await partitionsOf(admin, topic);
  const marks = await admin.watermarks(topic, partitions, true);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await admin.groupOffsets(groupId).catch(() => []);
    const offsets = new Map((res[0]?.partitions ?? []).filter((p) => p.topic === topic).map((p) => [p.partition, p.offset]));
    if (partitions.every((p) => (offsets.get(p) ?? -1) >= marks.get(p)!.high)) return;
    if (Date.now() > deadline) {
      throw new Error(`group ${groupId} did not reach the end of ${topic}: ${JSON.stringify([...offsets])} vs ${JSON.stringify([...marks])}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

