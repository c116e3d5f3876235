import { counter, gauge, getOrCreate, histogram } from '@candlestream/metrics';
import { Registry, type Counter, type Gauge, type Histogram } from 'prom-client';

/** Metric names (without the `candlestream_` prefix), all in one place. */
export class StreamsMetrics {
  readonly consumed: Counter<'task'>;
  readonly processed: Counter<'task'>;
  readonly produced: Counter<'topic'>;
  readonly deadLettered: Counter<'task'>;
  readonly late: Counter<'task' | 'store'>;
  readonly processLatency: Histogram;
  readonly commitLatency: Histogram;
  readonly e2eLatency: Histogram;
  readonly transactions: Counter<'result'>;
  readonly restoredRecords: Counter<'store' | 'task'>;
  readonly restoreRemaining: Gauge<'store' | 'task'>;
  readonly restoreSeconds: Gauge<'store' | 'task'>;
  readonly restoreEta: Gauge<'store' | 'task'>;
  readonly storeSize: Gauge<'store' | 'task'>;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly tasks: Gauge;
  readonly rebalances: Counter;
  readonly changelogRecords: Counter<'store'>;

  constructor(readonly registry: Registry = new Registry()) {
    const r = registry;
    const c = <L extends string>(name: string, help: string, labels: readonly L[] = []) =>
      getOrCreate(r, name, () => counter(r, name, help, labels));
    const g = <L extends string>(name: string, help: string, labels: readonly L[] = []) =>
      getOrCreate(r, name, () => gauge(r, name, help, labels));
    const h = (name: string, help: string) => getOrCreate(r, name, () => histogram(r, name, help));
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
