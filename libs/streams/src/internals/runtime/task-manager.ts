import type { Logger } from '@candlestream/metrics';
import type { TopicPartition, TopicPartitionOffsetAndMetadata } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import type { CommitStep, ResolvedStreamsConfig } from '../../config.js';
import { StreamsFatalError } from '../../errors.js';
import type { Subtopology, Topology } from '../../processor/topology.js';
import type { StoreSpec } from '../../state/store-builders.js';
import type { ChangelogWriter } from '../state/store-runtime.js';
import { StreamTask, taskId } from '../task/stream-task.js';
import type { TaskIO } from '../task/task-io.js';
import { internalTopicName } from '../topic-names.js';
import type { ChangelogRestorer, RestoreSummary } from './changelog-restorer.js';
import { committed, seek, txn, type Consumer, type NativeProducer } from './kafka-clients.js';
import type { StreamsMetrics } from './metrics.js';
import type { RecordCollector } from './record-collector.js';
import type { StateDirectory } from './state-dir.js';

const OFFSET_BEGINNING = -2;
const KAFKA_TIMEOUT_MS = 30_000;

/** Counters an application (or a test) can read through `KafkaStreams.stats()`. */
export interface CommitStats {
  commits: number;
  aborts: number;
  /** Changelog records written by the last (or the running) commit's flush, and the most any one commit wrote. */
  lastCommitChangelogRecords: number;
  maxCommitChangelogRecords: number;
  restores: RestoreSummary[];
}

/** What the offset commit carries besides the offset (Kafka Streams keeps partition time there too). */
interface OffsetMetadata {
  st?: number;
}

/**
 * Owns the tasks of this instance and the one commit path.
 *
 * The commit sequence (exactly-once), every commit interval or sooner when a batch was quiet:
 *   1. flush the store caches: each dirty key once to SQLite (an open SQLite transaction) and its
 *      latest value to the changelog, inside the open Kafka transaction (cached updates are
 *      forwarded downstream here too);
 *   2. produce the buffered outputs (outputs go to librdkafka as they are made; only a backlog
 *      left by a full producer queue waits for this step);
 *   3. send the consumed offsets, with the task's stream time as metadata, to the transaction
 *      with the consumer's group metadata (KIP-447 fencing);
 *   4. commit the Kafka transaction;
 *   5. write each store's checkpoint (changelog end offset from delivery reports, source offsets)
 *      in the same SQLite transaction as the state, and commit it; begin the next Kafka transaction.
 * A crash before 4 aborts both. A crash between 4 and 5 leaves SQLite one commit behind; the
 * restart replays the changelog tail past the checkpoint with read_committed.
 * At-least-once replaces 3-4 by: flush the producer, check delivery reports, commit offsets.
 */
export class TaskManager {
  /** By task id (`<sub-topology>_<partition>`). */
  readonly tasks = new Map<string, StreamTask>();
  /** Source topic -> the sub-topology reading it, and its tasks indexed by partition (the hot lookup). */
  private readonly subtopologyOf = new Map<string, Subtopology>();
  private readonly byTopic = new Map<string, (StreamTask | undefined)[]>();
  readonly stats: CommitStats = { commits: 0, aborts: 0, lastCommitChangelogRecords: 0, maxCommitChangelogRecords: 0, restores: [] };
  lastCommitAt = Date.now();
  private changelogWrites = 0;
  private readonly changelogWritesByStore = new Map<string, number>();
  readonly io: TaskIO;

  constructor(
    private readonly c: ResolvedStreamsConfig,
    private readonly topology: Topology,
    private readonly consumer: Consumer,
    private producer: NativeProducer,
    private readonly collector: RecordCollector,
    private readonly restorer: ChangelogRestorer,
    stateDir: StateDirectory,
    private readonly metrics: StreamsMetrics,
    private readonly logger: Logger,
  ) {
    const applicationId = c.applicationId;
    this.io = {
      applicationId,
      logger,
      send: (topic, partition, key, value, timestamp, headers) => collector.send(topic, partition, key, value, timestamp, headers),
      now: () => Date.now(),
      dlqTopic: c.deadLetterQueue ? internalTopicName(applicationId, { kind: 'dlq' }) : undefined,
      lateTopic: internalTopicName(applicationId, { kind: 'late' }),
      changelogTopic: (store) => internalTopicName(applicationId, { kind: 'changelog', store }),
      cacheMaxEntries: c.cacheMaxEntries,
      storePath: (taskId, store) => stateDir.storePath(taskId, store),
    };
    for (const s of topology.stores) if (s.changelog) collector.registerChangelog(this.io.changelogTopic(s.name));
    for (const sub of topology.subtopologies) {
      for (const topic of sub.sourceTopics) {
        this.subtopologyOf.set(topic, sub);
        this.byTopic.set(topic, []);
      }
    }
  }

  /** The task that processes `topic`'s `partition`, if this instance owns it. */
  taskFor(topic: string, partition: number): StreamTask | undefined {
    return this.byTopic.get(topic)?.[partition];
  }

  /** The task of `partition` that holds store `name`, if this instance owns it. */
  taskWithStore(name: string, partition: number): StreamTask | undefined {
    for (const t of this.tasks.values()) if (t.partition === partition && t.stores.has(name)) return t;
    return undefined;
  }

  setProducer(producer: NativeProducer): void {
    this.producer = producer;
  }

  /** Anything to commit: records processed, stream time moved, or records produced by punctuations. */
  hasWork(): boolean {
    if (this.collector.producedSinceCommit > 0) return true;
    for (const t of this.tasks.values()) if (t.uncommitted > 0 || t.dirtyCount() > 0) return true;
    return false;
  }

  dirtyCount(): number {
    let n = 0;
    for (const t of this.tasks.values()) n += t.dirtyCount();
    return n;
  }

  /** The commit sequence; see the class comment. Throws on any failure (the caller aborts and rewinds). */
  async commit(): Promise<void> {
    const started = performance.now();
    const n = this.stats.commits + 1;
    const hook = (step: CommitStep): void => this.c.hooks.onCommitStep?.(step, n);
    // 1. flush caches into SQLite (open transaction) and the changelog (open Kafka transaction)
    this.changelogWrites = 0;
    for (const t of this.tasks.values()) t.flush();
    this.stats.lastCommitChangelogRecords = this.changelogWrites;
    this.stats.maxCommitChangelogRecords = Math.max(this.stats.maxCommitChangelogRecords, this.changelogWrites);
    hook('flushed');
    // 2. outputs
    await this.collector.drain();
    const offsets = this.offsetsToCommit();
    if (this.c.eos) {
      // 3. offsets + group metadata into the transaction
      if (offsets.length > 0) await txn.sendOffsets(this.producer, offsets, this.consumer, KAFKA_TIMEOUT_MS);
      hook('offsets-sent');
      // 4. commit the Kafka transaction
      await txn.commit(this.producer, KAFKA_TIMEOUT_MS);
      this.metrics.transactions.inc({ result: 'commit' });
    } else {
      await txn.flush(this.producer, KAFKA_TIMEOUT_MS);
      const failed = this.collector.takeDeliveryError();
      if (failed) throw failed;
      hook('offsets-sent');
      if (offsets.length > 0) await this.commitOffsetsAtLeastOnce(offsets);
    }
    hook('kafka-committed');
    // 5. checkpoints + SQLite commit
    await this.collector.settleDeliveryReports();
    const now = Date.now();
    for (const t of this.tasks.values()) t.commitLocal(this.changelogOffsets(t), now);
    this.afterCommit(now, started);
    hook('local-committed');
    if (this.c.eos) await txn.begin(this.producer);
  }

  /**
   * After a failed commit or a broker/transaction error: abort the Kafka transaction, forget the
   * uncommitted work (SQLite rollback, caches, stream time) and rewind the consumer to the last
   * committed offsets, so processing resumes exactly from the last commit.
   */
  async abortAndRewind(): Promise<void> {
    if (this.c.eos) {
      await txn.abort(this.producer, KAFKA_TIMEOUT_MS);
      this.metrics.transactions.inc({ result: 'abort' });
    }
    this.stats.aborts++;
    this.collector.reset();
    for (const t of this.tasks.values()) t.rollback();
    for (const t of this.tasks.values()) {
      for (const { topic, offset } of t.committedPositions()) {
        await seek(this.consumer, { topic, partition: t.partition, offset: offset >= 0 ? offset : OFFSET_BEGINNING }, KAFKA_TIMEOUT_MS);
      }
    }
    if (this.c.eos) await txn.begin(this.producer);
  }

  /** Forgets uncommitted work without touching Kafka (the producer is gone or fenced). */
  rollbackAll(): void {
    this.collector.reset();
    for (const t of this.tasks.values()) t.rollback();
  }

  /**
   * New partitions: create their tasks (one per sub-topology and partition), restore their stores
   * (before any processing), initialise processors with the committed stream time, then hand the
   * partitions to the consumer at the committed offsets.
   */
  async assign(partitions: TopicPartition[]): Promise<void> {
    const started = Date.now();
    const offsets = await this.committedOffsets(partitions);
    const wanted = new Map<string, { sub: Subtopology; partition: number }>();
    for (const tp of partitions) {
      const sub = this.subtopology(tp.topic);
      wanted.set(taskId(sub.id, tp.partition), { sub, partition: tp.partition });
    }
    const created: StreamTask[] = [];
    try {
      for (const { sub, partition } of [...wanted.values()].sort((a, b) => a.sub.id - b.sub.id || a.partition - b.partition)) {
        created.push(new StreamTask(sub, partition, this.io, (spec) => this.changelogWriter(spec, partition)));
      }
      const jobs = await this.restorer.plan(
        created.flatMap((task) =>
          [...task.stores.values()].filter((s) => s.spec.changelog).map((store) => ({ task, store, topic: this.io.changelogTopic(store.name) })),
        ),
      );
      const summary = await this.restorer.restore(jobs);
      for (const s of summary.stores) {
        const task = created.find((t) => t.id === s.task);
        this.metrics.restoredRecords.inc({ store: s.store, task: s.task }, s.records);
        if (task) this.collector.setChangelogEnd(this.io.changelogTopic(s.store), task.partition, s.to);
      }
      this.stats.restores.push(summary);
      for (const task of created) {
        let st = -Infinity;
        for (const o of offsets.filter((x) => x.partition === task.partition && task.subtopology.sourceTopics.includes(x.topic))) {
          st = Math.max(st, parseMetadata(o.metadata).st ?? -Infinity);
          if (o.offset >= 0) task.setStartOffset(o.topic, o.offset);
        }
        task.init(st);
      }
    } catch (err) {
      for (const t of created) t.close();
      throw err;
    }
    for (const t of created) {
      this.tasks.set(t.id, t);
      for (const topic of t.subtopology.sourceTopics) this.byTopic.get(topic)![t.partition] = t;
    }
    this.consumer.assign(
      partitions.map((tp) => {
        const o = offsets.find((x) => x.topic === tp.topic && x.partition === tp.partition);
        return o && o.offset >= 0 ? { topic: tp.topic, partition: tp.partition, offset: o.offset } : { topic: tp.topic, partition: tp.partition };
      }),
    );
    this.metrics.tasks.set({}, this.tasks.size);
    this.metrics.rebalances.inc();
    this.lastCommitAt = Date.now();
    this.logger.info('tasks assigned', { tasks: created.map((t) => t.id), ms: Date.now() - started });
  }

  /**
   * Partitions taken away (eager protocol: all of them). Commits first so the next owner starts
   * from here; when the assignment was lost (session expired) the work is dropped instead.
   */
  async revoke(partitions: TopicPartition[], lost: boolean): Promise<void> {
    if (this.tasks.size > 0) {
      if (!lost && this.hasWork()) {
        try {
          await this.commit();
        } catch (err) {
          this.logger.warn('commit on revocation failed; dropping uncommitted work', { error: err });
          await this.abortQuietly();
        }
      } else if (lost) {
        await this.abortQuietly();
      }
    }
    const revoked = new Set(partitions.map((tp) => taskId(this.subtopology(tp.topic).id, tp.partition)));
    for (const id of revoked) {
      const t = this.tasks.get(id);
      if (!t) continue;
      t.close();
      this.tasks.delete(id);
      for (const topic of t.subtopology.sourceTopics) delete this.byTopic.get(topic)![t.partition];
    }
    this.consumer.unassign();
    this.metrics.tasks.set({}, this.tasks.size);
    this.metrics.rebalances.inc();
    this.logger.info('tasks revoked', { tasks: [...revoked], lost });
  }

  /** Aborts and rolls back, swallowing errors (the caller is giving the tasks up anyway). */
  async abortQuietly(): Promise<void> {
    try {
      if (this.c.eos) {
        await txn.abort(this.producer, KAFKA_TIMEOUT_MS);
        this.metrics.transactions.inc({ result: 'abort' });
        await txn.begin(this.producer);
      }
    } catch (err) {
      this.logger.warn('abort failed', { error: err });
    }
    this.stats.aborts++;
    this.rollbackAll();
  }

  closeAll(): void {
    for (const t of this.tasks.values()) t.close();
    this.tasks.clear();
    for (const list of this.byTopic.values()) list.length = 0;
    this.metrics.tasks.set({}, 0);
  }

  private afterCommit(now: number, started: number): void {
    this.stats.commits++;
    this.collector.producedSinceCommit = 0;
    for (const [topic, n] of this.collector.producedByTopic) this.metrics.produced.inc({ topic }, n);
    this.collector.producedByTopic.clear();
    for (const [store, n] of this.changelogWritesByStore) this.metrics.changelogRecords.inc({ store }, n);
    this.changelogWritesByStore.clear();
    for (const t of this.tasks.values()) {
      const s = t.stats;
      const task = t.id;
      if (s.consumed) this.metrics.consumed.inc({ task }, s.consumed);
      if (s.processed) this.metrics.processed.inc({ task }, s.processed);
      if (s.deadLettered) this.metrics.deadLettered.inc({ task }, s.deadLettered);
      for (const [store, n] of s.late) this.metrics.late.inc({ task, store }, n);
      for (const ts of s.eventTimeSamples) this.metrics.e2eLatency.observe(Math.max(0, now - ts) / 1000);
      s.consumed = s.processed = s.deadLettered = 0;
      s.late.clear();
      s.eventTimeSamples.length = 0;
    }
    this.metrics.commitLatency.observe((performance.now() - started) / 1000);
    this.lastCommitAt = now;
  }

  private subtopology(topic: string): Subtopology {
    const sub = this.subtopologyOf.get(topic);
    if (!sub) throw new StreamsFatalError(`assigned topic ${topic} is not a source of the topology`);
    return sub;
  }

  private offsetsToCommit(): TopicPartitionOffsetAndMetadata[] {
    const out: TopicPartitionOffsetAndMetadata[] = [];
    for (const t of this.tasks.values()) {
      if (t.uncommitted === 0) continue;
      const meta: OffsetMetadata = Number.isFinite(t.streamTime) ? { st: t.streamTime } : {};
      const metadata = JSON.stringify(meta);
      for (const o of t.committableOffsets()) out.push({ topic: o.topic, partition: t.partition, offset: o.offset, metadata });
    }
    return out;
  }

  private commitOffsetsAtLeastOnce(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    const consumer = this.consumer as unknown as { commitCb(o: TopicPartitionOffsetAndMetadata[], cb: (err: Error | null) => void): void };
    return new Promise((resolve, reject) => consumer.commitCb(offsets, (err) => (err ? reject(err) : resolve())));
  }

  private changelogOffsets(task: StreamTask): Map<string, number> {
    const out = new Map<string, number>();
    for (const store of task.stores.values()) {
      if (!store.spec.changelog) continue;
      const end = this.collector.changelogEnd(this.io.changelogTopic(store.name), task.partition);
      if (end !== undefined) out.set(store.name, end);
    }
    return out;
  }

  private changelogWriter(spec: StoreSpec, partition: number): ChangelogWriter | undefined {
    if (!spec.changelog) return undefined;
    const topic = this.io.changelogTopic(spec.name);
    const name = spec.name;
    return (key, value, timestamp) => {
      this.collector.send(topic, partition, key, value, timestamp);
      this.changelogWrites++;
      this.changelogWritesByStore.set(name, (this.changelogWritesByStore.get(name) ?? 0) + 1);
    };
  }

  /** Committed offsets with metadata; retries while a transaction of a previous owner is still open. */
  private async committedOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffsetAndMetadata[]> {
    const deadline = Date.now() + this.c.transactionTimeoutMs + 30_000;
    for (;;) {
      try {
        return await committed(this.consumer, partitions.map((p) => ({ topic: p.topic, partition: p.partition })), 10_000);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        this.logger.limited('info', 'committed-retry', 'committed offsets not available yet (pending transaction?); retrying', { error: err }, 5000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}

function parseMetadata(metadata: string | null | undefined): OffsetMetadata {
  if (!metadata) return {};
  try {
    const m = JSON.parse(metadata) as OffsetMetadata;
    return typeof m === 'object' && m !== null ? m : {};
  } catch {
    return {};
  }
}
