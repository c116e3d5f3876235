import { SerdeError } from '@candlestream/kafka';
import type { Candle } from '@candlestream/market';
import type { Health, Logger } from '@candlestream/metrics';
import type { Message, RebalanceHandler, TopicPartition, TopicPartitionOffset } from '../kafka/candle-consumer.js';
import type { DeadLetterSink } from '../kafka/dead-letter.js';
import { scanLake } from '../parquet/catalog.js';
import { RowRejectedError } from '../parquet/errors.js';
import type { LakeWriter, PersistResult } from '../parquet/lake-writer.js';
import { tpKey } from '../parquet/layout.js';
import type { StagingBatch } from '../parquet/staging-batch.js';
import { noCrash, type CrashHook } from '../testing/crash-points.js';
import type { CompactorMetrics } from './metrics.js';

/** What the job needs from the Kafka consumer (a fake in unit tests). */
export interface RecordSource {
  poll(): Promise<Message[]>;
  commit(offsets: TopicPartitionOffset[]): void;
  committed(partitions: TopicPartition[]): Promise<Map<string, number>>;
  positions(partitions: TopicPartition[]): Map<string, number>;
  readonly assignment: readonly TopicPartition[];
}

/** Record value -> Candle: sync when the writer schema is known, async when it must be fetched first. */
export interface CandleDecoding {
  tryDecode(topic: string, value: Buffer): Candle | undefined;
  decode(topic: string, value: Buffer): Promise<Candle>;
}

/** Low watermark and last stable offset (read_committed high watermark) per partition of a topic. */
export type Watermarks = (topic: string, partitions: number[]) => Promise<Map<number, { low: number; high: number }>>;

export interface CompactionJobOptions {
  lakeDir: string;
  /** Flush when this many rows are buffered... */
  flushRows: number;
  /** ...or this many record bytes... */
  flushBytes: number;
  /** ...or the oldest buffered record is this old. */
  flushIntervalMs: number;
  /** How often consumer lag is measured (and, with untilCaughtUp, the end checked). */
  lagIntervalMs: number;
  /** Stop once every assigned partition is read up to its last stable offset and written. */
  untilCaughtUp: boolean;
}

export interface CompactionJobDeps {
  writer: LakeWriter;
  decoder: CandleDecoding;
  dlq: DeadLetterSink;
  watermarks: Watermarks;
  metrics: CompactorMetrics;
  log: Logger;
  crash?: CrashHook;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** First offset not yet in the lake when the partition was assigned: lower ones are skipped. */
  floor: number;
  /** Next offset to read (one past the last record seen); undefined before the first record. */
  position: number | undefined;
  /** Last committed offset (-1: none). */
  committed: number;
  /** Highest offset queued for commit by a flush in flight. */
  requested: number;
}

/**
 * Reads final candles, buffers them, writes them to the lake and commits, exactly once per offset.
 *
 * Commit order, per flush (see LakeWriter for steps 2-4):
 *   1. flush the dead-letter producer (records of this batch that are not candles are durable there);
 *   2-4. write the batch into the lake (stage, journal, rename);
 *   5. commit the offsets read up to the moment the batch was sealed.
 *
 * Resuming: on assignment the job first rolls forward interrupted lake writes, then starts each
 * partition at max(committed offset, 1 + highest offset in the lake), and skips any record below that
 * floor. The lake, not the committed offset, is the source of truth: a crash after the rename and
 * before the commit re-reads a batch that is already in the lake, and it is skipped, not rewritten
 * with different batch boundaries into an overlapping file. (The alternative, deduplicating by
 * (topic, partition, offset) in the query views, would make every query pay for a crash that rarely
 * happens.) The deterministic file names are the second line of defence: a batch rewritten with the
 * same boundaries replaces its own file.
 */
export class CompactionJob implements RebalanceHandler {
  private source: RecordSource | null = null;
  private readonly parts = new Map<string, PartitionState>();
  private lastPart: PartitionState | undefined;
  private batch: StagingBatch | null = null;
  private inflight: Promise<void> = Promise.resolve();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly crash: CrashHook;
  private stopping = false;
  private failure: Error | null = null;
  private lastPollAt = Date.now();
  private lastCommitAt = Date.now();
  private lastLagAt = 0;
  private lastFlush: { at: number; rows: number; seconds: number } | null = null;
  private lso = new Map<string, { low: number; high: number }>();
  /** False while a poll's messages are being handled: the consumer's position is ahead of the batch then. */
  private allHandled = true;

  constructor(
    private readonly opts: CompactionJobOptions,
    private readonly deps: CompactionJobDeps,
  ) {
    this.crash = deps.crash ?? noCrash;
  }

  attach(source: RecordSource): void {
    this.source = source;
  }

  stop(): void {
    this.stopping = true;
  }

  health(): Health {
    const ok = !this.failure && Date.now() - this.lastPollAt < 60_000;
    return {
      ok,
      detail: {
        assigned: [...this.parts.keys()],
        buffered: this.batch?.rows ?? 0,
        lastFlush: this.lastFlush,
        error: this.failure?.message,
      },
    };
  }

  async onAssign(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const source = this.requireSource();
    return this.exclusive(async () => {
      // Recovery deletes this instance's staging area: nothing of ours may be mid-write.
      await this.inflight.catch(() => undefined);
      const recovered = this.deps.writer.recover();
      const snap = await scanLake(this.opts.lakeDir, this.deps.writer.coverage);
      const inLake = snap.nextOffsets();
      const committed = await source.committed(partitions);
      const starts = new Map<string, number>();
      for (const tp of partitions) {
        const k = tpKey(tp.topic, tp.partition);
        const floor = inLake.get(k) ?? 0;
        const c = committed.get(k) ?? -1;
        const start = Math.max(floor, c);
        if (inLake.has(k) || c >= 0) starts.set(k, start);
        this.parts.set(k, { topic: tp.topic, partition: tp.partition, floor, position: undefined, committed: c, requested: c });
        if (inLake.has(k) && floor > c) {
          this.deps.log.info('resuming past the committed offset: the lake already holds the records before it', {
            partition: k,
            committed: c,
            start: floor,
          });
        }
      }
      this.lastPart = undefined;
      if (recovered.rolledForward > 0) this.deps.log.info('recovered interrupted batches', recovered);
      return starts;
    });
  }

  async onRevoke(partitions: TopicPartition[]): Promise<void> {
    await this.exclusive(async () => {
      // Write and commit what was read from them while they are still ours.
      await this.flushAll();
      for (const tp of partitions) {
        this.parts.delete(tpKey(tp.topic, tp.partition));
        this.deps.metrics.lag.remove({ topic: tp.topic, partition: String(tp.partition) });
      }
      this.lastPart = undefined;
    });
  }

  onError(err: Error): void {
    this.failure ??= err;
    this.stopping = true;
  }

  /** Runs until stop(), a failure, or (untilCaughtUp) the end of the topics. */
  async run(): Promise<void> {
    const source = this.requireSource();
    while (!this.stopping) {
      const messages = await source.poll();
      this.lastPollAt = Date.now();
      await this.exclusive(async () => {
        this.allHandled = false;
        for (const m of messages) {
          const pending = this.handle(m);
          if (pending) await pending;
          if (this.batch && this.batch.rows >= this.opts.flushRows) this.startFlush();
        }
        this.allHandled = true;
        this.maybeFlush();
      });
      this.deps.metrics.buffered.set(this.batch?.rows ?? 0);
      if (Date.now() - this.lastLagAt >= this.opts.lagIntervalMs) {
        await this.updateLag();
        if (this.opts.untilCaughtUp && (await this.caughtUp())) {
          this.deps.log.info('caught up with every assigned partition');
          break;
        }
      }
    }
    await this.exclusive(() => this.flushAll());
    await this.updateLag();
    if (this.failure) throw this.failure;
  }

  /** Sync for the common case; returns a promise only when it has to wait (new batch, schema fetch). */
  private handle(m: Message): Promise<void> | undefined {
    const st = this.partitionOf(m);
    if (!st) return undefined;
    if (st.position !== undefined && m.offset < st.position) return undefined; // delivered again: already handled
    if (m.offset < st.floor) {
      st.position = m.offset + 1;
      this.deps.metrics.skipped.inc({ topic: m.topic });
      return undefined;
    }
    if (!this.batch) {
      return this.deps.writer.newBatch().then((b) => {
        this.batch = b;
        return this.handle(m);
      });
    }
    if (m.value === null || m.value === undefined) {
      this.deadLetter(m, st, 'null-value', 'record has no value');
      return undefined;
    }
    let candle: Candle | undefined;
    try {
      candle = this.deps.decoder.tryDecode(m.topic, m.value);
    } catch (err) {
      if (!(err instanceof SerdeError)) throw err;
      this.deadLetter(m, st, err.reason, err.message);
      return undefined;
    }
    if (candle) {
      this.append(m, st, candle);
      return undefined;
    }
    return this.deps.decoder.decode(m.topic, m.value).then(
      (c) => this.append(m, st, c),
      (err: unknown) => {
        if (!(err instanceof SerdeError)) throw err;
        this.deadLetter(m, st, err.reason, err.message);
      },
    );
  }

  private append(m: Message, st: PartitionState, candle: Candle): void {
    try {
      this.batch!.add(candle, m.topic, m.partition, m.offset, m.size);
    } catch (err) {
      if (!(err instanceof RowRejectedError)) throw err;
      this.deadLetter(m, st, err.reason, err.message);
      return;
    }
    st.position = m.offset + 1;
  }

  private deadLetter(m: Message, st: PartitionState, reason: string, error: string): void {
    this.deps.dlq.send(m, reason, error);
    this.batch!.extendRange(m.topic, m.partition, m.offset, m.size);
    st.position = m.offset + 1;
    this.deps.metrics.deadLetters.inc({ topic: m.topic, reason });
    this.deps.log.limited('warn', `dlq:${reason}`, 'record sent to the dead-letter topic', {
      reason,
      error,
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
    });
  }

  private partitionOf(m: Message): PartitionState | undefined {
    const last = this.lastPart;
    if (last && last.partition === m.partition && last.topic === m.topic) return last;
    const st = this.parts.get(tpKey(m.topic, m.partition));
    this.lastPart = st;
    return st;
  }

  private maybeFlush(): void {
    const now = Date.now();
    const b = this.batch;
    if (b && (b.rows >= this.opts.flushRows || b.bytes >= this.opts.flushBytes || (!b.isEmpty && now - b.openedAt >= this.opts.flushIntervalMs))) {
      this.startFlush();
    } else if ((!b || b.isEmpty) && now - this.lastCommitAt >= this.opts.flushIntervalMs && this.pendingCommits().length > 0) {
      // Only skipped records since the last flush: nothing to write, but the group should know.
      this.startFlush();
    }
  }

  /** Seals the current batch and queues its write and commit behind the one in flight. */
  private startFlush(): void {
    const batch = this.batch;
    this.batch = null;
    const commits = this.pendingCommits();
    for (const c of commits) this.parts.get(tpKey(c.topic, c.partition))!.requested = c.offset;
    const sealedAt = performance.now();
    this.inflight = this.inflight.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await this.deps.dlq.flush();
        const result = batch ? await this.deps.writer.persist(batch) : null;
        await this.crash('before-commit');
        this.commit(commits);
        await this.crash('after-commit');
        this.lastCommitAt = Date.now();
        if (result) this.record(result, (performance.now() - sealedAt) / 1000);
      } catch (err) {
        this.onError(err as Error);
        throw err;
      }
    });
    // Failures surface through `failure`; keep the chain usable for the shutdown flush.
    this.inflight.catch(() => undefined);
  }

  private async flushAll(): Promise<void> {
    this.startFlush();
    await this.inflight.catch(() => undefined);
  }

  private pendingCommits(): TopicPartitionOffset[] {
    if (this.allHandled && this.source) {
      // The consumer's position also steps over transaction markers and aborted records, which are
      // never delivered; committing only "last record + 1" would leave a lag of 1 per partition.
      // Only valid once every polled message is in the batch.
      const positions = this.source.positions([...this.parts.values()]);
      for (const [k, st] of this.parts) {
        const p = positions.get(k);
        if (p !== undefined && p > (st.position ?? -1) && p >= st.floor) st.position = p;
      }
    }
    const out: TopicPartitionOffset[] = [];
    for (const st of this.parts.values()) {
      if (st.position !== undefined && st.position > Math.max(st.committed, st.requested)) {
        out.push({ topic: st.topic, partition: st.partition, offset: st.position });
      }
    }
    return out;
  }

  private commit(offsets: TopicPartitionOffset[]): void {
    if (offsets.length === 0) return;
    try {
      this.requireSource().commit(offsets);
    } catch (err) {
      // The lake already holds the batch; a lost commit only means re-reading (and skipping) it.
      this.deps.log.limited('warn', 'commit-failed', 'offset commit failed', { error: (err as Error).message });
      for (const o of offsets) {
        const st = this.parts.get(tpKey(o.topic, o.partition));
        if (st) st.requested = st.committed;
      }
      return;
    }
    for (const o of offsets) {
      const st = this.parts.get(tpKey(o.topic, o.partition));
      if (st) st.committed = Math.max(st.committed, o.offset);
    }
  }

  private record(r: PersistResult, seconds: number): void {
    const m = this.deps.metrics;
    m.batchSeconds.observe(seconds);
    if (r.rows === 0) return;
    for (const range of r.ranges) {
      // Per-topic row counts: ranges tell which topics were in the batch; rows are per partition.
      m.rowsWritten.inc({ topic: range.topic }, r.rowsByPartition.get(tpKey(range.topic, range.partition)) ?? 0);
    }
    m.filesWritten.inc({ kind: 'batch' }, r.files.length);
    m.bytesWritten.inc({ kind: 'batch' }, r.bytes);
    this.lastFlush = { at: Date.now(), rows: r.rows, seconds };
    this.deps.log.debug('batch written', { rows: r.rows, files: r.files.length, bytes: r.bytes, seconds });
  }

  private async updateLag(): Promise<void> {
    this.lastLagAt = Date.now();
    const byTopic = new Map<string, number[]>();
    for (const st of this.parts.values()) byTopic.set(st.topic, [...(byTopic.get(st.topic) ?? []), st.partition]);
    try {
      for (const [topic, partitions] of byTopic) {
        const marks = await this.deps.watermarks(topic, partitions);
        for (const [p, w] of marks) {
          this.lso.set(tpKey(topic, p), w);
          const st = this.parts.get(tpKey(topic, p));
          if (!st) continue;
          this.deps.metrics.lag.set({ topic, partition: String(p) }, Math.max(0, w.high - Math.max(st.committed, w.low)));
        }
      }
    } catch (err) {
      this.deps.log.limited('warn', 'lag', 'cannot measure consumer lag', { error: (err as Error).message });
    }
  }

  private async caughtUp(): Promise<boolean> {
    const source = this.requireSource();
    if (source.assignment.length === 0 || this.parts.size === 0) return false;
    const positions = source.positions([...this.parts.values()]);
    for (const [k, st] of this.parts) {
      const w = this.lso.get(k);
      if (!w) return false;
      const at = Math.max(positions.get(k) ?? -1, st.position ?? -1, st.committed, w.low);
      if (at < w.high) return false;
    }
    return true;
  }

  private requireSource(): RecordSource {
    if (!this.source) throw new Error('CompactionJob.attach(source) was not called');
    return this.source;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
