import kafka from '@confluentinc/kafka-javascript';
import type { Message } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseConsumerConfig, KafkaAdmin, type ConnectionConfig, type TopicSpec } from '@candlestream/kafka';
import { parsePosition, type ReplayPosition } from '../replay/positions.js';

const { KafkaConsumer } = kafka;

/** The positions topic: one partition (one total order of commits), compacted (last value per key). */
export function positionsTopicSpec(name: string): TopicSpec {
  return { name, partitions: 1, config: { 'cleanup.policy': 'compact' } };
}

/**
 * The last committed position of `key` in the positions topic, read from the beginning with
 * read_committed up to the last stable offset. Call it after initTransactions: the killed
 * predecessor's open transaction is aborted by then, so the stable offset is the topic's end.
 * undefined when the key has no (valid) position: start from the beginning.
 */
export async function readPosition(conn: ConnectionConfig, topic: string, key: string, timeoutMs = 30_000): Promise<ReplayPosition | undefined> {
  const admin = await KafkaAdmin.connect(conn);
  let marks: Map<number, { low: number; high: number }>;
  try {
    const [desc] = await admin.describeTopics([topic]);
    marks = await admin.watermarks(topic, (desc?.partitions ?? []).map((p) => p.partition), true);
  } finally {
    admin.close();
  }
  const pending = new Map([...marks].filter(([, w]) => w.high > w.low).map(([p, w]) => [p, w.high]));
  if (pending.size === 0) return undefined;
  const consumer = new KafkaConsumer(
    { ...baseConsumerConfig(conn, 'candlestream-producer-positions'), 'group.id': `candlestream-positions-reader-${process.pid}`, 'enable.auto.commit': false, 'isolation.level': 'read_committed' },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  let last: ReplayPosition | undefined;
  try {
    consumer.assign([...pending.keys()].map((partition) => ({ topic, partition, offset: marks.get(partition)?.low ?? 0 })));
    consumer.setDefaultConsumeTimeout(100);
    const deadline = Date.now() + timeoutMs;
    while (pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`reading replay positions from ${topic} timed out`);
      const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, msgs) => (err ? reject(err) : resolve(msgs))));
      for (const m of batch) {
        const end = pending.get(m.partition);
        if (end === undefined) continue;
        if (m.key?.toString() === key) last = m.value === null ? undefined /* tombstone: start over */ : (parsePosition(m.value) ?? last);
        if (m.offset + 1 >= end) pending.delete(m.partition);
      }
      // The last offsets may be transaction markers, never delivered: the position says we are past them.
      for (const [p, end] of [...pending]) {
        const pos = consumer.position([{ topic, partition: p }])[0]?.offset;
        if (pos !== undefined && pos >= end) pending.delete(p);
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return last;
}
