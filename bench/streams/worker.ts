/**
 * One measured run per process (so RSS is per run). Mode and options come as JSON in argv[2];
 * results are JSON lines on stdout ({"event": ...}). Used by streams-bench.ts.
 *   passthrough  native EOS consume -> produce, same client settings as the library (the baseline)
 *   windowed     KafkaStreams windowed aggregation (EOS or at-least-once)
 *   latency-app  windowed aggregation emitting on update, carrying the newest input sequence number
 *   key-count    count per key in a key-value store (1M keys: restore and resume)
 */
import { baseClientConfig, baseConsumerConfig, connectionFromEnv } from '@candlestream/kafka';
import { createLogger } from '@candlestream/metrics';
import { KafkaStreams, Serdes, StreamsBuilder, TimeWindows, type ProcessingGuarantee, type Serde } from '@candlestream/streams';
import kafka from '@confluentinc/kafka-javascript';
import { readFileSync } from 'node:fs';
import type { ConsumerGlobalConfig, LibrdKafkaError, Message, ProducerGlobalConfig, TopicPartitionOffset } from '@confluentinc/kafka-javascript/types/rdkafka.js';

const { KafkaConsumer, Producer } = kafka;

export interface WorkerSpec {
  groupInstanceId?: string;
  mode: 'passthrough' | 'windowed' | 'latency-app' | 'key-count';
  input: string;
  output?: string;
  applicationId: string;
  stateDir: string;
  guarantee?: ProcessingGuarantee;
  /** Records to process before reporting `done` (throughput modes). */
  expect?: number;
  /** passthrough: records per consume() (default 20000, the stack-notes setting). */
  batch?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec;
const conn = connectionFromEnv();
const emit = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stdout.write(JSON.stringify({ event, t: Date.now(), uptimeMs: Math.round(performance.now()), ...fields }) + '\n');
};
/** Peak RSS of this process (VmHWM: unlike getrusage's maxRSS it is not inherited from the parent across exec). */
const rssMb = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
};
const memory = (): Record<string, number> =>
  Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1048576)]));
/** BENCH_CONSUMER / BENCH_PRODUCER: JSON librdkafka overrides, for tuning experiments. */
const overrides = (client: 'consumer' | 'producer'): Record<string, string | number> =>
  JSON.parse(process.env[client === 'consumer' ? 'BENCH_CONSUMER' : 'BENCH_PRODUCER'] ?? '{}') as Record<string, string | number>;

/** Parses "123" without a string allocation: the bench values are small integers. */
const intSerde: Serde<number> = {
  serialize: (v) => Buffer.from(String(v)),
  deserialize: (b) => {
    let n = 0;
    for (let i = 0; i < b.length; i++) n = n * 10 + (b[i]! - 48);
    return n;
  },
};

let processed = 0;
let firstAt = 0;
function count(): void {
  if (processed++ === 0) {
    firstAt = performance.now();
    emit('first-record', { memory: memory() });
  }
}

const stepTimes = new Map<string, number[]>();
let stepStart = 0;
function stepSummary(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [step, list] of stepTimes) {
    const s = [...list].sort((a, b) => a - b);
    const q = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1);
    out[step] = `n=${s.length} p50=${q(0.5)} p99=${q(0.99)} max=${q(1)} ms`;
  }
  return out;
}

async function runStreams(): Promise<void> {
  const b = new StreamsBuilder();
  if (spec.mode === 'windowed') {
    b.stream(spec.input, intSerde)
      .peek(count)
      .groupByKey()
      .windowedBy(TimeWindows.tumbling(60_000))
      .aggregate(() => ({ c: 0, s: 0 }), (a, v) => ({ c: a.c + 1, s: a.s + v }), { name: 'windows', serde: Serdes.json<{ c: number; s: number }>() })
      .toStream('close')
      .to(spec.output!, Serdes.json());
  } else if (spec.mode === 'latency-app') {
    // value = input sequence number; the update carries the newest one applied to the window
    b.stream(spec.input, intSerde)
      .peek(count)
      .groupByKey()
      .windowedBy(TimeWindows.tumbling(1_000))
      .aggregate(() => 0, (last, seq) => Math.max(last, seq), { name: 'last-seq', serde: intSerde })
      .toStream('update')
      .mapValues((w) => w.value)
      .to(spec.output!, intSerde);
  } else {
    b.stream(spec.input, Serdes.string())
      .peek(count)
      .groupByKey()
      .aggregate(() => 0, (n) => n + 1, { name: 'counts', serde: intSerde });
  }
  const streams = new KafkaStreams(b.build(), {
    applicationId: spec.applicationId,
    connection: conn,
    stateDir: spec.stateDir,
    processingGuarantee: spec.guarantee ?? 'exactly_once_v2',
    ...(spec.groupInstanceId ? { groupInstanceId: spec.groupInstanceId } : {}),
    logger: createLogger('bench-streams', { level: (process.env.BENCH_LOG_LEVEL as 'info' | undefined) ?? 'warn' }),
    ...(JSON.parse(process.env.BENCH_STREAMS ?? '{}') as Record<string, number>),
    consumerConfig: overrides('consumer'),
    producerConfig: overrides('producer'),
    hooks: {
      onCommitStep(step) {
        const now = performance.now();
        if (step === 'flushed') stepStart = now;
        else {
          const list = stepTimes.get(step) ?? [];
          list.push(now - stepStart);
          stepTimes.set(step, list);
          stepStart = now;
        }
        if (step === 'local-committed' && spec.expect && processed >= spec.expect) {
          emit('done', { records: processed, seconds: (performance.now() - firstAt) / 1000, maxRssMb: rssMb(), memory: memory(), stats: streams.stats() });
          spec.expect = 0;
        }
      },
    },
  });
  process.on('SIGTERM', () => {
    if (process.env.BENCH_STEPS) process.stderr.write(JSON.stringify({ commitSteps: stepSummary() }) + '\n');
    void streams.close().then(() => process.exit(0));
  });
  await streams.start();
  await streams.waitUntilRunning(300_000);
  emit('running', { restores: streams.stats().restores, memory: memory() });
}

/** The baseline: the same native calls the library makes, with nothing in between. */
async function runPassthrough(): Promise<void> {
  const producer = new Producer({
    ...baseClientConfig(conn, 'bench-passthrough'),
    'transactional.id': `${spec.applicationId}-tx`,
    'enable.idempotence': true,
    acks: 'all',
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 1_000_000,
    'queue.buffering.max.kbytes': 1_048_576,
    partitioner: 'murmur2_random',
    'retry.backoff.ms': 10,
    'retry.backoff.max.ms': 100,
    'socket.nagle.disable': true,
    dr_cb: true,
    ...overrides('producer'),
  } as unknown as ProducerGlobalConfig);
  producer.on('delivery-report', () => undefined);
  const consumer = new KafkaConsumer({
    ...baseConsumerConfig(conn, 'bench-passthrough'),
    'group.id': spec.applicationId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_committed',
    'fetch.wait.max.ms': 50,
    'socket.nagle.disable': true,
    'queued.max.messages.kbytes': 16384,
    'queued.min.messages': 20000,
    ...overrides('consumer'),
  } as unknown as ConsumerGlobalConfig);
  const cb = (resolve: () => void, reject: (e: unknown) => void) => (err: LibrdKafkaError | null | undefined) => (err ? reject(err) : resolve());
  await new Promise<void>((res, rej) => producer.connect({}, cb(res, rej)));
  await new Promise<void>((res, rej) => consumer.connect({}, cb(res, rej)));
  producer.setPollInterval(100);
  await new Promise<void>((res, rej) => producer.initTransactions(30_000, cb(res, rej)));
  await new Promise<void>((res, rej) => producer.beginTransaction(cb(res, rej)));
  consumer.setDefaultConsumeTimeout(20);
  (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.subscribe([spec.input]);
  emit('running');
  const next = new Map<number, number>();
  const max = spec.batch ?? 20_000;
  let lastCommit = Date.now();
  for (;;) {
    const batch = await new Promise<Message[]>((res, rej) => consumer.consume(max, (err, m) => (err ? rej(err) : res(m))));
    for (const m of batch) {
      count();
      for (;;) {
        try {
          producer.produce(spec.output!, null, m.value, m.key, m.timestamp);
          break;
        } catch (err) {
          if ((err as LibrdKafkaError).code !== -184) throw err;
          producer.poll();
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      next.set(m.partition, m.offset + 1);
    }
    // same policy as the library: every 100 ms, or at once after a batch that was not full
    if (next.size > 0 && (batch.length < max || Date.now() - lastCommit >= 100)) {
      const offsets: TopicPartitionOffset[] = [...next].map(([partition, offset]) => ({ topic: spec.input, partition, offset }));
      await new Promise<void>((res, rej) => producer.sendOffsetsToTransaction(offsets, consumer, 30_000, cb(res, rej)));
      await new Promise<void>((res, rej) => producer.commitTransaction(30_000, cb(res, rej)));
      await new Promise<void>((res, rej) => producer.beginTransaction(cb(res, rej)));
      next.clear();
      lastCommit = Date.now();
      if (spec.expect && processed >= spec.expect) {
        emit('done', { records: processed, seconds: (performance.now() - firstAt) / 1000, maxRssMb: rssMb(), memory: memory() });
        spec.expect = 0;
      }
    }
  }
}

emit('starting');
if (spec.mode === 'passthrough') await runPassthrough();
else await runStreams();
