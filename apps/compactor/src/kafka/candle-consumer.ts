import kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError, Message, TopicPartition, TopicPartitionOffset } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseConsumerConfig, BrokerUnavailableError, type ConnectionConfig } from '@candlestream/kafka';
import type { Logger } from '@candlestream/metrics';

const { KafkaConsumer, CODES } = kafka;

export type { Message, TopicPartition, TopicPartitionOffset };

/**
 * What the consumer asks of its owner around a rebalance. Both may take their time: the consumer
 * holds librdkafka's assign/unassign call until they resolve (eager protocol), so no record of a newly
 * assigned partition is fetched before `onAssign` has decided where to start, and a revoked partition
 * stays ours until `onRevoke` has written and committed what was read from it.
 */
export interface RebalanceHandler {
  /** Start offsets for the partitions (absent: the group's committed offset, or earliest). */
  onAssign(partitions: TopicPartition[]): Promise<Map<string, number>>;
  onRevoke(partitions: TopicPartition[]): Promise<void>;
  onError(err: Error): void;
}

export interface CandleConsumerOptions {
  conn: ConnectionConfig;
  groupId: string;
  /** Static membership: a restart after a crash takes its partitions back at once. */
  instanceId: string;
  topics: string[];
  clientId?: string;
  /** Most messages per poll. */
  maxPollRecords?: number;
  sessionTimeoutMs?: number;
  handler: RebalanceHandler;
  log: Logger;
}

const key = (tp: TopicPartition): string => `${tp.topic}~${tp.partition}`;

/**
 * The native (node-rdkafka style) consumer of the candle topics: read_committed, no auto-commit,
 * batches of up to `maxPollRecords` per `poll` returned as soon as the first message is there.
 */
export class CandleConsumer {
  private queue: Promise<void> = Promise.resolve();
  private assigned: TopicPartition[] = [];
  private closing = false;

  private constructor(
    private readonly consumer: InstanceType<typeof KafkaConsumer>,
    private readonly opts: CandleConsumerOptions,
  ) {}

  static async connect(opts: CandleConsumerOptions): Promise<CandleConsumer> {
    // The rebalance callback is configured before the wrapper exists; it finds it through this cell.
    const ref: { current?: CandleConsumer } = {};
    const consumer = new KafkaConsumer(
      {
        ...baseConsumerConfig(opts.conn, opts.clientId ?? 'compactor'),
        'group.id': opts.groupId,
        'group.instance.id': opts.instanceId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': 100,
        'session.timeout.ms': opts.sessionTimeoutMs ?? 45_000,
        'partition.assignment.strategy': 'range',
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => ref.current?.rebalance(err, assignment),
      },
      { 'auto.offset.reset': 'earliest' },
    );
    consumer.on('event.error', (err) => {
      // A fatal error (e.g. fenced by another instance with the same group.instance.id) ends the
      // consumer for good: stop the job rather than poll an empty consumer forever.
      if (err.isFatal) opts.handler.onError(new Error(`consumer failed: ${err.message}`));
      else opts.log.limited('warn', 'consumer-error', 'consumer error', { error: err.message });
    });
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(new BrokerUnavailableError(opts.conn.brokers, err)) : resolve())),
    );
    const self = new CandleConsumer(consumer, opts);
    ref.current = self;
    consumer.setDefaultConsumeTimeout(100);
    // Without this, consume(n) waits the timeout for *each* message and returns late under a trickle.
    // (The method exists in the client but is missing from its type declarations.)
    (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.subscribe(opts.topics);
    return self;
  }

  /** Up to `maxPollRecords` messages (possibly none, after ~100 ms). */
  poll(): Promise<Message[]> {
    return new Promise((resolve, reject) =>
      this.consumer.consume(this.opts.maxPollRecords ?? 10_000, (err, messages) => (err ? reject(err) : resolve(messages))),
    );
  }

  /** Synchronous commit: when this returns, the broker has the offsets (or it threw). */
  commit(offsets: TopicPartitionOffset[]): void {
    if (offsets.length > 0) this.consumer.commitSync(offsets);
  }

  committed(partitions: TopicPartition[], timeoutMs = 10_000): Promise<Map<string, number>> {
    return new Promise((resolve, reject) =>
      this.consumer.committed(partitions, timeoutMs, (err, tps) => {
        if (err) return reject(err);
        resolve(new Map(tps.filter((tp) => tp.offset >= 0).map((tp) => [key(tp), tp.offset])));
      }),
    );
  }

  /** Fetch positions (past transaction markers, which are never delivered). */
  positions(partitions: TopicPartition[]): Map<string, number> {
    if (partitions.length === 0) return new Map();
    return new Map(this.consumer.position(partitions).filter((tp) => tp.offset >= 0).map((tp) => [key(tp), tp.offset]));
  }

  get assignment(): readonly TopicPartition[] {
    return this.assigned;
  }

  /** Call after the owner has written and committed everything it read. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => this.consumer.disconnect(() => resolve()));
  }

  private rebalance(err: LibrdKafkaError, assignment: TopicPartition[]): void {
    if (this.closing) {
      // librdkafka's close revokes the assignment and waits for the unassign call: answer at once
      // (the owner has flushed already), or the close never returns.
      try {
        this.consumer.unassign();
      } catch {
        // not connected any more: nothing to release
      }
      return;
    }
    const tps = assignment.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    const step =
      err.code === CODES.ERRORS.ERR__ASSIGN_PARTITIONS
        ? async (): Promise<void> => {
            const starts = await this.opts.handler.onAssign(tps);
            this.consumer.assign(tps.map((tp) => (starts.has(key(tp)) ? { ...tp, offset: starts.get(key(tp))! } : tp)));
            this.assigned = tps;
            this.opts.log.info('partitions assigned', { partitions: tps.map((tp) => `${key(tp)}@${starts.get(key(tp)) ?? 'committed'}`) });
          }
        : err.code === CODES.ERRORS.ERR__REVOKE_PARTITIONS
          ? async (): Promise<void> => {
              await this.opts.handler.onRevoke(tps);
              this.consumer.unassign();
              this.assigned = [];
              this.opts.log.info('partitions revoked', { partitions: tps.map(key) });
            }
          : null;
    if (!step) {
      this.opts.handler.onError(new Error(`rebalance failed: ${err.message}`));
      return;
    }
    // Rebalance steps run one after another, each after the previous one's async work.
    this.queue = this.queue.then(step).catch((e: unknown) => this.opts.handler.onError(e as Error));
  }
}
