/**
 * The columns of the `candles` dataset. Files hold everything but the Hive partition keys
 * (`interval`, `date`), which live in the directory names; views put them back.
 *
 * Decimals keep the Avro schema's exact types: DECIMAL(38,10) for prices, quantities and ratios and
 * DECIMAL(38,20) for price x quantity sums. DuckDB's widest DECIMAL is 38 digits, exactly the Avro
 * precision, so every value the registry schema admits (a scale-20 value has at most 18 integer
 * digits) fits without rounding. Times are TIMESTAMPTZ (UTC instants). The kafka_* columns are
 * lineage: which record each row came from, and the key the exactly-once checks use.
 */
export interface ColumnDef {
  name: string;
  sql: string;
}

const D10 = 'DECIMAL(38,10)';
const D20 = 'DECIMAL(38,20)';

export const FILE_COLUMNS: readonly ColumnDef[] = [
  { name: 'exchange', sql: 'VARCHAR' },
  { name: 'symbol', sql: 'VARCHAR' },
  { name: 'pair', sql: 'VARCHAR' },
  { name: 'open_time', sql: 'TIMESTAMPTZ' },
  { name: 'close_time', sql: 'TIMESTAMPTZ' },
  { name: 'open', sql: D10 },
  { name: 'high', sql: D10 },
  { name: 'low', sql: D10 },
  { name: 'close', sql: D10 },
  { name: 'volume', sql: D10 },
  { name: 'quote_volume', sql: D20 },
  { name: 'trade_count', sql: 'BIGINT' },
  { name: 'taker_buy_volume', sql: D10 },
  { name: 'taker_buy_quote_volume', sql: D20 },
  { name: 'vwap', sql: D10 },
  { name: 'price_change', sql: D10 },
  { name: 'price_change_percent', sql: D10 },
  { name: 'first_trade_id', sql: 'BIGINT' },
  { name: 'last_trade_id', sql: 'BIGINT' },
  { name: 'kafka_topic', sql: 'VARCHAR' },
  { name: 'kafka_partition', sql: 'INTEGER' },
  { name: 'kafka_offset', sql: 'BIGINT' },
];

export const PARTITION_COLUMNS: readonly ColumnDef[] = [
  { name: 'interval', sql: 'VARCHAR' },
  { name: 'date', sql: 'DATE' },
];

/** Column order of the query views: identity, partition keys, then the record, then lineage. */
export const VIEW_COLUMNS: readonly string[] = [
  'exchange',
  'symbol',
  'pair',
  'interval',
  'date',
  ...FILE_COLUMNS.slice(3).map((c) => c.name),
];

/** Sort order inside a file: makes per-symbol scans read few row groups and compresses better. */
export const SORT_KEY = 'exchange, symbol, open_time, kafka_topic, kafka_partition, kafka_offset';

/** A typed, empty relation with the view's columns, for views over a lake with no files yet. */
export function emptyCandlesSql(): string {
  const all = [...FILE_COLUMNS, ...PARTITION_COLUMNS];
  const byName = new Map(all.map((c) => [c.name, c.sql]));
  return `SELECT ${VIEW_COLUMNS.map((n) => `CAST(NULL AS ${byName.get(n)!}) AS ${n}`).join(', ')} WHERE false`;
}
