import { createLogger, type Logger } from '@candlestream/metrics';
import { StreamsFatalError, TopologyError } from '../errors.js';
import type { Headers } from '../processor/record.js';
import type { Subtopology, Topology } from '../processor/topology.js';
import type { Serde } from '../serde.js';
import type { StoreSpec } from '../state/store-builders.js';
import type { KeyValueStore, WindowStore } from '../state/stores.js';
import type { ChangelogWriter } from '../internals/state/store-runtime.js';
import { StreamTask, taskId } from '../internals/task/stream-task.js';
import type { RawRecord, TaskIO } from '../internals/task/task-io.js';
import { internalTopicName } from '../internals/topic-names.js';

export interface TopologyTestDriverOptions {
  applicationId?: string;
  /** Initial virtual wall clock, epoch ms. Default 0. */
  wallClockMs?: number;
  /**
   * Commit (flush caches, forward throttled updates, checkpoint) after every piped record, as Kafka
   * Streams' driver does. Default true; false to test cache throttling with explicit `commit()`.
   */
  commitEveryRecord?: boolean;
  /** Send poison records to `<applicationId>-dlq` (default true). */
  deadLetterQueue?: boolean;
  cacheMaxEntries?: number;
  /** As StreamsConfig.idleAdvance (live mode): applied when the virtual wall clock advances. */
  idleAdvance?: { idleMs: number; maxOutOfOrdernessMs: number };
  logger?: Logger;
}

/** A record the topology produced (or a changelog, dead-letter or late record). */
export interface ProducedRecord {
  topic: string;
  /** null when the producer's partitioner would choose (sinks). */
  partition: number | null;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Headers;
}

export interface TestRecord<V> {
  key: string | null;
  value: V;
  timestamp: number;
  headers: Headers;
}

/**
 * Runs a topology without a broker: the same tasks, processors and SQLite stores (in memory) as
 * under Kafka, fed record by record, with a virtual wall clock. Offsets are assigned per
 * topic-partition in pipe order. As in Kafka Streams' driver, a record the topology writes to one of
 * its own source topics (a repartition through `to()` and `stream()`) is processed right after the
 * record that caused it, by its sub-topology's task; a sink leaves partitioning to the producer, so
 * here such records go to partition 0.
 */
export class TopologyTestDriver {
  readonly applicationId: string;
  readonly dlqTopic: string;
  readonly lateTopic: string;
  private wallClock: number;
  private readonly tasks = new Map<string, StreamTask>();
  private readonly subtopologyOf = new Map<string, Subtopology>();
  /** Records written to source topics, waiting to be processed. */
  private readonly pending: RawRecord[] = [];
  private readonly produced = new Map<string, ProducedRecord[]>();
  private readonly nextOffset = new Map<string, number>();
  private readonly changelogEnd = new Map<string, number>();
  private readonly io: TaskIO;
  private readonly commitEveryRecord: boolean;
  private readonly idleAdvance: { idleMs: number; maxOutOfOrdernessMs: number } | undefined;
  private closed = false;

  constructor(
    private readonly topology: Topology,
    opts: TopologyTestDriverOptions = {},
  ) {
    topology.validate();
    this.applicationId = opts.applicationId ?? 'test-app';
    this.wallClock = opts.wallClockMs ?? 0;
    this.commitEveryRecord = opts.commitEveryRecord ?? true;
    this.idleAdvance = opts.idleAdvance;
    this.dlqTopic = internalTopicName(this.applicationId, { kind: 'dlq' });
    this.lateTopic = internalTopicName(this.applicationId, { kind: 'late' });
    const applicationId = this.applicationId;
    const dlq = opts.deadLetterQueue ?? true ? this.dlqTopic : undefined;
    this.io = {
      applicationId,
      logger: opts.logger ?? createLogger('streams-test-driver', { level: 'error' }),
      send: (topic, partition, key, value, timestamp, headers) => {
        let list = this.produced.get(topic);
        if (!list) this.produced.set(topic, (list = []));
        list.push({ topic, partition, key, value, timestamp, headers: headers ?? [] });
        if (this.subtopologyOf.has(topic)) this.pending.push(this.raw(topic, key, value, timestamp, { partition: partition ?? 0, ...(headers ? { headers } : {}) }));
      },
      now: () => this.wallClock,
      dlqTopic: dlq,
      lateTopic: this.lateTopic,
      changelogTopic: (store) => internalTopicName(applicationId, { kind: 'changelog', store }),
      cacheMaxEntries: opts.cacheMaxEntries ?? 100_000,
      storePath: () => ':memory:',
    };
    for (const sub of topology.subtopologies) for (const topic of sub.sourceTopics) this.subtopologyOf.set(topic, sub);
  }

  createInputTopic<V>(topic: string, serde: Serde<V>): TestInputTopic<V> {
    if (!this.topology.sourceTopics.includes(topic)) throw new TopologyError(`${topic} is not a source topic of the topology`);
    return new TestInputTopic(this, topic, serde);
  }

  createOutputTopic<V>(topic: string, serde: Serde<V>): TestOutputTopic<V> {
    return new TestOutputTopic(this, topic, serde);
  }

  /** Feeds one record as raw bytes (for poison-record tests). */
  pipeRaw(topic: string, key: string | null, value: Buffer | null, timestamp: number, opts: { partition?: number; headers?: Headers } = {}): void {
    this.processSync(this.raw(topic, key, value, timestamp, opts));
    this.processPending();
    if (this.commitEveryRecord) this.commit();
  }

  /** As `pipeRaw`, awaiting a serde's `prepare` when it asks for it. */
  async pipeRawAsync(topic: string, key: string | null, value: Buffer | null, timestamp: number, opts: { partition?: number; headers?: Headers } = {}): Promise<void> {
    const raw = this.raw(topic, key, value, timestamp, opts);
    const task = this.task(raw.topic, raw.partition);
    task.lastRecordWallClock = this.wallClock;
    const pending = task.process(raw);
    if (pending) task.processPrepared(raw, await pending.then(() => undefined, (err: unknown) => err ?? new Error('prepare failed')));
    this.processPending();
    if (this.commitEveryRecord) this.commit();
  }

  /** Moves the virtual wall clock, runs due wall-clock punctuations and (if configured) the idle advance. */
  advanceWallClockTime(ms: number): void {
    this.wallClock += ms;
    const idle = this.idleAdvance;
    for (const task of this.tasks.values()) {
      task.punctuateWallClock(this.wallClock);
      if (idle && this.wallClock - task.lastRecordWallClock >= idle.idleMs) task.advanceStreamTime(this.wallClock - idle.maxOutOfOrdernessMs);
    }
    this.processPending();
    if (this.commitEveryRecord) this.commit();
  }

  get wallClockTime(): number {
    return this.wallClock;
  }

  /**
   * Commit steps 1, 2 and 5 (there is no Kafka transaction here): flush stores, checkpoint, commit
   * SQLite. Updates a flush forwards into source topics are processed, and committed too when
   * committing after every record.
   */
  commit(): void {
    for (let pass = 0; pass < MAX_COMMIT_PASSES; pass++) {
      for (const task of this.tasks.values()) {
        task.flush();
        const offsets = new Map<string, number>();
        for (const name of task.stores.keys()) offsets.set(name, this.changelogEnd.get(`${name}/${task.partition}`) ?? 0);
        task.commitLocal(offsets, this.wallClock);
      }
      if (this.pending.length === 0) return;
      this.processPending();
      if (!this.commitEveryRecord) return;
    }
    throw new StreamsFatalError(`records written back to source topics still cause more after ${MAX_COMMIT_PASSES} commits (a cycle?)`);
  }

  getKeyValueStore<V>(name: string, partition = 0): KeyValueStore<V> {
    const store = this.storeTask(name, partition).stores.get(name);
    if (!store || store.spec.kind !== 'key-value') throw new TopologyError(`no key-value store ${name}`);
    return store as unknown as KeyValueStore<V>;
  }

  getWindowStore<V>(name: string, partition = 0): WindowStore<V> {
    const store = this.storeTask(name, partition).stores.get(name);
    if (!store || store.spec.kind !== 'window') throw new TopologyError(`no window store ${name}`);
    return store as unknown as WindowStore<V>;
  }

  /** Counters of one task (sub-topology 0 unless named): records processed, dead-lettered, late per store. */
  stats(partition = 0, subtopology = 0): { processed: number; deadLettered: number; late: Record<string, number>; streamTime: number } {
    const sub = this.topology.subtopologies[subtopology];
    if (!sub) throw new TopologyError(`no sub-topology ${subtopology}`);
    const t = this.task(sub.sourceTopics[0]!, partition);
    return {
      processed: t.stats.processed,
      deadLettered: t.stats.deadLettered,
      late: Object.fromEntries(t.stats.late),
      streamTime: t.streamTime,
    };
  }

  /** @internal */
  take(topic: string): ProducedRecord[] {
    const list = this.produced.get(topic) ?? [];
    this.produced.set(topic, []);
    return list;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const task of this.tasks.values()) task.close();
    this.tasks.clear();
  }

  private processSync(raw: RawRecord): void {
    const task = this.task(raw.topic, raw.partition);
    task.lastRecordWallClock = this.wallClock;
    if (task.process(raw)) throw new TopologyError(`the serde of ${raw.topic} needs async preparation: use pipeRawAsync`);
  }

  private processPending(): void {
    for (let raw = this.pending.shift(); raw; raw = this.pending.shift()) this.processSync(raw);
  }

  private raw(topic: string, key: Buffer | string | null, value: Buffer | null, timestamp: number, opts: { partition?: number; headers?: Headers }): RawRecord {
    if (this.closed) throw new StreamsFatalError('the driver is closed');
    const partition = opts.partition ?? 0;
    const id = `${topic}/${partition}`;
    const offset = this.nextOffset.get(id) ?? 0;
    this.nextOffset.set(id, offset + 1);
    return { topic, partition, offset, key, value, timestamp, ...(opts.headers ? { headers: opts.headers } : {}) };
  }

  private task(topic: string, partition: number): StreamTask {
    const sub = this.subtopologyOf.get(topic);
    if (!sub) throw new TopologyError(`${topic} is not a source topic of the topology`);
    const id = taskId(sub.id, partition);
    let task = this.tasks.get(id);
    if (!task) {
      task = new StreamTask(sub, partition, this.io, (spec) => this.changelogWriter(spec, partition));
      task.init(-Infinity);
      this.tasks.set(id, task);
    }
    return task;
  }

  private storeTask(name: string, partition: number): StreamTask {
    const sub = this.topology.subtopologies.find((s) => s.stores.some((spec) => spec.name === name));
    if (!sub) throw new TopologyError(`no store ${name}`);
    return this.task(sub.sourceTopics[0]!, partition);
  }

  private changelogWriter(spec: StoreSpec, partition: number): ChangelogWriter | undefined {
    if (!spec.changelog) return undefined;
    const topic = this.io.changelogTopic(spec.name);
    const id = `${spec.name}/${partition}`;
    return (key, value, timestamp) => {
      this.io.send(topic, partition, key, value, timestamp);
      this.changelogEnd.set(id, (this.changelogEnd.get(id) ?? 0) + 1);
    };
  }
}

const MAX_COMMIT_PASSES = 100;

export class TestInputTopic<V> {
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly serde: Serde<V>,
  ) {}

  pipeInput(key: string | null, value: V, timestamp: number, opts: { partition?: number; headers?: Headers } = {}): void {
    this.driver.pipeRaw(this.topic, key, this.serde.serialize(value), timestamp, opts);
  }

  pipeValues(values: V[], timestamp: number, opts: { key?: string | null; partition?: number } = {}): void {
    for (const v of values) this.pipeInput(opts.key ?? null, v, timestamp, opts);
  }
}

export class TestOutputTopic<V> {
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly serde: Serde<V>,
  ) {}

  /** Reads (and removes) everything produced to the topic so far. */
  readRecordsToList(): TestRecord<V>[] {
    return this.driver.take(this.topic).map((r) => ({
      key: r.key === null ? null : r.key.toString('utf8'),
      value: r.value === null ? (null as V) : this.serde.deserialize(r.value),
      timestamp: r.timestamp,
      headers: r.headers,
    }));
  }

  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  readKeyValuesToList(): { key: string | null; value: V }[] {
    return this.readRecordsToList().map((r) => ({ key: r.key, value: r.value }));
  }
}
