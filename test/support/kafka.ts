import { randomBytes } from 'node:crypto';
import kafka from '@confluentinc/kafka-javascript';
import type { Message, MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseClientConfig, connectionFromEnv, ensureTopics, KafkaAdmin, type ConnectionConfig } from '@candlestream/kafka';

const { KafkaConsumer, Producer } = kafka;

/** Tests share one broker with each other (and with developers): every test names its own topics. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export const conn: ConnectionConfig = connectionFromEnv();

export async function withAdmin<T>(fn: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = await KafkaAdmin.connect(conn);
  try {
    return await fn(admin);
  } finally {
    admin.close();
  }
}

export async function createTopic(name: string, partitions = 1, config: Record<string, string> = {}): Promise<void> {
  await withAdmin((admin) => ensureTopics(admin, [{ name, partitions, config: { 'retention.ms': '-1', ...config } }]));
}

export interface OutRecord {
  key: string | null;
  value: Buffer | null;
  partition?: number;
  headers?: MessageHeader[];
}

/** A native-API producer for tests: idempotent, or transactional when given a transactional id. */
export class TestProducer {
  private constructor(private readonly producer: InstanceType<typeof Producer>) {}

  static async connect(opts: { transactionalId?: string } = {}): Promise<TestProducer> {
    const producer = new Producer({
      ...baseClientConfig(conn, 'test-producer'),
      'enable.idempotence': true,
      acks: -1,
      'linger.ms': 5,
      // Tests send up to a few hundred thousand records in one go, then flush.
      'queue.buffering.max.messages': 2_000_000,
      'queue.buffering.max.kbytes': 2_097_151,
      dr_cb: true,
      ...(opts.transactionalId ? { 'transactional.id': opts.transactionalId } : {}),
    });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(20);
    const p = new TestProducer(producer);
    if (opts.transactionalId) await p.call((cb) => producer.initTransactions(10_000, cb));
    return p;
  }

  private call(fn: (cb: (err: unknown) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
  }

  send(topic: string, records: OutRecord[], timestamp?: number): void {
    for (const r of records) {
      this.producer.produce(topic, r.partition ?? null, r.value, r.key ?? undefined, timestamp ?? Date.now(), undefined, r.headers);
    }
  }

  flush(): Promise<void> {
    return this.call((cb) => this.producer.flush(10_000, cb));
  }

  begin(): Promise<void> {
    return this.call((cb) => this.producer.beginTransaction(cb));
  }

  commit(): Promise<void> {
    return this.call((cb) => this.producer.commitTransaction(10_000, cb));
  }

  abort(): Promise<void> {
    return this.call((cb) => this.producer.abortTransaction(10_000, cb));
  }

  close(): Promise<void> {
    this.producer.setPollInterval(0); // no poll tick while the native handle is destroyed
    return new Promise((resolve) => this.producer.disconnect(() => resolve()));
  }
}

/** End offsets of every partition of `topic` (last stable offsets: what read_committed can reach). */
export async function endOffsets(topic: string): Promise<Record<number, number>> {
  return withAdmin(async (admin) => {
    const [desc] = await admin.describeTopics([topic]);
    const marks = await admin.watermarks(topic, (desc?.partitions ?? []).map((p) => p.partition), true);
    return Object.fromEntries([...marks].map(([p, w]) => [p, w.high]));
  });
}

/**
 * Every record of `topic` from the start (or from `from`, per partition) up to its end at the time of
 * the call (the last stable offset under read_committed), in partition then offset order.
 */
export async function readTopic(
  topic: string,
  opts: { isolation?: 'read_committed' | 'read_uncommitted'; timeoutMs?: number; from?: Record<number, number> } = {},
): Promise<Message[]> {
  const committed = (opts.isolation ?? 'read_committed') === 'read_committed';
  const partitions = await withAdmin(async (admin) => {
    const [desc] = await admin.describeTopics([topic]);
    const ids = (desc?.partitions ?? []).map((p) => p.partition);
    return admin.watermarks(topic, ids, committed);
  });
  for (const [p, w] of partitions) w.low = Math.max(w.low, opts.from?.[p] ?? 0);
  const pending = new Map([...partitions].filter(([, w]) => w.high > w.low).map(([p, w]) => [p, w.high]));
  const out: Message[] = [];
  if (pending.size === 0) return out;
  const consumer = new KafkaConsumer(
    {
      ...baseClientConfig(conn, 'test-reader'),
      'group.id': uniqueName('test-reader'),
      'enable.auto.commit': false,
      'isolation.level': committed ? 'read_committed' : 'read_uncommitted',
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.assign([...partitions.keys()].map((partition) => ({ topic, partition, offset: partitions.get(partition)!.low })));
    consumer.setDefaultConsumeTimeout(100);
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    while (pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`readTopic(${topic}): timed out with ${out.length} records read`);
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(10_000, (err, msgs) => (err ? reject(err) : resolve(msgs))),
      );
      for (const m of batch) {
        const end = pending.get(m.partition);
        if (end === undefined) continue;
        out.push(m);
        if (m.offset + 1 >= end) pending.delete(m.partition);
      }
      // Under read_committed the last offsets may be transaction markers that are never delivered.
      for (const [p, end] of [...pending]) {
        const pos = consumer.position([{ topic, partition: p }])[0]?.offset;
        if (pos !== undefined && pos >= end) pending.delete(p);
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
