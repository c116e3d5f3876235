import { counter, gauge, histogram, type createRegistry } from '@candlestream/metrics';

type Registry = ReturnType<typeof createRegistry>;

/** The compactor's series (all prefixed `candlestream_`, labelled app="compactor"). */
export function compactorMetrics(registry: Registry) {
  return {
    rowsWritten: counter(registry, 'compactor_rows_written_total', 'Candle rows written to the lake', ['topic'] as const),
    filesWritten: counter(registry, 'compactor_files_written_total', 'Parquet files written to the lake', ['kind'] as const),
    bytesWritten: counter(registry, 'compactor_bytes_written_total', 'Bytes of Parquet written to the lake', ['kind'] as const),
    batchSeconds: histogram(
      registry,
      'compactor_batch_duration_seconds',
      'Time from sealing a batch to its offsets being committed (stage, journal, rename, commit)',
    ),
    lag: gauge(
      registry,
      'compactor_consumer_lag_records',
      'Last stable offset (read_committed high watermark) minus the committed offset',
      ['topic', 'partition'] as const,
    ),
    deadLetters: counter(registry, 'compactor_dead_letter_records_total', 'Records sent to the dead-letter topic', ['topic', 'reason'] as const),
    skipped: counter(
      registry,
      'compactor_records_skipped_total',
      'Records read again after a restart that the lake already holds (not written twice)',
      ['topic'] as const,
    ),
    buffered: gauge(registry, 'compactor_buffered_rows', 'Rows read and not yet written to the lake'),
  };
}

export type CompactorMetrics = ReturnType<typeof compactorMetrics>;
