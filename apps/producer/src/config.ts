import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, connectionFromEnv, DEFAULT_BROKERS, DEFAULT_REGISTRY_URL, type ConnectionConfig } from '@candlestream/kafka';
import { EXCHANGES, normalisePair, type ExchangeName } from '@candlestream/market';
import { PRODUCER_DLQ_TOPIC, TRADES_TOPIC } from '@candlestream/pipeline';
import { bool, duration, humanMs, int, list, maskUrl, parseDuration, parseSize, str, type OptionSpec, type OptionValues } from './cli/options.js';
import { DEFAULT_SYMBOLS, feedSpec, type CoinbaseFeed, type FeedSpec, type KrakenApi } from './feeds.js';
import type { DeliveryReports, KafkaSinkOptions } from './kafka/kafka-sink.js';

const KAFKA_OPTIONS: OptionSpec[] = [
  { flag: 'brokers', env: 'KAFKA_BROKERS', default: DEFAULT_BROKERS, arg: 'HOST:PORT,...', help: 'Kafka bootstrap servers' },
  { flag: 'registry', env: 'SCHEMA_REGISTRY_URL', default: DEFAULT_REGISTRY_URL, arg: 'URL', help: 'Confluent-compatible schema registry' },
  { flag: 'topic', env: 'TRADES_TOPIC', default: TRADES_TOPIC, arg: 'NAME', help: 'topic for Avro trades' },
  { flag: 'dlq-topic', env: 'PRODUCER_DLQ_TOPIC', default: PRODUCER_DLQ_TOPIC, arg: 'NAME', help: 'dead-letter topic for bad messages' },
  { flag: 'partitions', env: 'PARTITIONS', default: '4', arg: 'N', help: 'partitions of topics this command creates' },
  { flag: 'linger-ms', env: 'KAFKA_LINGER_MS', default: '10', arg: 'MS', help: 'producer linger.ms' },
  { flag: 'batch-messages', env: 'KAFKA_BATCH_MESSAGES', default: '10000', arg: 'N', help: 'producer batch.num.messages' },
  { flag: 'compression', env: 'KAFKA_COMPRESSION', default: 'lz4', arg: 'lz4|zstd|none', help: 'producer compression' },
  { flag: 'queue-messages', env: 'KAFKA_QUEUE_MESSAGES', default: '1000000', arg: 'N', help: 'local producer queue; when full, reading waits' },
  { flag: 'delivery-timeout', env: 'KAFKA_DELIVERY_TIMEOUT', default: '5m', arg: 'DURATION', help: 'a record not acknowledged by then fails (retried until then)' },
  { flag: 'delivery-reports', env: 'KAFKA_DELIVERY_REPORTS', default: 'auto', arg: 'auto|all|errors', help: 'per-record delivery reports, or failures only (auto: failures only for replays at max speed)' },
  { flag: 'flush-timeout', env: 'FLUSH_TIMEOUT', default: '30s', arg: 'DURATION', help: 'how long shutdown waits for outstanding records' },
  { flag: 'gap-grace', env: 'GAP_GRACE', default: '3s', arg: 'DURATION', help: 'a trade id gap still open after this is reported' },
  { flag: 'metrics-port', env: 'METRICS_PORT', default: '9464', arg: 'PORT|off', help: '/metrics and /healthz port (0 = any free port)' },
];

const WS_OPTIONS: OptionSpec[] = [
  { flag: 'exchanges', env: 'EXCHANGES', default: 'binance', arg: 'LIST', help: 'exchanges to connect to: binance, coinbase, kraken' },
  { flag: 'symbols', env: 'SYMBOLS', default: DEFAULT_SYMBOLS.BINANCE.join(','), arg: 'LIST', help: 'Binance symbols' },
  { flag: 'coinbase-symbols', env: 'COINBASE_SYMBOLS', default: DEFAULT_SYMBOLS.COINBASE.join(','), arg: 'LIST', help: 'Coinbase product ids' },
  { flag: 'kraken-symbols', env: 'KRAKEN_SYMBOLS', default: DEFAULT_SYMBOLS.KRAKEN.join(','), arg: 'LIST', help: 'Kraken pairs (API v1 spells BTC as XBT)' },
  { flag: 'binance-url', env: 'BINANCE_WS_URL', arg: 'URL', help: 'Binance stream base URL (default wss://stream.binance.com:9443)' },
  { flag: 'coinbase-url', env: 'COINBASE_WS_URL', arg: 'URL', help: 'Coinbase WebSocket URL (default: the feed\'s public URL)' },
  { flag: 'kraken-url', env: 'KRAKEN_WS_URL', arg: 'URL', help: 'Kraken WebSocket URL (default: the API version\'s public URL)' },
  { flag: 'coinbase-feed', env: 'COINBASE_FEED', default: 'advanced', arg: 'advanced|exchange', help: 'Advanced Trade market_trades, or the Exchange feed\'s matches' },
  { flag: 'kraken-api', env: 'KRAKEN_API', default: 'v2', arg: 'v2|v1', help: 'Kraken WebSocket API version' },
  { flag: 'rollover', env: 'WS_ROLLOVER', default: '23h', arg: 'DURATION', help: 'replace each connection after this long (Binance closes at 24h); 0 = never' },
  { flag: 'overlap', env: 'WS_OVERLAP', default: '5s', arg: 'DURATION', help: 'both connections deliver this long during a rollover' },
  { flag: 'backoff-initial', env: 'WS_BACKOFF_INITIAL', default: '500ms', arg: 'DURATION', help: 'first reconnect delay (doubles, jittered)' },
  { flag: 'backoff-max', env: 'WS_BACKOFF_MAX', default: '30s', arg: 'DURATION', help: 'longest reconnect delay' },
  { flag: 'stale-timeout', env: 'WS_STALE_TIMEOUT', default: '60s', arg: 'DURATION', help: 'no message or ping for this long: reconnect (0 = never)' },
  { flag: 'handshake-timeout', env: 'WS_HANDSHAKE_TIMEOUT', default: '10s', arg: 'DURATION', help: 'WebSocket opening handshake limit' },
];

const ROTATE_OPTIONS: OptionSpec[] = [
  { flag: 'rotate-size', env: 'RECORD_ROTATE_SIZE', default: '100mb', arg: 'SIZE', help: 'start a new recording file after this many bytes' },
  { flag: 'rotate-interval', env: 'RECORD_ROTATE_INTERVAL', default: '1h', arg: 'DURATION', help: 'start a new recording file after this long' },
];

export const LIVE_OPTIONS: OptionSpec[] = [
  ...WS_OPTIONS,
  { flag: 'record', env: 'RECORD_DIR', arg: 'DIR', help: 'also write the raw messages to rotating JSONL files in DIR' },
  ...ROTATE_OPTIONS,
  ...KAFKA_OPTIONS,
];

export const RECORD_OPTIONS: OptionSpec[] = [
  { flag: 'out', env: 'RECORD_DIR', default: 'recordings', arg: 'DIR', help: 'directory for the JSONL files' },
  ...ROTATE_OPTIONS,
  ...WS_OPTIONS,
  KAFKA_OPTIONS.find((o) => o.flag === 'metrics-port') as OptionSpec,
];

export const REPLAY_OPTIONS: OptionSpec[] = [
  { flag: 'exchange', env: 'REPLAY_EXCHANGE', arg: 'NAME', help: 'exchange of JSONL recordings (default: from the path, e.g. .../binance/...)' },
  { flag: 'symbol', env: 'REPLAY_SYMBOL', arg: 'SYMBOL', help: 'symbol of Binance CSV dumps (default: from the file name, BTCUSDT-trades-...)' },
  { flag: 'speed', env: 'REPLAY_SPEED', default: 'max', arg: 'max|realtime|xN', help: 'pace by the trades\' own times: real time, N times faster, or as fast as possible' },
  { flag: 'loop', env: 'REPLAY_LOOP', default: '1', arg: 'N', help: 'play the input N times, shifting trade ids and times each pass' },
  { flag: 'repeat', env: 'REPLAY_REPEAT', boolean: true, help: 'loop forever (until SIGTERM)' },
  { flag: 'progress', env: 'REPLAY_PROGRESS', boolean: true, help: 'progress bar (default: only on a terminal)' },
  { flag: 'loop-cache', env: 'REPLAY_LOOP_CACHE', default: '100000', arg: 'LINES', help: 'with --loop, inputs of up to LINES lines are decoded once and replayed shifted (0 = re-read every pass)' },
  {
    flag: 'transactional-id',
    env: 'REPLAY_TRANSACTIONAL_ID',
    arg: 'ID',
    help: 'exactly-once replay: records and the replay position are committed in one Kafka transaction per interval; a restart with the same ID (and the same inputs and --loop) resumes after the last commit (off by default)',
  },
  { flag: 'positions-topic', env: 'REPLAY_POSITIONS_TOPIC', default: 'producer-replay-positions', arg: 'NAME', help: 'with --transactional-id: compacted topic of committed replay positions (key = the ID)' },
  { flag: 'commit-interval-ms', env: 'REPLAY_COMMIT_INTERVAL_MS', default: '100', arg: 'MS', help: 'with --transactional-id: commit a transaction (records + position) this often' },
  ...KAFKA_OPTIONS,
];

export interface KafkaSettings {
  conn: ConnectionConfig;
  topic: string;
  dlqTopic: string;
  partitions: number;
  sink: Omit<KafkaSinkOptions, 'conn' | 'clientId' | 'deliveryReports'>;
  /** undefined = auto: the command decides. */
  deliveryReports: DeliveryReports | undefined;
  flushTimeoutMs: number;
  gapGraceMs: number;
  metricsPort: number | null;
}

export interface WsSettings {
  feeds: FeedSpec[];
  rolloverMs: number;
  overlapMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  staleMs: number;
  handshakeTimeoutMs: number;
}

export interface RotateSettings {
  maxBytes: number;
  maxAgeMs: number;
}

export interface LiveConfig extends KafkaSettings {
  ws: WsSettings;
  record: (RotateSettings & { dir: string }) | undefined;
}

export interface RecordConfig {
  ws: WsSettings;
  record: RotateSettings & { dir: string };
  metricsPort: number | null;
}

export type ReplayFormat = 'binance-csv' | 'jsonl';

export interface ReplayInput {
  path: string;
  format: ReplayFormat;
  exchange: ExchangeName;
  /** CSV only: the symbol its rows belong to. */
  symbol: string | undefined;
}

export interface ReplayConfig extends KafkaSettings {
  inputs: ReplayInput[];
  /** Multiple of real time, or Infinity for as fast as possible. */
  speed: number;
  /** Passes over the input; Infinity with --repeat. */
  loops: number;
  progress: boolean | undefined;
  loopCacheLines: number;
  /** Exactly-once replay (off when undefined). */
  transactionalId: string | undefined;
  positionsTopic: string;
  commitIntervalMs: number;
}

export function kafkaSettings(v: OptionValues): KafkaSettings {
  const conn = connectionFromEnv({ KAFKA_BROKERS: str(v, 'brokers'), SCHEMA_REGISTRY_URL: str(v, 'registry') });
  const compression = str(v, 'compression');
  if (compression !== 'lz4' && compression !== 'zstd' && compression !== 'none') {
    throw new ConfigError(`--compression must be lz4, zstd or none, got ${JSON.stringify(compression)}`);
  }
  const topic = str(v, 'topic') as string;
  const dlqTopic = str(v, 'dlq-topic') as string;
  if (topic === dlqTopic) throw new ConfigError(`the trades topic and the dead-letter topic must differ (both ${topic})`);
  return {
    conn,
    topic,
    dlqTopic,
    partitions: int(v, 'partitions', 1),
    sink: {
      lingerMs: int(v, 'linger-ms'),
      batchNumMessages: int(v, 'batch-messages', 1),
      compression,
      queueMaxMessages: int(v, 'queue-messages', 1000),
      deliveryTimeoutMs: duration(v, 'delivery-timeout'),
    },
    deliveryReports: deliveryReports(str(v, 'delivery-reports')),
    flushTimeoutMs: duration(v, 'flush-timeout'),
    gapGraceMs: duration(v, 'gap-grace'),
    metricsPort: metricsPort(v),
  };
}

function deliveryReports(text: string | undefined): DeliveryReports | undefined {
  if (text === undefined || text === 'auto') return undefined;
  if (text === 'all' || text === 'errors') return text;
  throw new ConfigError(`--delivery-reports must be auto, all or errors, got ${JSON.stringify(text)}`);
}

function metricsPort(v: OptionValues): number | null {
  const text = str(v, 'metrics-port');
  if (text === undefined || text === 'off' || text === 'none') return null;
  return int(v, 'metrics-port');
}

export function exchangeName(text: string): ExchangeName {
  const e = text.trim().toUpperCase();
  if (!(EXCHANGES as readonly string[]).includes(e)) {
    throw new ConfigError(`unknown exchange ${JSON.stringify(text)} (known: ${EXCHANGES.map((x) => x.toLowerCase()).join(', ')})`);
  }
  return e as ExchangeName;
}

export function wsSettings(v: OptionValues): WsSettings {
  const exchanges = [...new Set(list(str(v, 'exchanges')).map(exchangeName))];
  if (exchanges.length === 0) throw new ConfigError('--exchanges names no exchange');
  const coinbaseFeed = str(v, 'coinbase-feed');
  if (coinbaseFeed !== 'advanced' && coinbaseFeed !== 'exchange') throw new ConfigError(`--coinbase-feed must be advanced or exchange, got ${JSON.stringify(coinbaseFeed)}`);
  const krakenApi = str(v, 'kraken-api');
  if (krakenApi !== 'v1' && krakenApi !== 'v2') throw new ConfigError(`--kraken-api must be v1 or v2, got ${JSON.stringify(krakenApi)}`);
  const symbolsOf: Record<ExchangeName, string[]> = {
    BINANCE: list(str(v, 'symbols')).map((s) => s.toUpperCase()),
    COINBASE: list(str(v, 'coinbase-symbols')).map((s) => s.toUpperCase()),
    KRAKEN: list(str(v, 'kraken-symbols')).map((s) => s.toUpperCase()),
  };
  // v1 spells Bitcoin XBT; the default list is in v2 spelling.
  if (krakenApi === 'v1') symbolsOf.KRAKEN = symbolsOf.KRAKEN.map((s) => s.replace(/^BTC\//, 'XBT/').replace(/\/BTC$/, '/XBT'));
  const urlOf: Record<ExchangeName, string | undefined> = {
    BINANCE: str(v, 'binance-url'),
    COINBASE: str(v, 'coinbase-url'),
    KRAKEN: str(v, 'kraken-url'),
  };
  const feeds = exchanges.map((e) => {
    const url = urlOf[e];
    if (url !== undefined && !/^wss?:\/\//.test(url)) throw new ConfigError(`${e} URL must start with ws:// or wss://, got ${JSON.stringify(url)}`);
    try {
      return feedSpec(e, { symbols: symbolsOf[e], baseUrl: url, coinbaseFeed: coinbaseFeed as CoinbaseFeed, krakenApi: krakenApi as KrakenApi });
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  });
  return {
    feeds,
    rolloverMs: duration(v, 'rollover'),
    overlapMs: duration(v, 'overlap'),
    backoffInitialMs: Math.max(1, duration(v, 'backoff-initial')),
    backoffMaxMs: Math.max(1, duration(v, 'backoff-max')),
    staleMs: duration(v, 'stale-timeout'),
    handshakeTimeoutMs: duration(v, 'handshake-timeout'),
  };
}

function rotateSettings(v: OptionValues): RotateSettings {
  return {
    maxBytes: parseSize(str(v, 'rotate-size') ?? '100mb', '--rotate-size'),
    maxAgeMs: parseDuration(str(v, 'rotate-interval') ?? '1h', '--rotate-interval'),
  };
}

export function liveConfig(v: OptionValues): LiveConfig {
  const dir = str(v, 'record');
  return { ...kafkaSettings(v), ws: wsSettings(v), record: dir ? { dir, ...rotateSettings(v) } : undefined };
}

export function recordConfig(v: OptionValues): RecordConfig {
  return { ws: wsSettings(v), record: { dir: str(v, 'out') as string, ...rotateSettings(v) }, metricsPort: metricsPort(v) };
}

/** `max`; `realtime` (= x1); `x10`, `10x` or `10`: a multiple of real time. */
export function parseSpeed(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'max' || t === 'fast' || t === 'asap') return Infinity;
  if (t === 'realtime' || t === 'real-time') return 1;
  const m = /^x?(\d+(?:\.\d+)?)x?$/.exec(t);
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0)) throw new ConfigError(`--speed must be max, realtime or a multiple like x10, got ${JSON.stringify(text)}`);
  return n;
}

const CSV_NAME_RE = /^([A-Z0-9]+)-trades-/;

/** What a file is: a Binance trades CSV (symbol from the flag or the file name) or a JSONL recording. */
export function replayInput(path: string, exchangeFlag: string | undefined, symbolFlag: string | undefined, exists: (p: string) => boolean = existsSync): ReplayInput {
  if (!exists(path)) throw new ConfigError(`${path}: no such file`);
  const name = basename(path);
  if (/\.csv$/i.test(name)) {
    const symbol = symbolFlag?.toUpperCase() ?? CSV_NAME_RE.exec(name)?.[1];
    if (!symbol) throw new ConfigError(`${path}: cannot tell the symbol from the file name (expected SYMBOL-trades-...csv); pass --symbol`);
    try {
      normalisePair('BINANCE', symbol);
    } catch (err) {
      throw new ConfigError(`${path}: ${(err as Error).message}`);
    }
    return { path, format: 'binance-csv', exchange: 'BINANCE', symbol };
  }
  if (/\.jsonl$/i.test(name)) {
    const exchange = exchangeFlag
      ? exchangeName(exchangeFlag)
      : EXCHANGES.find((e) => path.toLowerCase().split(/[/\\._-]/).includes(e.toLowerCase()));
    if (!exchange) throw new ConfigError(`${path}: cannot tell the exchange from the path; pass --exchange binance|coinbase|kraken`);
    return { path, format: 'jsonl', exchange, symbol: undefined };
  }
  throw new ConfigError(`${path}: expected a Binance trades .csv or a .jsonl recording of WebSocket frames`);
}

export function replayConfig(v: OptionValues, files: readonly string[]): ReplayConfig {
  if (files.length === 0) throw new ConfigError('replay needs at least one file (see producer replay --help)');
  const loops = bool(v, 'repeat') ? Infinity : int(v, 'loop', 1);
  const kafka = kafkaSettings(v);
  const positionsTopic = str(v, 'positions-topic') as string;
  if (positionsTopic === kafka.topic || positionsTopic === kafka.dlqTopic) {
    throw new ConfigError(`the positions topic must differ from the trades and dead-letter topics (${positionsTopic})`);
  }
  return {
    ...kafka,
    inputs: files.map((f) => replayInput(f, str(v, 'exchange'), str(v, 'symbol'))),
    speed: parseSpeed(str(v, 'speed') ?? 'max'),
    loops,
    progress: bool(v, 'progress'),
    loopCacheLines: int(v, 'loop-cache'),
    transactionalId: str(v, 'transactional-id')?.trim() || undefined,
    positionsTopic,
    commitIntervalMs: int(v, 'commit-interval-ms', 1),
  };
}

/** The start-up banner: what this run will do, secrets masked. */
export function describeKafka(c: KafkaSettings, reports: DeliveryReports): string[] {
  return [
    `  kafka       ${c.conn.brokers}  topic ${c.topic}  dead letters ${c.dlqTopic}`,
    `  registry    ${maskUrl(c.conn.registryUrl)}  (subject ${c.topic}-value)`,
    `  producer    idempotent, acks=all, linger ${c.sink.lingerMs} ms, batch ${c.sink.batchNumMessages}, ${c.sink.compression}, queue ${c.sink.queueMaxMessages}, delivery timeout ${humanMs(c.sink.deliveryTimeoutMs)}, delivery reports: ${reports}`,
    `  metrics     ${c.metricsPort === null ? 'off' : c.metricsPort === 0 ? 'any free port (logged below): /metrics /healthz' : `http://0.0.0.0:${c.metricsPort}/metrics  /healthz`}`,
  ];
}

export function describeWs(w: WsSettings): string[] {
  return [
    ...w.feeds.map((f) => `  ${f.exchange.toLowerCase().padEnd(10)}  ${maskUrl(f.url)}\n              ${f.describe}; symbols ${f.symbols.join(' ')}`),
    `  connection  rollover after ${w.rolloverMs > 0 ? humanMs(w.rolloverMs) : 'never'} with ${humanMs(w.overlapMs)} overlap, reconnect backoff ${humanMs(w.backoffInitialMs)}..${humanMs(w.backoffMaxMs)} (jittered), stale after ${w.staleMs > 0 ? humanMs(w.staleMs) : 'never'}`,
  ];
}
