import type { KafkaAdmin } from '@candlestream/kafka';
import type { Logger } from '@candlestream/metrics';
import type { ResolvedStreamsConfig } from '../../config.js';
import type { StoreRuntime } from '../state/store-runtime.js';
import type { StreamTask } from '../task/stream-task.js';
import { connectClient, consume, createRestoreConsumer, disconnectClient, type Consumer } from './kafka-clients.js';
import type { StreamsMetrics } from './metrics.js';

/** One store of one task to bring up to its changelog's end. */
export interface RestoreJob {
  task: StreamTask;
  store: StoreRuntime;
  topic: string;
  partition: number;
  /** First offset to replay. */
  from: number;
  /** Changelog end (last stable offset) when the restore started. */
  to: number;
  full: boolean;
  reason: string;
}

export interface RestoreSummary {
  stores: { task: string; store: string; from: number; to: number; full: boolean; reason: string; records: number }[];
  records: number;
  seconds: number;
}

const PROGRESS_EVERY_MS = 1000;

/**
 * Replays changelogs into stores before their tasks process anything. Where to start is decided
 * per store: the whole changelog when the file is new, has no checkpoint, or its checkpoint is
 * older than the log start (or than the tombstone retention); otherwise only the tail past the
 * checkpoint. Reads with read_committed, applies each batch in one SQLite transaction together with
 * the advanced checkpoint, so a crash during a restore resumes where it stopped.
 */
export class ChangelogRestorer {
  private consumer: Consumer | undefined;

  constructor(
    private readonly c: ResolvedStreamsConfig,
    private readonly admin: KafkaAdmin,
    private readonly metrics: StreamsMetrics,
    private readonly logger: Logger,
  ) {}

  /** Decides where each store restores from; waits out a foreign open transaction on the changelog. */
  async plan(stores: { task: StreamTask; store: StoreRuntime; topic: string }[]): Promise<RestoreJob[]> {
    const jobs: RestoreJob[] = [];
    const byTopic = new Map<string, typeof stores>();
    for (const s of stores) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
    for (const [topic, list] of byTopic) {
      const partitions = list.map((s) => s.task.partition);
      const marks = await this.stableWatermarks(topic, partitions);
      for (const s of list) {
        const wm = marks.get(s.task.partition) ?? { low: 0, high: 0 };
        const cp = s.store.file.readCheckpoint();
        let full = true;
        let reason: string;
        if (!s.store.file.existed) reason = 'no local state file';
        else if (!cp) reason = 'no checkpoint';
        else if (cp.changelogOffset < wm.low) reason = `checkpoint ${cp.changelogOffset} is older than the changelog start ${wm.low}`;
        else if (cp.changelogOffset > wm.high) reason = `checkpoint ${cp.changelogOffset} is past the changelog end ${wm.high} (changelog recreated?)`;
        else if (Date.now() - cp.updatedAt > this.c.checkpointMaxAgeMs) reason = `checkpoint is older than ${this.c.checkpointMaxAgeMs} ms`;
        else {
          full = false;
          reason = 'tail past the checkpoint';
        }
        const from = full ? wm.low : cp!.changelogOffset;
        jobs.push({ task: s.task, store: s.store, topic, partition: s.task.partition, from, to: wm.high, full, reason });
      }
    }
    return jobs;
  }

  async restore(jobs: RestoreJob[]): Promise<RestoreSummary> {
    const started = Date.now();
    const counts = new Map<RestoreJob, number>();
    for (const j of jobs) {
      counts.set(j, 0);
      // A full restore starts from an empty table, even when the file had (stale) rows.
      if (j.full && j.store.file.existed) j.store.wipe();
    }
    const active = jobs.filter((j) => j.from < j.to);
    for (const j of jobs) if (!active.includes(j)) this.finish(j, j.to);
    if (active.length > 0) await this.replay(active, counts, started);
    const summary: RestoreSummary = {
      stores: jobs.map((j) => ({
        task: j.task.id,
        store: j.store.name,
        from: j.from,
        to: j.to,
        full: j.full,
        reason: j.reason,
        records: counts.get(j) ?? 0,
      })),
      records: [...counts.values()].reduce((a, b) => a + b, 0),
      seconds: (Date.now() - started) / 1000,
    };
    if (jobs.length > 0) {
      this.logger.info('restore finished', {
        records: summary.records,
        seconds: summary.seconds,
        stores: summary.stores.map((s) => `${s.task}/${s.store}: ${s.records} records from ${s.from} to ${s.to}${s.full ? ' (full: ' + s.reason + ')' : ''}`),
      });
    }
    return summary;
  }

  async close(): Promise<void> {
    if (this.consumer) await disconnectClient(this.consumer);
    this.consumer = undefined;
  }

  private async replay(active: RestoreJob[], counts: Map<RestoreJob, number>, started: number): Promise<void> {
    const consumer = await this.restoreConsumer();
    const byId = new Map(active.map((j) => [`${j.topic}/${j.partition}`, j]));
    const position = new Map(active.map((j) => [j, j.from]));
    const total = active.reduce((n, j) => n + (j.to - j.from), 0);
    this.logger.info('restore started', {
      stores: active.map((j) => `${j.task.id}/${j.store.name} ${j.full ? 'full' : 'tail'} ${j.from}..${j.to} (${j.reason})`),
      records: total,
    });
    consumer.assign(active.map((j) => ({ topic: j.topic, partition: j.partition, offset: j.from })));
    let remaining = new Set(active);
    let lastProgress = Date.now();
    try {
      while (remaining.size > 0) {
        const messages = await consume(consumer, 10_000);
        const touched = new Set<RestoreJob>();
        for (const m of messages) {
          const job = byId.get(`${m.topic}/${m.partition}`);
          if (!job || m.offset >= job.to) continue;
          if (!touched.has(job)) {
            touched.add(job);
            job.store.file.begin();
          }
          const key = typeof m.key === 'string' ? Buffer.from(m.key) : m.key;
          if (key) job.store.applyChangelog(key, m.value);
          position.set(job, m.offset + 1);
          counts.set(job, (counts.get(job) ?? 0) + 1);
        }
        // Control records (commit markers) and aborted records are never delivered: ask the consumer where it is.
        const positions = consumer.position(active.map((j) => ({ topic: j.topic, partition: j.partition })));
        for (const p of positions) {
          const job = byId.get(`${p.topic}/${p.partition}`);
          if (job && p.offset >= 0 && p.offset > (position.get(job) ?? 0)) position.set(job, Math.min(p.offset, job.to));
        }
        for (const job of touched) this.checkpoint(job, position.get(job)!);
        const next = new Set<RestoreJob>();
        for (const job of remaining) {
          if ((position.get(job) ?? 0) >= job.to) this.finish(job, job.to);
          else next.add(job);
        }
        remaining = next;
        const now = Date.now();
        if (now - lastProgress >= PROGRESS_EVERY_MS || remaining.size === 0) {
          lastProgress = now;
          this.progress(active, position, counts, started);
        }
      }
    } finally {
      consumer.unassign();
    }
  }

  private progress(jobs: RestoreJob[], position: Map<RestoreJob, number>, counts: Map<RestoreJob, number>, started: number): void {
    const seconds = (Date.now() - started) / 1000;
    let done = 0;
    let left = 0;
    for (const j of jobs) {
      const labels = { store: j.store.name, task: j.task.id };
      const pos = position.get(j) ?? j.from;
      const restored = counts.get(j) ?? 0;
      const remaining = Math.max(0, j.to - pos);
      const rate = restored / Math.max(seconds, 1e-3);
      this.metrics.restoreRemaining.set(labels, remaining);
      this.metrics.restoreSeconds.set(labels, seconds);
      this.metrics.restoreEta.set(labels, remaining === 0 ? 0 : remaining / Math.max(rate, 1));
      done += restored;
      left += remaining;
    }
    const rate = done / Math.max(seconds, 1e-3);
    this.logger.info('restore progress', {
      restored: done,
      remaining: left,
      seconds: Math.round(seconds * 10) / 10,
      recordsPerSecond: Math.round(rate),
      etaSeconds: left === 0 ? 0 : Math.round((left / Math.max(rate, 1)) * 10) / 10,
    });
  }

  private checkpoint(job: RestoreJob, offset: number): void {
    const prev = job.store.file.readCheckpoint();
    job.store.commitLocal({
      changelogOffset: offset,
      sourceOffsets: prev?.sourceOffsets ?? {},
      streamTime: prev?.streamTime ?? null,
      updatedAt: Date.now(),
    });
  }

  private finish(job: RestoreJob, offset: number): void {
    const cp = job.store.file.readCheckpoint();
    if (!cp || cp.changelogOffset !== offset || job.store.file.dirty) this.checkpoint(job, offset);
    this.metrics.restoreRemaining.set({ store: job.store.name, task: job.task.id }, 0);
    this.metrics.restoreEta.set({ store: job.store.name, task: job.task.id }, 0);
  }

  /**
   * Watermarks where the last stable offset has caught up with the high watermark. At restore time
   * nothing of ours is in flight, so an open transaction belongs to a crashed previous owner: it is
   * aborted by the coordinator within the transaction timeout, and records committed after it would
   * be invisible until then. Waiting for it keeps a restore from stopping short of them.
   */
  private async stableWatermarks(topic: string, partitions: number[]): Promise<Map<number, { low: number; high: number }>> {
    const deadline = Date.now() + this.c.transactionTimeoutMs + 30_000;
    for (let attempt = 0; ; attempt++) {
      const [stable, all] = await Promise.all([this.admin.watermarks(topic, partitions, true), this.admin.watermarks(topic, partitions, false)]);
      const pending = partitions.filter((p) => (stable.get(p)?.high ?? 0) < (all.get(p)?.high ?? 0));
      if (pending.length === 0 || Date.now() > deadline) {
        if (pending.length > 0) this.logger.warn('changelog still has an open transaction; restoring up to its last stable offset', { topic, partitions: pending });
        return stable;
      }
      if (attempt === 0) this.logger.info('waiting for an open transaction on the changelog to finish before restoring', { topic, partitions: pending });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async restoreConsumer(): Promise<Consumer> {
    if (!this.consumer) {
      const consumer = createRestoreConsumer(this.c);
      consumer.on('event.error', (err) => this.logger.limited('warn', 'restore-consumer-error', 'restore consumer error', { error: err }));
      await connectClient(consumer);
      this.consumer = consumer;
    }
    return this.consumer;
  }
}
