/**
 * The compactor's programmatic surface, for the end-to-end tests and benches. The CLI (main.ts) is
 * the way to run it; these are the pieces it is made of.
 */
export { CoverageReader, datasetRoot, scanLake, type LakeFile, type LakeSnapshot } from './parquet/catalog.js';
export { FILE_COLUMNS, VIEW_COLUMNS } from './parquet/candle-schema.js';
export { LakeStateError, MergeLockedError, RowRejectedError } from './parquet/errors.js';
export { LakeQuery } from './parquet/lake-query.js';
export { LakeWriter, type LakeWriterOptions, type PersistResult, type WrittenFile } from './parquet/lake-writer.js';
export { batchFileName, DATASET, parseLakeFileName, type OffsetRange } from './parquet/layout.js';
export { mergeLake, type MergedDir, type MergeOptions } from './parquet/merge.js';
export type { StagingBatch } from './parquet/staging-batch.js';
export { HIVE_OPTIONS } from './parquet/views.js';
export { CRASH_POINTS, type CrashPoint } from './testing/crash-points.js';
export { candleFingerprint, FINGERPRINT_SQL, SYNTHETIC_SYMBOLS, SyntheticCandles } from './testing/synthetic-candles.js';
