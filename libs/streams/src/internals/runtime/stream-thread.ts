import { KafkaAdmin } from '@candlestream/kafka';
import type { Logger } from '@candlestream/metrics';
import type { LibrdKafkaError, Message, TopicPartition } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { describeConfig, type ResolvedStreamsConfig } from '../../config.js';
import { FencedError, PreflightError, StateDirLockedError, StreamsFatalError, TopologyError } from '../../errors.js';
import type { Topology } from '../../processor/topology.js';
import { ChangelogRestorer } from './changelog-restorer.js';
import {
  connectClient,
  consume,
  createConsumer,
  createProducer,
  disconnectClient,
  ErrorCode,
  isFatal,
  isFenced,
  txn,
  type Consumer,
  type NativeProducer,
} from './kafka-clients.js';
import type { StreamsMetrics } from './metrics.js';
import { preflight } from './preflight.js';
import { RecordCollector } from './record-collector.js';
import { StateDirectory } from './state-dir.js';
import { TaskManager } from './task-manager.js';

export type StreamsState = 'created' | 'starting' | 'rebalancing' | 'running' | 'stopping' | 'stopped' | 'failed';

interface RebalanceEvent {
  assign: boolean;
  partitions: TopicPartition[];
}

const METRICS_EVERY_MS = 1000;
const MAX_BACKOFF_MS = 10_000;

/**
 * The processing loop of one instance (Node runs one thread; all tasks share it):
 * handle rebalances -> consume a batch -> process it synchronously -> punctuate -> commit when due.
 * Broker and transaction errors abort, rewind to the last commit and retry with backoff; fencing
 * and fatal errors stop the instance.
 */
export class StreamThread {
  state: StreamsState = 'created';
  private admin!: KafkaAdmin;
  private consumer!: Consumer;
  private producer!: NativeProducer;
  private collector!: RecordCollector;
  private restorer!: ChangelogRestorer;
  private tm!: TaskManager;
  private readonly stateDir: StateDirectory;
  private readonly rebalances: RebalanceEvent[] = [];
  private stopRequested = false;
  private leaveGroup = false;
  private closingClients = false;
  private fatal: Error | undefined;
  private loopDone: Promise<void> | undefined;
  private lastMetricsAt = 0;
  private readonly listeners: ((s: StreamsState) => void)[] = [];

  constructor(
    private readonly c: ResolvedStreamsConfig,
    private readonly topology: Topology,
    private readonly metrics: StreamsMetrics,
    private readonly logger: Logger,
  ) {
    this.stateDir = new StateDirectory(c.stateDir, c.applicationId);
  }

  get taskManager(): TaskManager | undefined {
    return this.tm;
  }

  onStateChange(listener: (s: StreamsState) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    this.setState('starting');
    this.logger.info('starting', describeConfig(this.c));
    try {
      this.stateDir.lock();
      this.admin = await KafkaAdmin.connect(this.c.connection, { clientId: `${this.c.applicationId}-admin` });
      // Preflight and initTransactions (which fences a previous incarnation) run side by side: both
      // are round trips on the restart path.
      const [checked, producer] = await Promise.allSettled([preflight(this.admin, this.topology, this.c), this.startProducer()]);
      if (producer.status === 'fulfilled') this.producer = producer.value;
      if (checked.status === 'rejected') throw checked.reason;
      if (producer.status === 'rejected') throw producer.reason;
      const pf = checked.value;
      if (pf.created.length > 0) this.logger.info('created internal topics', { topics: pf.created, partitions: pf.partitions });
      this.collector = new RecordCollector(this.producer);
      this.restorer = new ChangelogRestorer(this.c, this.admin, this.metrics, this.logger);
      this.consumer = createConsumer(this.c, (err, assignment) => this.onRebalance(err, assignment));
      this.consumer.on('event.error', (err) => this.onClientError('consumer', err));
      await connectClient(this.consumer);
      this.tm = new TaskManager(this.c, this.topology, this.consumer, this.producer, this.collector, this.restorer, this.stateDir, this.metrics, this.logger);
      this.consumer.subscribe(this.topology.sourceTopics);
    } catch (err) {
      await this.releaseAfterFailedStart();
      this.setState('failed');
      throw err;
    }
    this.setState('rebalancing');
    this.loopDone = this.loop();
  }

  /** Stops the loop, commits, closes tasks and clients; with `leaveGroup` removes the static member. */
  async close(opts: { leaveGroup?: boolean } = {}): Promise<void> {
    this.leaveGroup ||= opts.leaveGroup ?? false;
    this.stopRequested = true;
    await this.loopDone;
  }

  /** Resolves when the loop ended by `close`; rejects with the error that stopped it otherwise. */
  async done(): Promise<void> {
    await this.loopDone;
    if (this.fatal) throw this.fatal;
  }

  private async startProducer(): Promise<NativeProducer> {
    const producer = createProducer(this.c);
    producer.on('event.error', (err) => this.onClientError('producer', err));
    await connectClient(producer);
    producer.setPollInterval(100);
    if (this.c.eos) {
      try {
        // Fences (and aborts the open transaction of) a previous incarnation with the same transactional id.
        await txn.init(producer, 30_000);
      } catch (err) {
        await disconnectClient(producer);
        throw new PreflightError(this.c.applicationId, [
          `initTransactions failed: the broker must support transactions (Kafka >= 2.5 with a transaction state log, or Redpanda with transactions on): ${(err as Error).message}`,
        ], err);
      }
      await txn.begin(producer);
    }
    return producer;
  }

  private async loop(): Promise<void> {
    let backoff = 100;
    let needsRecovery = false;
    while (!this.stopRequested && !this.fatal) {
      try {
        if (needsRecovery) {
          await this.recover();
          needsRecovery = false;
        }
        if (this.rebalances.length > 0) {
          await this.handleRebalances();
          continue;
        }
        const batch = await consume(this.consumer, this.c.maxBatchRecords);
        if (this.fatal) break;
        const now = Date.now();
        if (batch.length > 0) await this.processBatch(batch, now);
        this.punctuate(now);
        if (this.shouldCommit(batch.length, now)) await this.tm.commit();
        if (now - this.lastMetricsAt >= METRICS_EVERY_MS) this.updateMetrics(now);
        backoff = 100;
      } catch (err) {
        if (this.isFatalError(err)) {
          this.fail(err);
          break;
        }
        this.logger.limited('error', 'loop-error', 'processing failed; aborting and resuming from the last commit', { error: err, backoffMs: backoff }, 5000);
        needsRecovery = true;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    await this.shutdown();
  }

  private async processBatch(batch: Message[], now: number): Promise<void> {
    const started = performance.now();
    const tm = this.tm;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      const task = tm.taskFor(m.topic, m.partition);
      if (!task) continue;
      task.lastRecordWallClock = now;
      const pending = task.process(m);
      if (pending) task.processPrepared(m, await pending.then(() => undefined, (err: unknown) => err ?? new Error('prepare failed')));
    }
    this.metrics.processLatency.observe((performance.now() - started) / 1000);
  }

  private punctuate(now: number): void {
    const idle = this.c.idleAdvance;
    for (const task of this.tm.tasks.values()) {
      task.punctuateWallClock(now);
      if (idle && now - task.lastRecordWallClock >= idle.idleMs) task.advanceStreamTime(now - idle.maxOutOfOrdernessMs);
    }
  }

  /**
   * Commit when the interval is up, or at once after a batch that was not full (the consumer had
   * nothing more buffered: committing now, not at the end of the interval, is what keeps end-to-end
   * latency near the transaction round trip), or when the caches hold too many dirty entries.
   */
  private shouldCommit(batchSize: number, now: number): boolean {
    if (!this.tm.hasWork()) return false;
    if (now - this.tm.lastCommitAt >= this.c.commitIntervalMs) return true;
    if (batchSize < this.c.maxBatchRecords) return true;
    return this.tm.dirtyCount() > this.c.maxDirtyEntries;
  }

  private async handleRebalances(): Promise<void> {
    while (this.rebalances.length > 0) {
      const ev = this.rebalances.shift()!;
      if (ev.assign) {
        this.setState('rebalancing');
        await this.assignWithRetry(ev.partitions);
        this.setState('running');
      } else {
        let lost = false;
        try {
          lost = (this.consumer as unknown as { assignmentLost(): boolean }).assignmentLost();
        } catch {
          // not connected: treat as a normal revocation
        }
        this.setState('rebalancing');
        await this.tm.revoke(ev.partitions, lost);
      }
    }
  }

  private async assignWithRetry(partitions: TopicPartition[]): Promise<void> {
    let backoff = 200;
    for (;;) {
      try {
        await this.tm.assign(partitions);
        return;
      } catch (err) {
        if (this.isFatalError(err) || this.stopRequested) throw err;
        this.logger.warn('assignment failed; retrying', { error: err, backoffMs: backoff });
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Abort + rewind; a producer in a fatal state is replaced (re-initialised) first. */
  private async recover(): Promise<void> {
    try {
      await this.tm.abortAndRewind();
      return;
    } catch (err) {
      if (isFenced(err)) throw new FencedError(this.c.applicationId, this.c.groupInstanceId, err);
      if (!isFatal(err) && !this.producerIsBroken(err)) throw err;
      this.logger.warn('producer in a fatal state; re-initialising it', { error: err });
    }
    this.tm.rollbackAll();
    await disconnectClient(this.producer);
    this.producer = await this.startProducer();
    this.collector.replaceProducer(this.producer);
    this.tm.setProducer(this.producer);
    await this.tm.abortAndRewind().catch(() => undefined);
  }

  private producerIsBroken(err: unknown): boolean {
    const code = (err as { code?: number }).code;
    return code === ErrorCode.FATAL || code === -172 /* ERR__STATE */;
  }

  private isFatalError(err: unknown): boolean {
    if (err instanceof FencedError || err instanceof StreamsFatalError || err instanceof TopologyError || err instanceof StateDirLockedError) return true;
    if (isFenced(err)) return true;
    return false;
  }

  private fail(err: unknown): void {
    if (this.fatal) return;
    this.fatal = isFenced(err) && !(err instanceof FencedError) ? new FencedError(this.c.applicationId, this.c.groupInstanceId, err) : (err as Error);
    this.logger.error('stopping: fatal error', { error: this.fatal });
  }

  private onRebalance(err: LibrdKafkaError, assignment: TopicPartition[]): void {
    if (this.closingClients) {
      try {
        this.consumer.unassign();
      } catch {
        // closing anyway
      }
      return;
    }
    if (err.code !== ErrorCode.ASSIGN_PARTITIONS && err.code !== ErrorCode.REVOKE_PARTITIONS) {
      this.logger.warn('rebalance error', { error: err });
      return;
    }
    this.rebalances.push({ assign: err.code === ErrorCode.ASSIGN_PARTITIONS, partitions: assignment });
  }

  private onClientError(client: string, err: LibrdKafkaError): void {
    if (isFenced(err)) {
      this.fail(new FencedError(this.c.applicationId, this.c.groupInstanceId, err));
      return;
    }
    if (isFatal(err) && client === 'consumer') {
      this.fail(new StreamsFatalError(`consumer fatal error: ${err.message}`, err));
      return;
    }
    this.logger.limited('warn', `${client}-error-${err.code}`, `${client} error`, { error: err, code: err.code }, 30_000);
  }

  private async shutdown(): Promise<void> {
    this.setState('stopping');
    const fenced = this.fatal instanceof FencedError;
    if (!this.fatal && this.tm.hasWork()) {
      try {
        await this.tm.commit();
      } catch (err) {
        this.logger.warn('final commit failed; dropping uncommitted work', { error: err });
        await this.tm.abortQuietly();
      }
    } else if (this.fatal) {
      // Nothing uncommitted may reach SQLite: the next owner restores from the changelog.
      this.tm.rollbackAll();
    }
    this.tm.closeAll();
    this.closingClients = true;
    try {
      this.consumer.unassign();
    } catch {
      // not assigned or not connected
    }
    await disconnectClient(this.consumer);
    await disconnectClient(this.producer);
    await this.restorer.close();
    if (this.leaveGroup && !fenced) {
      try {
        await this.admin.removeStaticMembers(this.c.applicationId, [this.c.groupInstanceId]);
        this.logger.info('left the consumer group', { groupInstanceId: this.c.groupInstanceId });
      } catch (err) {
        this.logger.warn('could not leave the consumer group; its partitions move after the session timeout', { error: err });
      }
    }
    this.admin.close();
    this.stateDir.unlock();
    this.setState(this.fatal ? 'failed' : 'stopped');
    this.logger.info(this.fatal ? 'stopped after a fatal error' : 'stopped', { commits: this.tm.stats.commits });
  }

  private async releaseAfterFailedStart(): Promise<void> {
    if (this.consumer) await disconnectClient(this.consumer);
    if (this.producer) await disconnectClient(this.producer);
    if (this.restorer) await this.restorer.close();
    this.admin?.close();
    this.stateDir.unlock();
  }

  private updateMetrics(now: number): void {
    this.lastMetricsAt = now;
    try {
      for (const task of this.tm.tasks.values()) {
        for (const store of task.stores.values()) this.metrics.storeSize.set({ store: store.name, task: task.id }, store.file.sizeBytes());
        const parts = task.sourceTopics.map((topic) => ({ topic, partition: task.partition }));
        for (const p of this.consumer.position(parts)) {
          if (p.offset < 0) continue;
          const wm = this.consumer.getWatermarkOffsets(p.topic, p.partition);
          if (wm.highOffset >= 0) this.metrics.lag.set({ topic: p.topic, partition: String(p.partition) }, Math.max(0, wm.highOffset - p.offset));
        }
      }
    } catch (err) {
      this.logger.limited('debug', 'metrics', 'metrics update failed', { error: err });
    }
  }

  private setState(s: StreamsState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.listeners) l(s);
  }
}
