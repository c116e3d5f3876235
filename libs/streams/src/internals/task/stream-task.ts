import type { MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { PoisonRecordError, StreamsFatalError, TopologyError } from '../../errors.js';
import type { Cancellable, Processor, ProcessorContext, PunctuationType } from '../../processor/processor.js';
import type { RecordMetadata, StreamRecord } from '../../processor/record.js';
import type { SourceNodeDef, Subtopology } from '../../processor/topology.js';
import type { StoreSpec } from '../../state/store-builders.js';
import type { StateStore } from '../../state/stores.js';
import { SqliteKeyValueStore } from '../state/key-value-store.js';
import type { Checkpoint } from '../state/store-file.js';
import type { ChangelogWriter, StoreRuntime } from '../state/store-runtime.js';
import { SqliteWindowStore } from '../state/window-store.js';
import { NodeFailure, ProcessorNode } from './processor-node.js';
import { RecordCollectorError } from './record-collector-error.js';
import { nextMultiple, PunctuationQueue } from './punctuation.js';
import type { RawRecord, TaskIO } from './task-io.js';

interface Source {
  readonly def: SourceNodeDef;
  readonly node: ProcessorNode;
  /** Next offset to commit for this topic-partition; -1 until known. */
  nextOffset: number;
  /** `nextOffset` as of the last commit: where a rollback rewinds to (-1: the partition's beginning). */
  committedOffset: number;
}

/** Counters a task accumulates between two harvests by the runtime (metrics) or the test driver. */
export interface TaskStats {
  consumed: number;
  processed: number;
  deadLettered: number;
  late: Map<string, number>;
  /** Event times of sampled records since the last commit (end-to-end latency at commit). */
  eventTimeSamples: number[];
}

const SAMPLE_EVERY = 64;

/**
 * One task: one sub-topology on one input partition (of each of its source topics), its processor
 * instances and its stores. Its id is Kafka Streams' `<sub-topology>_<partition>`.
 * Processing is synchronous per record; the only await is a serde's `prepare` promise, handed back
 * to the caller. Commits are driven from outside (the task manager's commit sequence, or the test
 * driver), through `flush` / `commitLocal` / `rollback`.
 */
export class StreamTask {
  readonly id: string;
  streamTime = -Infinity;
  /** Stream time as of the last commit: what a rollback returns to. */
  committedStreamTime = -Infinity;
  readonly stores = new Map<string, StoreRuntime>();
  readonly stats: TaskStats = { consumed: 0, processed: 0, deadLettered: 0, late: new Map(), eventTimeSamples: [] };
  /** Wall-clock time of the last record (idle detection). */
  lastRecordWallClock: number;
  /** Records processed since the last commit (a commit with none and nothing dirty can be skipped). */
  uncommitted = 0;
  private readonly sources = new Map<string, Source>();
  private readonly nodes: ProcessorNode[] = [];
  private readonly contexts: NodeContext[] = [];
  readonly streamPunctuations = new PunctuationQueue();
  readonly wallClockPunctuations = new PunctuationQueue();
  private current: RawRecord | undefined;
  private initialized = false;

  constructor(
    readonly subtopology: Subtopology,
    readonly partition: number,
    readonly io: TaskIO,
    changelogWriter: (store: StoreSpec) => ChangelogWriter | undefined,
  ) {
    this.id = taskId(subtopology.id, partition);
    this.lastRecordWallClock = io.now();
    for (const spec of subtopology.stores) this.stores.set(spec.name, this.openStore(spec, changelogWriter(spec)));
    const byName = new Map<string, ProcessorNode>();
    for (const def of subtopology.nodes) {
      let processor: Processor<unknown, unknown>;
      if (def.kind === 'source') processor = new ForwardProcessor();
      else if (def.kind === 'sink') processor = new SinkProcessor(def.topic, def.serde, io);
      else processor = def.supplier();
      const node = new ProcessorNode(def.name, processor);
      byName.set(def.name, node);
      this.nodes.push(node);
      this.contexts.push(new NodeContext(this, node, def.kind === 'processor' ? def.stores : []));
      if (def.kind === 'source') this.sources.set(def.topic, { def, node, nextOffset: -1, committedOffset: -1 });
      else for (const p of def.parents) byName.get(p)?.addChild(node);
    }
  }

  /** Initializes processors (after the stores are restored). */
  init(streamTime: number): void {
    this.streamTime = streamTime;
    this.committedStreamTime = streamTime;
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i]!;
      node.processor.init?.(this.contexts[i]! as ProcessorContext<unknown>);
    }
    this.initialized = true;
  }

  get sourceTopics(): string[] {
    return [...this.sources.keys()];
  }

  /** Where a rollback leaves each source: the consumer must seek there. -1: the beginning. */
  committedPositions(): { topic: string; offset: number }[] {
    return [...this.sources].map(([topic, s]) => ({ topic, offset: s.committedOffset }));
  }

  /** Offsets to commit: next offset per source topic that has progressed. */
  committableOffsets(): { topic: string; offset: number }[] {
    const out: { topic: string; offset: number }[] = [];
    for (const [topic, s] of this.sources) if (s.nextOffset >= 0) out.push({ topic, offset: s.nextOffset });
    return out;
  }

  /** Sets where consumption starts (the committed offset), for checkpoints before the first record. */
  setStartOffset(topic: string, offset: number): void {
    const s = this.sources.get(topic);
    if (s && offset >= 0) s.nextOffset = s.committedOffset = offset;
  }

  /**
   * Processes one record. Returns a promise only when the source serde's `prepare` asks to be
   * awaited; the caller then calls `processPrepared` with the outcome.
   */
  process(raw: RawRecord): Promise<void> | undefined {
    const source = this.sources.get(raw.topic);
    if (!source) throw new TopologyError(`task ${this.id} has no source for topic ${raw.topic}`);
    this.stats.consumed++;
    const prepare = source.def.serde.prepare;
    if (prepare && raw.value) {
      let pending: Promise<void> | undefined;
      try {
        pending = prepare.call(source.def.serde, raw.value);
      } catch (err) {
        this.poison(raw, source, err, source.def.name);
        return undefined;
      }
      if (pending) return pending;
    }
    this.run(raw, source);
    return undefined;
  }

  /** Continues a record whose `prepare` promise settled (`error` when it rejected: the record is poison). */
  processPrepared(raw: RawRecord, error?: unknown): void {
    const source = this.sources.get(raw.topic);
    if (!source) throw new TopologyError(`task ${this.id} has no source for topic ${raw.topic}`);
    if (error !== undefined) this.poison(raw, source, error, source.def.name);
    else this.run(raw, source);
  }

  private run(raw: RawRecord, source: Source): void {
    this.current = raw;
    let record: StreamRecord<unknown>;
    try {
      if (raw.value === null || raw.value === undefined) throw new PoisonRecordError('record has no value', 'null-value');
      const value = source.def.serde.deserialize(raw.value);
      const key = raw.key === null || raw.key === undefined ? null : typeof raw.key === 'string' ? raw.key : raw.key.toString('utf8');
      const brokerTs = raw.timestamp ?? -1;
      const ts = source.def.timestamp ? source.def.timestamp(value, key, brokerTs) : brokerTs;
      if (!(ts >= 0) || !Number.isSafeInteger(ts)) throw new PoisonRecordError(`invalid event time ${ts}`, 'invalid-timestamp');
      record = raw.headers ? { key, value, timestamp: ts, headers: raw.headers } : { key, value, timestamp: ts };
    } catch (err) {
      this.current = undefined;
      this.poison(raw, source, err, source.def.name);
      return;
    }
    if (record.timestamp > this.streamTime) this.streamTime = record.timestamp;
    try {
      source.node.process(record);
      if ((this.stats.processed++ & (SAMPLE_EVERY - 1)) === 0) this.stats.eventTimeSamples.push(record.timestamp);
    } catch (err) {
      const failure = err instanceof NodeFailure ? err : new NodeFailure(source.def.name, err);
      // The producer refusing records is the runtime's problem (abort and retry), not the record's.
      if (failure.error instanceof RecordCollectorError) throw failure.error;
      this.deadLetter(raw, failure.error, failure.node);
    }
    this.current = undefined;
    source.nextOffset = raw.offset + 1;
    this.uncommitted++;
    if (this.streamTime >= this.streamPunctuations.next) this.punctuate(this.streamPunctuations, this.streamTime);
  }

  /** Advances stream time without a record (idle partitions in live mode), then runs due punctuations. */
  advanceStreamTime(time: number): void {
    if (!(time > this.streamTime)) return;
    this.streamTime = time;
    this.uncommitted++;
    if (this.streamTime >= this.streamPunctuations.next) this.punctuate(this.streamPunctuations, this.streamTime);
  }

  punctuateWallClock(now: number): void {
    if (now >= this.wallClockPunctuations.next) this.punctuate(this.wallClockPunctuations, now);
  }

  private punctuate(queue: PunctuationQueue, time: number): void {
    try {
      queue.run(time);
    } catch (err) {
      const e = err instanceof NodeFailure ? err.error : err;
      throw new StreamsFatalError(`punctuation in task ${this.id} failed: ${(e as Error)?.message ?? String(e)}`, e);
    }
  }

  private poison(raw: RawRecord, source: Source, err: unknown, node: string): void {
    this.deadLetter(raw, err, node);
    source.nextOffset = raw.offset + 1;
    this.uncommitted++;
  }

  /** Sends `raw` to the dead-letter topic with headers naming the error and the source. */
  deadLetter(raw: RawRecord, err: unknown, node: string): void {
    this.stats.deadLettered++;
    const e = err instanceof Error ? err : new Error(String(err));
    const reason = (e as { reason?: unknown }).reason;
    const { dlqTopic, logger } = this.io;
    logger.limited('warn', `poison:${this.id}`, 'poison record', {
      task: this.id,
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      node,
      error: e,
      deadLetterTopic: dlqTopic ?? null,
    }, 10_000);
    if (!dlqTopic) return;
    const headers: MessageHeader[] = [
      ...(raw.headers ?? []),
      { 'dlq.error.class': e.name },
      { 'dlq.error.message': e.message.slice(0, 1000) },
      { 'dlq.source.topic': raw.topic },
      { 'dlq.source.partition': String(raw.partition) },
      { 'dlq.source.offset': String(raw.offset) },
      { 'dlq.processor': node },
    ];
    if (typeof reason === 'string') headers.push({ 'dlq.error.reason': reason });
    this.io.send(dlqTopic, raw.partition, keyBuffer(raw.key), raw.value, this.io.now(), headers);
  }

  /** Counts a late record of `store` and, when `forward`, sends the source record to the late topic. */
  late(store: string, forward: boolean): void {
    this.stats.late.set(store, (this.stats.late.get(store) ?? 0) + 1);
    const raw = this.current;
    if (!forward || !raw) return;
    const headers: MessageHeader[] = [
      ...(raw.headers ?? []),
      { 'late.store': store },
      { 'late.stream.time': String(this.streamTime) },
      { 'late.source.topic': raw.topic },
      { 'late.source.partition': String(raw.partition) },
      { 'late.source.offset': String(raw.offset) },
    ];
    this.io.send(this.io.lateTopic, raw.partition, keyBuffer(raw.key), raw.value, raw.timestamp ?? this.io.now(), headers);
  }

  recordMetadata(): RecordMetadata | undefined {
    const raw = this.current;
    return raw ? { topic: raw.topic, partition: raw.partition, offset: raw.offset } : undefined;
  }

  /** Dirty entries across stores (an early commit bounds the cache). */
  dirtyCount(): number {
    let n = 0;
    for (const s of this.stores.values()) n += s.dirtyCount();
    return n;
  }

  /**
   * Commit step 1 for this task. A flush may forward throttled updates that dirty a store flushed
   * earlier, so this repeats until every store is clean.
   */
  flush(): void {
    for (let pass = 0; pass < 10; pass++) {
      let flushed = false;
      for (const s of this.stores.values()) {
        if (s.dirtyCount() === 0) continue;
        s.flush();
        flushed = true;
      }
      if (!flushed) return;
    }
    throw new StreamsFatalError(`task ${this.id}: store flushes keep dirtying each other (a cycle through cached updates?)`);
  }

  /** Commit step 5 for this task: checkpoint every store and commit its SQLite transaction. */
  commitLocal(changelogOffsets: Map<string, number>, wallClock: number): void {
    const sourceOffsets: Record<string, number> = {};
    for (const [topic, s] of this.sources) if (s.nextOffset >= 0) sourceOffsets[topic] = s.nextOffset;
    for (const [name, store] of this.stores) {
      const cp: Checkpoint = {
        changelogOffset: changelogOffsets.get(name) ?? 0,
        sourceOffsets,
        streamTime: Number.isFinite(this.streamTime) ? this.streamTime : null,
        updatedAt: wallClock,
      };
      store.commitLocal(cp);
    }
    this.committedStreamTime = this.streamTime;
    for (const s of this.sources.values()) s.committedOffset = s.nextOffset;
    this.uncommitted = 0;
  }

  /** Forgets uncommitted work (caches, open SQLite transactions, stream time). */
  rollback(): void {
    for (const s of this.stores.values()) s.rollback();
    for (const s of this.sources.values()) s.nextOffset = s.committedOffset;
    this.streamTime = this.committedStreamTime;
    this.uncommitted = 0;
  }

  close(): void {
    if (this.initialized) {
      for (const node of this.nodes) {
        try {
          node.processor.close?.();
        } catch (err) {
          this.io.logger.warn('processor close failed', { task: this.id, node: node.name, error: err });
        }
      }
    }
    for (const s of this.stores.values()) s.close();
    this.streamPunctuations.clear();
    this.wallClockPunctuations.clear();
  }

  private openStore(spec: StoreSpec, changelog: ChangelogWriter | undefined): StoreRuntime {
    const path = this.io.storePath(this.id, spec.name);
    if (spec.kind === 'key-value') return new SqliteKeyValueStore(spec, path, changelog, this.io.cacheMaxEntries);
    return new SqliteWindowStore(spec, path, changelog, this.io.cacheMaxEntries);
  }
}

export function taskId(subtopology: number, partition: number): string {
  return `${subtopology}_${partition}`;
}

function keyBuffer(key: Buffer | string | null | undefined): Buffer | null {
  if (key === null || key === undefined) return null;
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/** Sources just pass records on. */
class ForwardProcessor implements Processor<unknown, unknown> {
  private ctx!: ProcessorContext<unknown>;
  init(ctx: ProcessorContext<unknown>): void {
    this.ctx = ctx;
  }
  process(record: StreamRecord<unknown>): void {
    this.ctx.forward(record);
  }
}

/** Sinks serialize and hand the record to the task's IO (inside the open transaction). */
class SinkProcessor implements Processor<unknown, never> {
  constructor(
    private readonly topic: string,
    private readonly serde: { serialize(v: unknown): Buffer },
    private readonly io: TaskIO,
  ) {}
  process(record: StreamRecord<unknown>): void {
    const key = record.key === null ? null : Buffer.from(record.key, 'utf8');
    this.io.send(this.topic, null, key, this.serde.serialize(record.value), record.timestamp, record.headers);
  }
}

/**
 * The context of one processor instance. Besides the public ProcessorContext it offers the internal
 * hooks the DSL's processors use (stream-time deadlines, late records).
 */
export class NodeContext implements ProcessorContext<unknown> {
  readonly applicationId: string;
  readonly taskId: string;
  readonly partition: number;

  constructor(
    readonly task: StreamTask,
    private readonly node: ProcessorNode,
    private readonly storeNames: string[],
  ) {
    this.applicationId = task.io.applicationId;
    this.taskId = task.id;
    this.partition = task.partition;
  }

  get nodeName(): string {
    return this.node.name;
  }

  forward(record: StreamRecord<unknown>, childName?: string): void {
    if (childName !== undefined) {
      const child = this.node.childByName.get(childName);
      if (!child) throw new TopologyError(`${this.node.name} has no child ${childName}`);
      child.process(record);
      return;
    }
    const children = this.node.children;
    for (let i = 0; i < children.length; i++) children[i]!.process(record);
  }

  getStateStore<S extends StateStore>(name: string): S {
    if (!this.storeNames.includes(name)) {
      throw new TopologyError(`processor ${this.node.name} is not connected to store ${name} (connect it in the topology)`);
    }
    const store = this.task.stores.get(name);
    if (!store) throw new TopologyError(`unknown store ${name}`);
    return store as unknown as S;
  }

  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable {
    if (!(intervalMs >= 1)) throw new TopologyError(`punctuation interval must be >= 1 ms, got ${intervalMs}`);
    const fire = (time: number): number => {
      callback(time);
      return nextMultiple(time, intervalMs);
    };
    if (type === 'stream-time') return this.task.streamPunctuations.add(nextMultiple(this.task.streamTime, intervalMs), fire);
    return this.task.wallClockPunctuations.add(this.task.io.now() + intervalMs, (now) => {
      callback(now);
      return now + intervalMs;
    });
  }

  /** Internal: `fire(streamTime)` runs when stream time reaches `nextAt` and returns the next deadline. */
  streamTimeDeadline(nextAt: number, fire: (streamTime: number) => number): Cancellable {
    return this.task.streamPunctuations.add(nextAt, fire);
  }

  streamTime(): number {
    return this.task.streamTime;
  }

  currentWallClockTime(): number {
    return this.task.io.now();
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.task.recordMetadata();
  }
}
