import { baseClientConfig, baseConsumerConfig } from '@candlestream/kafka';
import kafka from '@confluentinc/kafka-javascript';
import type {
  ConsumerGlobalConfig,
  KafkaConsumer as KafkaConsumerType,
  LibrdKafkaError,
  Message,
  Producer as ProducerType,
  ProducerGlobalConfig,
  TopicPartition,
  TopicPartitionOffset,
  TopicPartitionOffsetAndMetadata,
} from '@confluentinc/kafka-javascript/types/rdkafka.js';
import type { ResolvedStreamsConfig } from '../../config.js';

const { KafkaConsumer, Producer } = kafka;

// Clients are created without a topic config object on purpose: the binding would replace the
// default topic config (auto.offset.reset, acks, partitioner set above) with an empty one.

export type Consumer = KafkaConsumerType;
export type NativeProducer = ProducerType;

/** librdkafka error codes the runtime reacts to. */
export const ErrorCode = {
  QUEUE_FULL: -184,
  ASSIGN_PARTITIONS: -175,
  REVOKE_PARTITIONS: -174,
  FENCED: -144,
  FATAL: -150,
  TIMED_OUT: -185,
  INVALID_PRODUCER_EPOCH: 47,
  FENCED_INSTANCE_ID: 82,
  PRODUCER_FENCED: 90,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
} as const;

export type RebalanceCallback = (err: LibrdKafkaError, assignment: TopicPartition[]) => void;

/** The processing consumer: group member with static membership, manual offsets, read_committed. */
export function createConsumer(c: ResolvedStreamsConfig, onRebalance: RebalanceCallback): Consumer {
  const conf = {
    ...baseConsumerConfig(c.connection, `${c.applicationId}-${c.groupInstanceId}-consumer`),
    'group.id': c.applicationId,
    'group.instance.id': c.groupInstanceId,
    'session.timeout.ms': c.sessionTimeoutMs,
    'heartbeat.interval.ms': c.heartbeatIntervalMs,
    'max.poll.interval.ms': c.maxPollIntervalMs,
    // Eager assignment: a rebalance revokes everything, tasks commit and close, assigned tasks
    // reopen from their (current) checkpoints. Simple and cheap with local state kept on disk.
    'partition.assignment.strategy': 'range',
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_committed',
    'fetch.wait.max.ms': 50,
    'socket.nagle.disable': true,
    'queued.max.messages.kbytes': 16384,
    'queued.min.messages': 20000,
    log_level: 3,
    rebalance_cb: onRebalance,
    ...c.consumerConfig,
  } as unknown as ConsumerGlobalConfig;
  const consumer = new KafkaConsumer(conf);
  consumer.setDefaultConsumeTimeout(c.consumeTimeoutMs);
  // Without this a batch waits the timeout for *each* record: seconds of latency under a trickle.
  (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  return consumer;
}

/** The restore consumer: no group membership, assign() only, read_committed. */
export function createRestoreConsumer(c: ResolvedStreamsConfig): Consumer {
  const conf = {
    ...baseConsumerConfig(c.connection, `${c.applicationId}-${c.groupInstanceId}-restore`),
    'group.id': `${c.applicationId}-restore`,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_committed',
    'fetch.wait.max.ms': 20,
    'fetch.max.bytes': 52428800,
    'max.partition.fetch.bytes': 8388608,
    log_level: 3,
  } as unknown as ConsumerGlobalConfig;
  const consumer = new KafkaConsumer(conf);
  consumer.setDefaultConsumeTimeout(50);
  (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  return consumer;
}

/** The instance's one producer: transactional under EOS, idempotent under at-least-once. */
export function createProducer(c: ResolvedStreamsConfig): NativeProducer {
  const conf = {
    ...baseClientConfig(c.connection, `${c.applicationId}-${c.groupInstanceId}-producer`),
    ...(c.eos ? { 'transactional.id': c.transactionalId, 'transaction.timeout.ms': c.transactionTimeoutMs } : {}),
    'enable.idempotence': true,
    acks: 'all',
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 1_000_000,
    'queue.buffering.max.kbytes': 1_048_576,
    // Same partitioner as Java clients, so keyed outputs land where Kafka Streams would put them.
    partitioner: 'murmur2_random',
    // The coordinator answers CONCURRENT_TRANSACTIONS while it still writes the previous commit's
    // markers; librdkafka's default 100 ms backoff then shows up as p99 latency (measured: 127 -> ~50 ms).
    'retry.backoff.ms': 10,
    'retry.backoff.max.ms': 100,
    'socket.nagle.disable': true,
    dr_cb: true,
    log_level: 3,
    ...c.producerConfig,
  } as unknown as ProducerGlobalConfig;
  return new Producer(conf);
}

export function connectClient(client: Consumer | NativeProducer, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) =>
    (client as Consumer).connect({ timeout: timeoutMs }, (err: LibrdKafkaError | null) => (err ? reject(err) : resolve())),
  );
}

export function disconnectClient(client: Consumer | NativeProducer, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isConnected()) return resolve();
    // The binding clears a producer's setPollInterval timer only on 'disconnected', after it destroyed
    // the native handle on a worker thread; a tick during that destroy polls a freed handle (SIGSEGV
    // in Producer::NodePoll -> rd_kafka_poll). Stop it first: the flush inside disconnect() serves
    // the remaining delivery reports itself.
    if (client instanceof Producer) client.setPollInterval(0);
    const timer = setTimeout(resolve, timeoutMs);
    (client as Consumer).disconnect(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function consume(consumer: Consumer, max: number): Promise<Message[]> {
  return new Promise((resolve, reject) => consumer.consume(max, (err, messages) => (err ? reject(err) : resolve(messages))));
}

export function committed(consumer: Consumer, partitions: TopicPartition[], timeoutMs: number): Promise<TopicPartitionOffsetAndMetadata[]> {
  return new Promise((resolve, reject) =>
    consumer.committed(partitions, timeoutMs, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

export function seek(consumer: Consumer, tp: TopicPartitionOffset, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => consumer.seek(tp, timeoutMs, (err) => (err ? reject(err) : resolve())));
}

type Cb = (err: LibrdKafkaError) => void;
const call = (fn: (cb: Cb) => void): Promise<void> => new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

export const txn = {
  init: (p: NativeProducer, timeoutMs: number) => call((cb) => p.initTransactions(timeoutMs, cb)),
  begin: (p: NativeProducer) => call((cb) => p.beginTransaction(cb)),
  sendOffsets: (p: NativeProducer, offsets: TopicPartitionOffsetAndMetadata[], consumer: Consumer, timeoutMs: number) =>
    call((cb) => p.sendOffsetsToTransaction(offsets, consumer, timeoutMs, cb)),
  commit: (p: NativeProducer, timeoutMs: number) => call((cb) => p.commitTransaction(timeoutMs, cb)),
  abort: (p: NativeProducer, timeoutMs: number) => call((cb) => p.abortTransaction(timeoutMs, cb)),
  flush: (p: NativeProducer, timeoutMs: number) => call((cb) => p.flush(timeoutMs, cb)),
};

/** Fenced by a newer instance (transactional id or group.instance.id): stop, do not retry. */
export function isFenced(err: unknown): boolean {
  const code = (err as { code?: number } | undefined)?.code;
  return (
    code === ErrorCode.FENCED ||
    code === ErrorCode.PRODUCER_FENCED ||
    code === ErrorCode.INVALID_PRODUCER_EPOCH ||
    code === ErrorCode.FENCED_INSTANCE_ID ||
    isFencedMessage((err as Error | undefined)?.message ?? '')
  );
}

function isFencedMessage(msg: string): boolean {
  return /fenced/i.test(msg) && !/leader epoch/i.test(msg);
}

export function isFatal(err: unknown): boolean {
  return (err as { isFatal?: boolean } | undefined)?.isFatal === true;
}

export function isRetriable(err: unknown): boolean {
  return (err as { isRetriable?: boolean } | undefined)?.isRetriable === true;
}
