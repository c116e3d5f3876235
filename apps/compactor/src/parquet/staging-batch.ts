import {
  DECIMAL,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  INTEGER,
  TIMESTAMPTZ,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBDecimal128Vector,
  type DuckDBDoubleVector,
  type DuckDBIntegerVector,
  type DuckDBTimestampTZVector,
  type DuckDBType,
} from '@duckdb/node-api';
import { PRICE_SCALE, QUOTE_SCALE, type Candle, type Decimal } from '@candlestream/market';
import { RowRejectedError } from './errors.js';
import { isValidInterval, isValidTopic, tpKey, type OffsetRange } from './layout.js';

/** Rows per DuckDB data chunk: DuckDB's vector size, the most one chunk holds. */
const CHUNK_ROWS = 2048;
/** DECIMAL(38, s) holds |units| < 10^38 whatever the scale. */
const UNITS_LIMIT = 10n ** 38n;
/** Precomputed: negating a bigint allocates, and `units` runs 11 times per row. */
const NEG_UNITS_LIMIT = -UNITS_LIMIT;
const MS_PER_DAY = 86_400_000;
/** Bounds that keep a batch's (partition, interval, day) key an exact integer. */
const MAX_DAY = 131_072;
const MAX_INTERVALS = 1024;

/**
 * Staging-table layout: strings as dictionary ids (a VARCHAR vector costs a native call per value),
 * longs as doubles (exact below 2^53, which every JS number in a Candle already is), decimals as
 * DECIMAL(38, s), times as TIMESTAMPTZ built here (DuckDB's TIMESTAMP -> TIMESTAMPTZ cast goes
 * through ICU and costs more than the two bigint operations). `part` numbers the batch's output files,
 * one per (Kafka partition, interval, UTC day); the writer selects each file's rows by it.
 */
const STAGING: readonly (readonly [string, DuckDBType])[] = [
  ['exchange_id', INTEGER],
  ['symbol_id', INTEGER],
  ['pair_id', INTEGER],
  ['part', INTEGER],
  ['open_time', TIMESTAMPTZ],
  ['close_time', TIMESTAMPTZ],
  ['open', DECIMAL(38, PRICE_SCALE)],
  ['high', DECIMAL(38, PRICE_SCALE)],
  ['low', DECIMAL(38, PRICE_SCALE)],
  ['close', DECIMAL(38, PRICE_SCALE)],
  ['volume', DECIMAL(38, PRICE_SCALE)],
  ['quote_volume', DECIMAL(38, QUOTE_SCALE)],
  ['trade_count', DOUBLE],
  ['taker_buy_volume', DECIMAL(38, PRICE_SCALE)],
  ['taker_buy_quote_volume', DECIMAL(38, QUOTE_SCALE)],
  ['vwap', DECIMAL(38, PRICE_SCALE)],
  ['price_change', DECIMAL(38, PRICE_SCALE)],
  ['price_change_percent', DECIMAL(38, PRICE_SCALE)],
  ['first_trade_id', DOUBLE],
  ['last_trade_id', DOUBLE],
  ['kafka_offset', DOUBLE],
];

export function stagingTableDdl(table: string): string {
  return `CREATE OR REPLACE TABLE ${table} (${STAGING.map(([n, t]) => `${n} ${t.toString()}`).join(', ')})`;
}

/** Grows only, so an id means the same string in every batch of the process. */
export class StringDictionary {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];

  lookup(value: string): number | undefined {
    return this.ids.get(value);
  }

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(value, id);
      this.values.push(value);
    }
    return id;
  }
}

/** Dictionaries shared by all batches of one writer. */
export class BatchDictionaries {
  readonly exchanges = new StringDictionary();
  readonly symbols = new StringDictionary();
  readonly pairs = new StringDictionary();
  readonly intervals = new StringDictionary();
}

/** One output file of a batch: a Kafka partition's rows of one interval and UTC day. */
export interface BatchPart {
  topic: string;
  partition: number;
  interval: string;
  /** Days since the epoch (UTC). */
  day: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The 16-byte slots of a DECIMAL(38, s) vector as int64 words (DuckDB's hugeint: lower word, then
 * upper), or null when this version of @duckdb/node-api does not expose the vector's buffer the way
 * expected (then `setItem` is used). Writing the words directly skips the two value objects and three
 * bigint splits `setItem` costs per value; `flush` still copies the same buffer into the chunk.
 */
function int128Words(vec: DuckDBDecimal128Vector): BigInt64Array | null {
  const view = (vec as unknown as { dataView?: unknown }).dataView;
  if (!(view instanceof DataView) || view.byteLength !== CHUNK_ROWS * 16 || view.byteOffset % 8 !== 0) return null;
  return new BigInt64Array(view.buffer, view.byteOffset, CHUNK_ROWS * 2);
}

/** Int64 items of a TIMESTAMPTZ vector (same fallback as `int128Words`). */
function int64Items(vec: DuckDBTimestampTZVector): BigInt64Array | null {
  const items = (vec as unknown as { items?: unknown }).items;
  return items instanceof BigInt64Array && items.length === CHUNK_ROWS ? items : null;
}

/** A DECIMAL(38, scale) column of the staging chunk. `units` is already range-checked (`units()`). */
class DecimalColumn {
  private readonly words: BigInt64Array | null;

  constructor(
    private readonly vec: DuckDBDecimal128Vector,
    private readonly scale: number,
  ) {
    this.words = int128Words(vec);
  }

  set(i: number, u: bigint): void {
    const w = this.words;
    if (w === null) {
      this.vec.setItem(i, new DuckDBDecimalValue(u, 38, this.scale));
    } else if (u >= INT64_MIN && u <= INT64_MAX) {
      w[2 * i] = u;
      w[2 * i + 1] = u < 0n ? -1n : 0n;
    } else {
      // BigInt64Array stores a bigint modulo 2^64: the low word's bits; |u| < 10^38 < 2^127 keeps the
      // arithmetic shift in int64.
      w[2 * i] = u;
      w[2 * i + 1] = u >> 64n;
    }
  }
}

/** A TIMESTAMPTZ column of the staging chunk, set from epoch milliseconds (a safe integer). */
class TimestampColumn {
  private readonly items: BigInt64Array | null;

  constructor(private readonly vec: DuckDBTimestampTZVector) {
    this.items = int64Items(vec);
  }

  setMillis(i: number, ms: number): void {
    const micros = BigInt(ms) * 1000n;
    if (this.items === null) this.vec.setItem(i, new DuckDBTimestampTZValue(micros));
    else this.items[i] = micros;
  }
}

interface Vectors {
  exchange: DuckDBIntegerVector;
  symbol: DuckDBIntegerVector;
  pair: DuckDBIntegerVector;
  part: DuckDBIntegerVector;
  openTime: DuckDBTimestampTZVector;
  closeTime: DuckDBTimestampTZVector;
  open: DuckDBDecimal128Vector;
  high: DuckDBDecimal128Vector;
  low: DuckDBDecimal128Vector;
  close: DuckDBDecimal128Vector;
  volume: DuckDBDecimal128Vector;
  quoteVolume: DuckDBDecimal128Vector;
  tradeCount: DuckDBDoubleVector;
  takerBuyVolume: DuckDBDecimal128Vector;
  takerBuyQuoteVolume: DuckDBDecimal128Vector;
  vwap: DuckDBDecimal128Vector;
  priceChange: DuckDBDecimal128Vector;
  priceChangePercent: DuckDBDecimal128Vector;
  firstTradeId: DuckDBDoubleVector;
  lastTradeId: DuckDBDoubleVector;
  offset: DuckDBDoubleVector;
}

function vectorsOf(chunk: DuckDBDataChunk): Vectors {
  const v = (i: number): never => chunk.getColumnVector(i) as never;
  return {
    exchange: v(0),
    symbol: v(1),
    pair: v(2),
    part: v(3),
    openTime: v(4),
    closeTime: v(5),
    open: v(6),
    high: v(7),
    low: v(8),
    close: v(9),
    volume: v(10),
    quoteVolume: v(11),
    tradeCount: v(12),
    takerBuyVolume: v(13),
    takerBuyQuoteVolume: v(14),
    vwap: v(15),
    priceChange: v(16),
    priceChangePercent: v(17),
    firstTradeId: v(18),
    lastTradeId: v(19),
    offset: v(20),
  };
}

/** The timestamp and decimal columns, written through their buffers (see `DecimalColumn`). */
interface Columns {
  openTime: TimestampColumn;
  closeTime: TimestampColumn;
  open: DecimalColumn;
  high: DecimalColumn;
  low: DecimalColumn;
  close: DecimalColumn;
  volume: DecimalColumn;
  quoteVolume: DecimalColumn;
  takerBuyVolume: DecimalColumn;
  takerBuyQuoteVolume: DecimalColumn;
  vwap: DecimalColumn;
  priceChange: DecimalColumn;
  priceChangePercent: DecimalColumn;
}

function columnsOf(v: Vectors): Columns {
  return {
    openTime: new TimestampColumn(v.openTime),
    closeTime: new TimestampColumn(v.closeTime),
    open: new DecimalColumn(v.open, PRICE_SCALE),
    high: new DecimalColumn(v.high, PRICE_SCALE),
    low: new DecimalColumn(v.low, PRICE_SCALE),
    close: new DecimalColumn(v.close, PRICE_SCALE),
    volume: new DecimalColumn(v.volume, PRICE_SCALE),
    quoteVolume: new DecimalColumn(v.quoteVolume, QUOTE_SCALE),
    takerBuyVolume: new DecimalColumn(v.takerBuyVolume, PRICE_SCALE),
    takerBuyQuoteVolume: new DecimalColumn(v.takerBuyQuoteVolume, QUOTE_SCALE),
    vwap: new DecimalColumn(v.vwap, PRICE_SCALE),
    priceChange: new DecimalColumn(v.priceChange, PRICE_SCALE),
    priceChangePercent: new DecimalColumn(v.priceChangePercent, PRICE_SCALE),
  };
}

/** Exact units at `scale`, refused (not rounded) when digits would be lost or DECIMAL(38) overflows. */
function units(d: Decimal, scale: number, field: string): bigint {
  let u: bigint;
  if (d.scale === scale) u = d.units;
  else {
    try {
      u = d.unitsAt(scale);
    } catch {
      throw new RowRejectedError('decimal-scale', `${field} ${d.toString()} has more than ${scale} decimals`);
    }
  }
  if (u >= UNITS_LIMIT || u <= NEG_UNITS_LIMIT) {
    throw new RowRejectedError('decimal-overflow', `${field} ${d.toString()} does not fit DECIMAL(38,${scale})`);
  }
  return u;
}

function safeInt(n: number, field: string, reason: 'bad-time' | 'bad-integer'): number {
  if (!Number.isSafeInteger(n)) throw new RowRejectedError(reason, `${field} ${n} is not a safe integer`);
  return n;
}

interface PartitionState {
  key: string;
  range: OffsetRange;
  tpIndex: number;
  rows: number;
}

/**
 * The rows of one flush, appended column by column into DuckDB data chunks (no per-row SQL, no per-
 * value native call: vectors are typed arrays flushed once per 2048 rows) and from there into a
 * staging table that the writer turns into Parquet. Also tracks, per Kafka partition, the offset range
 * the batch consumed, which names its files: records that went to the dead-letter topic extend the
 * range too, so a restart does not send them again.
 */
export class StagingBatch {
  private readonly chunk: DuckDBDataChunk;
  private readonly v: Vectors;
  private readonly k: Columns;
  private readonly allVectors: readonly { flush(): void }[];
  private pos = 0;
  private sealed = false;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly partitionList: PartitionState[] = [];
  private last: PartitionState | undefined;
  private readonly partIds = new Map<number, number>();
  /** Output files of this batch, indexed by the staging table's `part`. */
  readonly parts: BatchPart[] = [];
  rows = 0;
  bytes = 0;
  readonly openedAt = Date.now();

  constructor(
    readonly table: string,
    readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
    private readonly dict: BatchDictionaries,
  ) {
    this.chunk = DuckDBDataChunk.create(STAGING.map(([, t]) => t), CHUNK_ROWS);
    this.v = vectorsOf(this.chunk);
    this.k = columnsOf(this.v);
    // Kept by reference: the chunk drops its cached vector objects whenever its row count changes.
    this.allVectors = Object.values(this.v);
  }

  /** Validates and appends one candle; a rejected candle leaves the batch unchanged. */
  add(c: Candle, topic: string, partition: number, offset: number, sizeBytes = 0): void {
    if (this.sealed) throw new Error('batch is sealed');
    if (typeof c.exchange !== 'string' || typeof c.symbol !== 'string' || typeof c.pair !== 'string' || typeof c.interval !== 'string') {
      throw new RowRejectedError('bad-string', 'exchange, symbol, pair and interval must be strings');
    }
    // Compute every value before writing any, so a rejected row leaves no partial slot behind.
    const openMs = safeInt(c.openTime, 'openTime', 'bad-time');
    const closeMs = safeInt(c.closeTime, 'closeTime', 'bad-time');
    const day = Math.floor(openMs / MS_PER_DAY);
    if (day < 0 || day >= MAX_DAY) throw new RowRejectedError('bad-time', `openTime ${openMs} is outside 1970..2328`);
    const tradeCount = safeInt(c.tradeCount, 'tradeCount', 'bad-integer');
    const firstTradeId = safeInt(c.firstTradeId, 'firstTradeId', 'bad-integer');
    const lastTradeId = safeInt(c.lastTradeId, 'lastTradeId', 'bad-integer');
    const open = units(c.open, PRICE_SCALE, 'open');
    const high = units(c.high, PRICE_SCALE, 'high');
    const low = units(c.low, PRICE_SCALE, 'low');
    const close = units(c.close, PRICE_SCALE, 'close');
    const volume = units(c.volume, PRICE_SCALE, 'volume');
    const quoteVolume = units(c.quoteVolume, QUOTE_SCALE, 'quoteVolume');
    const takerBuyVolume = units(c.takerBuyVolume, PRICE_SCALE, 'takerBuyVolume');
    const takerBuyQuoteVolume = units(c.takerBuyQuoteVolume, QUOTE_SCALE, 'takerBuyQuoteVolume');
    const vwap = units(c.vwap, PRICE_SCALE, 'vwap');
    const priceChange = units(c.priceChange, PRICE_SCALE, 'priceChange');
    const priceChangePercent = units(c.priceChangePercent, PRICE_SCALE, 'priceChangePercent');
    const intervalId = this.intervalId(c.interval);
    const state = this.partitionState(topic, partition);
    if (state.range.first >= 0 && offset <= state.range.last) {
      throw new RangeError(`offset ${offset} of ${state.key} is not after ${state.range.last}: partitions must be fed in order`);
    }
    const part = this.partId(state.tpIndex, intervalId, day, c.interval, topic, partition);

    const i = this.pos;
    const v = this.v;
    const d = this.dict;
    v.exchange.setItem(i, d.exchanges.id(c.exchange));
    v.symbol.setItem(i, d.symbols.id(c.symbol));
    v.pair.setItem(i, d.pairs.id(c.pair));
    v.part.setItem(i, part);
    const k = this.k;
    k.openTime.setMillis(i, openMs);
    k.closeTime.setMillis(i, closeMs);
    k.open.set(i, open);
    k.high.set(i, high);
    k.low.set(i, low);
    k.close.set(i, close);
    k.volume.set(i, volume);
    k.quoteVolume.set(i, quoteVolume);
    v.tradeCount.setItem(i, tradeCount);
    k.takerBuyVolume.set(i, takerBuyVolume);
    k.takerBuyQuoteVolume.set(i, takerBuyQuoteVolume);
    k.vwap.set(i, vwap);
    k.priceChange.set(i, priceChange);
    k.priceChangePercent.set(i, priceChangePercent);
    v.firstTradeId.setItem(i, firstTradeId);
    v.lastTradeId.setItem(i, lastTradeId);
    v.offset.setItem(i, offset);

    this.pos = i + 1;
    this.rows++;
    this.bytes += sizeBytes;
    state.rows++;
    if (state.range.first < 0) state.range.first = offset;
    state.range.last = offset;
    if (this.pos === CHUNK_ROWS) this.appendChunk();
  }

  /** Counts a consumed offset that produced no row (dead-lettered) into the batch's range. */
  extendRange(topic: string, partition: number, offset: number, sizeBytes = 0): void {
    if (this.sealed) throw new Error('batch is sealed');
    const state = this.partitionState(topic, partition);
    if (state.range.first >= 0 && offset <= state.range.last) {
      throw new RangeError(`offset ${offset} of ${state.key} is not after ${state.range.last}: partitions must be fed in order`);
    }
    if (state.range.first < 0) state.range.first = offset;
    state.range.last = offset;
    this.bytes += sizeBytes;
  }

  /** The consumed range of every partition in the batch (including ranges with no rows). */
  ranges(): OffsetRange[] {
    return this.partitionList.filter((p) => p.range.first >= 0).map((p) => ({ ...p.range }));
  }

  rowsOf(topic: string, partition: number): number {
    return this.partitions.get(tpKey(topic, partition))?.rows ?? 0;
  }

  get isEmpty(): boolean {
    return this.partitionList.every((p) => p.range.first < 0);
  }

  /** Appends the last partial chunk and closes the appender: the staging table is complete. */
  seal(): void {
    if (this.sealed) return;
    if (this.pos > 0) this.appendChunk();
    this.appender.closeSync();
    this.sealed = true;
  }

  private partitionState(topic: string, partition: number): PartitionState {
    // Consecutive records usually come from one partition: skip the key string and map lookup then.
    const last = this.last;
    if (last && last.range.partition === partition && last.range.topic === topic) return last;
    const key = tpKey(topic, partition);
    let state = this.partitions.get(key);
    if (!state) {
      if (!isValidTopic(topic)) throw new RangeError(`topic ${JSON.stringify(topic)} is not a Kafka topic name`);
      state = { key, range: { topic, partition, first: -1, last: -1 }, tpIndex: this.partitionList.length, rows: 0 };
      this.partitions.set(key, state);
      this.partitionList.push(state);
    }
    this.last = state;
    return state;
  }

  private intervalId(interval: string): number {
    const known = this.dict.intervals.lookup(interval);
    if (known !== undefined) return known;
    // Interval values become directory names: check each new one once.
    if (!isValidInterval(interval)) throw new RowRejectedError('bad-interval', `interval ${JSON.stringify(interval)} is not <n><unit>`);
    if (this.dict.intervals.values.length >= MAX_INTERVALS) throw new RowRejectedError('bad-interval', `more than ${MAX_INTERVALS} distinct intervals`);
    return this.dict.intervals.id(interval);
  }

  private partId(tpIndex: number, intervalId: number, day: number, interval: string, topic: string, partition: number): number {
    const composite = (tpIndex * MAX_INTERVALS + intervalId) * MAX_DAY + day;
    let id = this.partIds.get(composite);
    if (id === undefined) {
      id = this.parts.length;
      this.partIds.set(composite, id);
      this.parts.push({ topic, partition, interval, day });
    }
    return id;
  }

  private appendChunk(): void {
    for (const vec of this.allVectors) vec.flush();
    this.chunk.rowCount = this.pos;
    this.appender.appendDataChunk(this.chunk);
    this.pos = 0;
    this.chunk.rowCount = CHUNK_ROWS;
  }
}
