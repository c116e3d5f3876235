import kafka from '@confluentinc/kafka-javascript';
import { connect } from 'node:net';
import type {
  GroupDescriptions,
  GroupResults,
  IAdminClient,
  ListOffsetsResult,
  TopicDescription,
  TopicPartitionOffsetSpec,
} from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseClientConfig, type ConnectionConfig } from './config.js';
import { describeTopicConfigs, type TopicConfigs } from './describe-configs.js';
import { BrokerUnavailableError, KafkaProtocolError } from './errors.js';

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

  describeGroups(groupIds: string[]): Promise<GroupDescriptions> {
    return new Promise((resolve, reject) =>
      this.client.describeGroups(groupIds, { timeout: this.timeoutMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /**
   * Removes static members (by `group.instance.id`) from a consumer group, like the Java admin's
   * `removeMembersFromConsumerGroup`: a static member never leaves on close, and librdkafka has no
   * such call, so this sends LeaveGroup v3 (KIP-345) to the group coordinator itself. A member that
   * is already gone is not an error.
   */
  async removeStaticMembers(groupId: string, instanceIds: string[]): Promise<void> {
    const group = (await this.describeGroups([groupId])).groups[0];
    if (!group?.coordinator) throw new KafkaProtocolError(`no coordinator found for group ${groupId}`, -1);
    const { host, port } = group.coordinator;
    const response = await kafkaRequest(host, port, encodeLeaveGroup(groupId, instanceIds), this.timeoutMs, this.conn.brokers);
    let pos = 4; // correlation id
    pos += 4; // throttle_time_ms
    const top = response.readInt16BE(pos);
    pos += 2;
    if (top !== 0) throw new KafkaProtocolError(`LeaveGroup for ${groupId} failed with error code ${top}`, top);
    const n = response.readInt32BE(pos);
    pos += 4;
    for (let i = 0; i < n; i++) {
      pos += 2 + response.readInt16BE(pos); // member_id
      const idLen = response.readInt16BE(pos);
      const instance = idLen < 0 ? null : response.toString('utf8', pos + 2, pos + 2 + idLen);
      pos += 2 + Math.max(idLen, 0);
      const code = response.readInt16BE(pos);
      pos += 2;
      if (code !== 0 && code !== 25 /* UNKNOWN_MEMBER_ID: already gone */) {
        throw new KafkaProtocolError(`LeaveGroup for ${groupId}: member ${instance} failed with error code ${code}`, code);
      }
    }
  }

  close(): void {
    this.client.disconnect();
  }
}

const LEAVE_GROUP = 13;

/** LeaveGroup v3 (non-flexible): group_id, [member_id = "" (unknown), group_instance_id]. */
function encodeLeaveGroup(groupId: string, instanceIds: string[]): Buffer {
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const head = Buffer.alloc(8);
  head.writeInt16BE(LEAVE_GROUP, 0);
  head.writeInt16BE(3, 2);
  head.writeInt32BE(1, 4); // correlation id
  const count = Buffer.alloc(4);
  count.writeInt32BE(instanceIds.length);
  const body = Buffer.concat([head, str('candlestream-admin'), str(groupId), count, ...instanceIds.flatMap((id) => [str(''), str(id)])]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** One request/response exchange on a fresh connection; returns the response without its size prefix. */
function kafkaRequest(host: string, port: number, request: Buffer, timeoutMs: number, brokers: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new BrokerUnavailableError(brokers, new Error(`request to ${host}:${port} timed out`)));
    }, timeoutMs);
    let acc = Buffer.alloc(0);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      acc = Buffer.concat([acc, chunk]);
      if (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(acc.subarray(4, 4 + acc.readInt32BE(0)));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new BrokerUnavailableError(brokers, err));
    });
  });
}
