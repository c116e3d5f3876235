import { resolveStreamsConfig, type ResolvedStreamsConfig, type StreamsConfig } from './config.js';
import { StreamsMetrics } from './internals/runtime/metrics.js';
import { StreamThread, type StreamsState } from './internals/runtime/stream-thread.js';
import type { CommitStats } from './internals/runtime/task-manager.js';
import type { Topology } from './processor/topology.js';
import type { StateStore } from './state/stores.js';

export type { StreamsState };
/** `tasks`: ids of the tasks this instance owns, `<sub-topology>_<partition>` as in Kafka Streams. */
export type StreamsStats = CommitStats & { tasks: string[]; state: StreamsState };

/**
 * Runs a topology against Kafka: one consumer-group member (static membership), one transactional
 * producer, one task per sub-topology and assigned input partition. See README for the commit sequence.
 *
 *   const streams = new KafkaStreams(builder.build(), { applicationId, connection, stateDir });
 *   await streams.start();          // preflight, init transactions, subscribe
 *   ...
 *   await streams.close();          // commit and stop; { leaveGroup: true } when scaling in for good
 */
export class KafkaStreams {
  readonly config: ResolvedStreamsConfig;
  readonly metrics: StreamsMetrics;
  private readonly thread: StreamThread;
  private started = false;

  constructor(
    private readonly topology: Topology,
    config: StreamsConfig,
  ) {
    topology.validate();
    this.config = resolveStreamsConfig(config);
    this.metrics = new StreamsMetrics(this.config.applicationId, this.config.registry);
    this.thread = new StreamThread(this.config, topology, this.metrics, this.config.logger.child({ applicationId: this.config.applicationId }));
  }

  get state(): StreamsState {
    return this.thread.state;
  }

  /** Preflight (topics, transactions), then joins the group; processing continues in the background. */
  async start(): Promise<void> {
    if (this.started) throw new Error('KafkaStreams.start() was already called');
    this.started = true;
    await this.thread.start();
  }

  /** Commits, closes tasks and clients. `leaveGroup`: also remove this static member (scale-in for good). */
  async close(opts: { leaveGroup?: boolean } = {}): Promise<void> {
    if (!this.started) return;
    await this.thread.close(opts);
  }

  /** Resolves when the instance stopped through `close`; rejects with the error that stopped it (e.g. FencedError). */
  done(): Promise<void> {
    return this.thread.done();
  }

  onStateChange(listener: (state: StreamsState) => void): void {
    this.thread.onStateChange(listener);
  }

  /** Resolves once the instance owns tasks and processes (after restore), or rejects after `timeoutMs`. */
  waitUntilRunning(timeoutMs = 60_000): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not running after ${timeoutMs} ms (state ${this.state})`)), timeoutMs);
      this.onStateChange((s) => {
        if (s === 'running') {
          clearTimeout(timer);
          resolve();
        } else if (s === 'failed' || s === 'stopped') {
          clearTimeout(timer);
          reject(new Error(`stopped before running (state ${s})`));
        }
      });
    });
  }

  stats(): StreamsStats {
    const tm = this.thread.taskManager;
    const base: CommitStats = tm?.stats ?? { commits: 0, aborts: 0, lastCommitChangelogRecords: 0, maxCommitChangelogRecords: 0, restores: [] };
    return { ...base, tasks: tm ? [...tm.tasks.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) : [], state: this.state };
  }

  /**
   * A store of a task this instance owns (for interactive queries from the same process). Reads see
   * uncommitted writes; do not write through it.
   */
  store<S extends StateStore>(name: string, partition: number): S | undefined {
    return this.thread.taskManager?.taskWithStore(name, partition)?.stores.get(name) as S | undefined;
  }

  /** Partitions for which this instance holds store `name` (the tasks of its sub-topology it owns). */
  storePartitions(name: string): number[] {
    const tasks = [...(this.thread.taskManager?.tasks.values() ?? [])];
    return tasks.filter((t) => t.stores.has(name)).map((t) => t.partition).sort((a, b) => a - b);
  }

  describe(): string {
    return this.topology.describe().toString();
  }
}
