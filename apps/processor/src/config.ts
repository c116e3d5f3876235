import { parseArgs } from 'node:util';
import { ConfigError, connectionFromEnv, type ConnectionConfig } from '@candlestream/kafka';
import { DEFAULT_ANOMALY, DEFAULT_SPREAD, intervalMs, type AnomalyConfig, type SpreadConfig } from '@candlestream/market';

export interface ProcessorConfig {
  conn: ConnectionConfig;
  applicationId: string;
  stateDir: string;
  inputTopic: string;
  intervals: string[];
  /** Out-of-order allowance: a window closes when stream time passes its end plus this. */
  graceMs: number;
  commitIntervalMs: number;
  exactlyOnce: boolean;
  /** Live mode: advance stream time from the wall clock on idle partitions so quiet markets still close. */
  idleAdvanceMs: number | null;
  smaPeriods: number[];
  emaPeriods: number[];
  rsiPeriod: number;
  anomaly: AnomalyConfig;
  spread: SpreadConfig;
  metricsPort: number;
  partitions: number;
}

export const PROCESSOR_USAGE = `usage: processor [options]

Builds OHLCV candles from the trades topic, exactly once, with SQLite state.

options (environment variable in brackets):
  --application-id ID     consumer group, transactional and state prefix [APPLICATION_ID] (candlestream-processor)
  --state-dir DIR         SQLite stores [STATE_DIR] (./state)
  --input TOPIC           trades topic [INPUT_TOPIC] (trades)
  --intervals LIST        candle intervals [INTERVALS] (1m,5m)
  --grace-ms N            late-trade allowance per window [GRACE_MS] (5000)
  --commit-interval-ms N  [COMMIT_INTERVAL_MS] (100)
  --at-least-once         no transactions (for comparison) [EXACTLY_ONCE=false]
  --idle-advance-ms N     live mode: close windows of idle partitions by the wall clock [IDLE_ADVANCE_MS] (off)
  --sma LIST --ema LIST   indicator periods on closed 1m candles [SMA_PERIODS] (20,50) [EMA_PERIODS] (12,26)
  --rsi N                 RSI period, Wilder smoothing [RSI_PERIOD] (14)
  --z-threshold N         anomaly z-score threshold [Z_THRESHOLD] (4)
  --fee-bps N             taker fee per leg for spread alerts [FEE_BPS] (10)
  --metrics-port N        /metrics, /healthz, /candles [METRICS_PORT] (9465)
  --partitions N          partitions of new pipeline topics [PARTITIONS] (4)
environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL`;

function numberList(text: string, what: string): number[] {
  const xs = text.split(',').filter(Boolean).map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new ConfigError(`${what} must be positive integers, got ${text}`);
  return xs;
}

function int(text: string, what: string, min = 0): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${what} must be an integer >= ${min}, got ${text}`);
  return n;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ProcessorConfig | 'help' {
  const { values: f } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      'application-id': { type: 'string' },
      'state-dir': { type: 'string' },
      input: { type: 'string' },
      intervals: { type: 'string' },
      'grace-ms': { type: 'string' },
      'commit-interval-ms': { type: 'string' },
      'at-least-once': { type: 'boolean' },
      'idle-advance-ms': { type: 'string' },
      sma: { type: 'string' },
      ema: { type: 'string' },
      rsi: { type: 'string' },
      'z-threshold': { type: 'string' },
      'fee-bps': { type: 'string' },
      'metrics-port': { type: 'string' },
      partitions: { type: 'string' },
    },
    strict: true,
  });
  if (f.help) return 'help';
  const intervals = (f.intervals ?? env.INTERVALS ?? '1m,5m').split(',').filter(Boolean);
  for (const i of intervals) intervalMs(i);
  const idle = f['idle-advance-ms'] ?? env.IDLE_ADVANCE_MS;
  return {
    conn: connectionFromEnv(env),
    applicationId: f['application-id'] ?? env.APPLICATION_ID ?? 'candlestream-processor',
    stateDir: f['state-dir'] ?? env.STATE_DIR ?? './state',
    inputTopic: f.input ?? env.INPUT_TOPIC ?? 'trades',
    intervals,
    graceMs: int(f['grace-ms'] ?? env.GRACE_MS ?? '5000', 'grace-ms'),
    commitIntervalMs: int(f['commit-interval-ms'] ?? env.COMMIT_INTERVAL_MS ?? '100', 'commit-interval-ms', 1),
    exactlyOnce: !(f['at-least-once'] ?? env.EXACTLY_ONCE === 'false'),
    idleAdvanceMs: idle === undefined ? null : int(idle, 'idle-advance-ms', 1),
    smaPeriods: numberList(f.sma ?? env.SMA_PERIODS ?? '20,50', 'sma'),
    emaPeriods: numberList(f.ema ?? env.EMA_PERIODS ?? '12,26', 'ema'),
    rsiPeriod: int(f.rsi ?? env.RSI_PERIOD ?? '14', 'rsi', 2),
    anomaly: { ...DEFAULT_ANOMALY, zThreshold: Number(f['z-threshold'] ?? env.Z_THRESHOLD ?? DEFAULT_ANOMALY.zThreshold) },
    spread: { ...DEFAULT_SPREAD, feeBps: Number(f['fee-bps'] ?? env.FEE_BPS ?? DEFAULT_SPREAD.feeBps) },
    metricsPort: int(f['metrics-port'] ?? env.METRICS_PORT ?? '9465', 'metrics-port'),
    partitions: int(f.partitions ?? env.PARTITIONS ?? '4', 'partitions', 1),
  };
}

/** One line per setting, for the start-up banner (no secrets in here to mask). */
export function describeConfig(c: ProcessorConfig): string {
  return [
    `brokers=${c.conn.brokers} registry=${c.conn.registryUrl}`,
    `application=${c.applicationId} state=${c.stateDir} input=${c.inputTopic} intervals=${c.intervals.join(',')}`,
    `grace=${c.graceMs}ms commit=${c.commitIntervalMs}ms ${c.exactlyOnce ? 'exactly-once' : 'at-least-once'} idle-advance=${c.idleAdvanceMs ?? 'off'}`,
    `sma=${c.smaPeriods.join(',')} ema=${c.emaPeriods.join(',')} rsi=${c.rsiPeriod} z>=${c.anomaly.zThreshold} fee=${c.spread.feeBps}bps`,
    `metrics=:${c.metricsPort}`,
  ].join('\n');
}
