import { counter, gauge, getOrCreate, histogram } from '@candlestream/metrics';
import { Registry, type Counter, type Gauge, type Histogram } from 'prom-client';

type LabelValues<L extends string> = Partial<Record<L, string | number>>;
type AppLabel = 'application_id';

/**
 * Every series carries `application_id`: two applications in one process (one registry) stay
 * apart, as Kafka Streams' client-id tag keeps them. These wrappers fill the label in.
 */
class AppCounter<L extends string> {
  constructor(
    private readonly metric: Counter<L | AppLabel>,
    private readonly applicationId: string,
  ) {}
  inc(labels: LabelValues<L> = {}, value = 1): void {
    this.metric.inc({ ...labels, application_id: this.applicationId } as LabelValues<L | AppLabel>, value);
  }
}

class AppGauge<L extends string> {
  constructor(
    private readonly metric: Gauge<L | AppLabel>,
    private readonly applicationId: string,
  ) {}
  set(labels: LabelValues<L>, value: number): void {
    this.metric.set({ ...labels, application_id: this.applicationId } as LabelValues<L | AppLabel>, value);
  }
}

class AppHistogram {
  constructor(
    private readonly metric: Histogram<AppLabel>,
    private readonly applicationId: string,
  ) {}
  observe(seconds: number): void {
    this.metric.observe({ application_id: this.applicationId }, seconds);
  }
}

/** Metric names (without the `candlestream_` prefix), all in one place. */
export class StreamsMetrics {
  readonly consumed: AppCounter<'task'>;
  readonly processed: AppCounter<'task'>;
  readonly produced: AppCounter<'topic'>;
  readonly deadLettered: AppCounter<'task'>;
  readonly late: AppCounter<'task' | 'store'>;
  readonly processLatency: AppHistogram;
  readonly commitLatency: AppHistogram;
  readonly e2eLatency: AppHistogram;
  readonly transactions: AppCounter<'result'>;
  readonly restoredRecords: AppCounter<'store' | 'task'>;
  readonly restoreRemaining: AppGauge<'store' | 'task'>;
  readonly restoreSeconds: AppGauge<'store' | 'task'>;
  readonly restoreEta: AppGauge<'store' | 'task'>;
  readonly storeSize: AppGauge<'store' | 'task'>;
  readonly lag: AppGauge<'topic' | 'partition'>;
  readonly tasks: AppGauge<never>;
  readonly rebalances: AppCounter<never>;
  readonly changelogRecords: AppCounter<'store'>;

  constructor(
    applicationId: string,
    readonly registry: Registry = new Registry(),
  ) {
    const r = registry;
    const app = applicationId;
    const c = <L extends string>(name: string, help: string, labels: readonly L[] = []) =>
      new AppCounter<L>(getOrCreate(r, name, () => counter<L | AppLabel>(r, name, help, [...labels, 'application_id'])), app);
    const g = <L extends string>(name: string, help: string, labels: readonly L[] = []) =>
      new AppGauge<L>(getOrCreate(r, name, () => gauge<L | AppLabel>(r, name, help, [...labels, 'application_id'])), app);
    const h = (name: string, help: string) => new AppHistogram(getOrCreate(r, name, () => histogram<AppLabel>(r, name, help, ['application_id'])), app);
    this.consumed = c('streams_records_consumed_total', 'Records consumed from source topics', ['task']);
    this.processed = c('streams_records_processed_total', 'Records processed through the topology without error', ['task']);
    this.produced = c('streams_records_produced_total', 'Records produced (outputs, changelogs, dead letters)', ['topic']);
    this.deadLettered = c('streams_dead_letter_records_total', 'Poison records sent to the dead-letter topic', ['task']);
    this.late = c('streams_late_records_total', 'Records whose every window was closed', ['task', 'store']);
    this.processLatency = h('streams_process_batch_seconds', 'Time to process one consumed batch');
    this.commitLatency = h('streams_commit_seconds', 'Time of one commit (flush, produce, offsets, transaction, checkpoint)');
    this.e2eLatency = h('streams_record_e2e_latency_seconds', 'Event time of sampled records to the commit that made their results visible');
    this.transactions = c('streams_transactions_total', 'Kafka transactions by result', ['result']);
    this.restoredRecords = c('streams_restore_records_total', 'Changelog records replayed into stores', ['store', 'task']);
    this.restoreRemaining = g('streams_restore_remaining_records', 'Changelog records left to replay', ['store', 'task']);
    this.restoreSeconds = g('streams_restore_seconds', 'Duration of the current or last restore', ['store', 'task']);
    this.restoreEta = g('streams_restore_eta_seconds', 'Estimated time left for the current restore', ['store', 'task']);
    this.storeSize = g('streams_store_size_bytes', 'SQLite file size of a store', ['store', 'task']);
    this.lag = g('streams_consumer_lag_records', 'High watermark minus position per source partition', ['topic', 'partition']);
    this.tasks = g('streams_tasks', 'Tasks owned by this instance');
    this.rebalances = c('streams_rebalances_total', 'Partition assignments and revocations handled');
    this.changelogRecords = c('streams_changelog_records_total', 'Changelog records written at flush', ['store']);
  }
}
