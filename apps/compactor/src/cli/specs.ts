import { hostname } from 'node:os';
import { DEFAULT_BROKERS, DEFAULT_REGISTRY_URL } from '@candlestream/kafka';
import { candleTopic, CANDLE_INTERVALS } from '@candlestream/pipeline';
import { OUTPUT_FORMATS } from '../output/format.js';
import type { OptionSpec } from './options.js';

/** Every option of every command, in one place. */
const lake: OptionSpec = { flag: 'lake', env: 'LAKE_DIR', kind: 'string', default: './lake', help: 'Lake directory (the dataset lives in <lake>/candles)' };
const brokers: OptionSpec = { flag: 'brokers', env: 'KAFKA_BROKERS', kind: 'string', default: DEFAULT_BROKERS, help: 'Kafka bootstrap servers' };
const registry: OptionSpec = {
  flag: 'registry',
  env: 'SCHEMA_REGISTRY_URL',
  kind: 'string',
  default: DEFAULT_REGISTRY_URL,
  help: 'Schema registry base URL (Confluent-compatible API)',
};
const logLevel: OptionSpec = {
  flag: 'log-level',
  env: 'LOG_LEVEL',
  kind: 'string',
  default: 'info',
  choices: ['debug', 'info', 'warn', 'error'],
  help: 'Log level (logs are JSON lines on stderr)',
};

export const RUN_OPTIONS: readonly OptionSpec[] = [
  brokers,
  registry,
  {
    flag: 'topics',
    env: 'COMPACTOR_TOPICS',
    kind: 'list',
    default: CANDLE_INTERVALS.map(candleTopic),
    help: 'Final candle topics to compact',
  },
  { flag: 'group', env: 'COMPACTOR_GROUP_ID', kind: 'string', default: 'compactor', help: 'Consumer group id' },
  {
    flag: 'instance-id',
    env: 'COMPACTOR_INSTANCE_ID',
    kind: 'string',
    default: () => `compactor-${hostname()}`,
    defaultText: '"compactor-<hostname>"',
    help: 'Static group member id: stable per instance, so a restart resumes without waiting out the session',
  },
  lake,
  { flag: 'dlq-topic', env: 'COMPACTOR_DLQ_TOPIC', kind: 'string', default: 'compactor-dlq', help: 'Dead-letter topic for records that are not candles' },
  { flag: 'flush-rows', env: 'COMPACTOR_FLUSH_ROWS', kind: 'int', default: 100_000, help: 'Write a batch when it holds this many rows' },
  { flag: 'flush-bytes', env: 'COMPACTOR_FLUSH_BYTES', kind: 'int', default: 64 * 2 ** 20, help: 'Write a batch when its records total this many bytes' },
  {
    flag: 'flush-interval-ms',
    env: 'COMPACTOR_FLUSH_INTERVAL_MS',
    kind: 'int',
    default: 60_000,
    help: 'Write a batch when its oldest record was read this long ago',
  },
  { flag: 'row-group-size', env: 'COMPACTOR_ROW_GROUP_SIZE', kind: 'int', default: 122_880, help: 'Parquet row group size (rows)' },
  { flag: 'fsync', env: 'COMPACTOR_FSYNC', kind: 'bool', default: true, help: 'Sync files and directories around each rename' },
  { flag: 'metrics-port', env: 'METRICS_PORT', kind: 'int', default: 9103, help: 'Port of /metrics and /healthz (0: any free port)' },
  { flag: 'lag-interval-ms', env: 'COMPACTOR_LAG_INTERVAL_MS', kind: 'int', default: 10_000, help: 'How often consumer lag is measured' },
  {
    flag: 'until-caught-up',
    env: 'COMPACTOR_UNTIL_CAUGHT_UP',
    kind: 'bool',
    default: false,
    help: 'Exit once every partition is written up to its last stable offset (batch mode)',
  },
  logLevel,
];

export const MERGE_OPTIONS: readonly OptionSpec[] = [
  lake,
  { flag: 'interval', kind: 'list', help: 'Only these intervals (default: all)' },
  { flag: 'date', kind: 'list', help: 'Only these days, YYYY-MM-DD (default: every day before today, UTC)' },
  { flag: 'include-today', kind: 'bool', default: false, help: 'Also merge today (UTC), which may still receive files' },
  { flag: 'min-files', kind: 'int', default: 2, help: 'Merge a directory only when it has at least this many live files' },
  { flag: 'fsync', env: 'COMPACTOR_FSYNC', kind: 'bool', default: true, help: 'Sync the merged file and directory before deleting inputs' },
  logLevel,
];

export const QUERY_OPTIONS: readonly OptionSpec[] = [
  lake,
  { flag: 'file', kind: 'string', help: 'Read the SQL from this file (- for stdin) instead of the argument' },
  { flag: 'format', kind: 'string', default: 'table', choices: OUTPUT_FORMATS, help: 'Output format' },
  logLevel,
];

export const TAIL_OPTIONS: readonly OptionSpec[] = [
  brokers,
  registry,
  { flag: 'symbol', kind: 'string', help: 'Symbol to show, e.g. BTCUSDT (required)' },
  { flag: 'exchange', kind: 'string', help: 'Only this exchange, e.g. BINANCE' },
  { flag: 'interval', kind: 'string', default: '1m', help: 'Candle interval: reads the topic candles.<interval>' },
  { flag: 'topic', kind: 'string', help: 'Read this topic instead of candles.<interval>' },
  { flag: 'from', kind: 'string', default: 'end', help: 'Where to start: end (new candles only), beginning, or an ISO-8601 time (candles opening at or after it)' },
  { flag: 'max', kind: 'int', help: 'Exit after printing this many candles' },
  { flag: 'format', kind: 'string', default: 'table', choices: ['table', 'json'], help: 'table: aligned lines; json: one object per line' },
  logLevel,
];
