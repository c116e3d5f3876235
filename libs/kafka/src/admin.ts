import kafka from '@confluentinc/kafka-javascript';
import type {
  GroupResults,
  IAdminClient,
  ListOffsetsResult,
  TopicDescription,
  TopicPartitionOffsetSpec,
} from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseClientConfig, type ConnectionConfig } from './config.js';
import { describeTopicConfigs, type TopicConfigs } from './describe-configs.js';
import { BrokerUnavailableError } from './errors.js';

const { AdminClient, IsolationLevel, OffsetSpec } = kafka;

/** Promise wrapper over the client's native admin API, with the broker check done up front. */
export class KafkaAdmin {
  private constructor(
    private readonly client: IAdminClient,
    readonly conn: ConnectionConfig,
    private readonly timeoutMs: number,
  ) {}

  /** Connects and proves the broker answers, or fails with one actionable line. */
  static async connect(conn: ConnectionConfig, opts: { clientId?: string; timeoutMs?: number } = {}): Promise<KafkaAdmin> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    // librdkafka reports a down broker by retrying and logging forever; swallow those and let the
    // bounded listTopics below decide.
    const client = AdminClient.create(
      { ...baseClientConfig(conn, opts.clientId ?? 'candlestream-admin'), log_level: 0 },
      { 'event.error': () => undefined, 'event.log': () => undefined },
    );
    const admin = new KafkaAdmin(client, conn, timeoutMs);
    try {
      await admin.listTopics();
    } catch (err) {
      client.disconnect();
      throw new BrokerUnavailableError(conn.brokers, err);
    }
    return admin;
  }

  listTopics(): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.client.listTopics({ timeout: this.timeoutMs }, (err, topics) => (err ? reject(err) : resolve(topics))),
    );
  }

  describeTopics(topics: string[]): Promise<TopicDescription[]> {
    return new Promise((resolve, reject) =>
      this.client.describeTopics(topics, { timeout: this.timeoutMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  createTopic(name: string, partitions: number, config: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.createTopic(
        { topic: name, num_partitions: partitions, replication_factor: -1, config },
        this.timeoutMs,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  deleteTopic(name: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.deleteTopic(name, this.timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
  }

  describeConfigs(topics: string[]): Promise<Map<string, TopicConfigs>> {
    return describeTopicConfigs(this.conn.brokers, topics, this.timeoutMs);
  }

  /** Low/high watermarks; with `committed` the high mark is the last stable offset (read_committed). */
  async watermarks(
    topic: string,
    partitions: number[],
    committed = true,
  ): Promise<Map<number, { low: number; high: number }>> {
    const isolation = committed ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
    const query = (spec: typeof OffsetSpec.EARLIEST): Promise<ListOffsetsResult[]> =>
      new Promise((resolve, reject) => {
        const req: TopicPartitionOffsetSpec[] = partitions.map((partition) => ({ topic, partition, offset: spec }));
        this.client.listOffsets(req, { timeout: this.timeoutMs, isolationLevel: isolation }, (err, res) =>
          err ? reject(err) : resolve(res),
        );
      });
    const [lows, highs] = await Promise.all([query(OffsetSpec.EARLIEST), query(OffsetSpec.LATEST)]);
    const out = new Map<number, { low: number; high: number }>();
    for (const l of lows) out.set(l.partition, { low: l.offset, high: l.offset });
    for (const h of highs) {
      const e = out.get(h.partition);
      if (e) e.high = h.offset;
    }
    return out;
  }

  /** Committed offsets of a consumer group (requireStable: wait out pending transactional commits). */
  groupOffsets(groupId: string): Promise<GroupResults[]> {
    return new Promise((resolve, reject) =>
      this.client.listConsumerGroupOffsets(
        [{ groupId }],
        { timeout: this.timeoutMs, requireStableOffsets: true },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
  }

  listGroups(): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.client.listGroups({ timeout: this.timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res.groups.map((g) => g.groupId)),
      ),
    );
  }

  close(): void {
    this.client.disconnect();
  }
}
