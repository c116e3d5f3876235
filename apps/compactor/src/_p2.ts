import { DuckDBInstance, DuckDBDataChunk, DECIMAL, INTEGER, DOUBLE, DuckDBDecimalValue } from '@duckdb/node-api';
import type { DuckDBDecimal128Vector, DuckDBIntegerVector, DuckDBDoubleVector } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
const dir = '/tmp/proto/out2'; rmSync(dir, { recursive: true, force: true });
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const D10 = DECIMAL(38, 10), D20 = DECIMAL(38, 20);
const cols: [string, any][] = [['ex', INTEGER], ['sym', INTEGER], ['pair', INTEGER], ['iv', INTEGER], ['open_ms', DOUBLE], ['close_ms', DOUBLE],
 ['open', D10], ['high', D10], ['low', D10], ['close', D10], ['volume', D10], ['quote_volume', D20], ['trade_count', DOUBLE], ['tbv', D10], ['tbqv', D20], ['vwap', D10], ['pc', D10], ['pcp', D10], ['ftid', DOUBLE], ['ltid', DOUBLE], ['tp', INTEGER], ['off', DOUBLE]];
await c.run(`CREATE TABLE s(${cols.map(([n, t]) => `${n} ${t.toString()}`).join(',')})`);
const app = await c.createAppender('s');
const N = Number(process.argv[2] ?? 1_000_000);
const chunk = DuckDBDataChunk.create(cols.map((c) => c[1]));
const start = Date.UTC(2024, 0, 1);
// pre-generate units for a pool
const pool: bigint[] = []; for (let i = 0; i < 4096; i++) pool.push(BigInt(Math.floor(Math.random() * 1e15)));
const pool20: bigint[] = pool.map((x) => x * 10n ** 12n);
let tAppend = 0;
const t0 = performance.now();
for (let base = 0; base < N; base += 2048) {
  const n = Math.min(2048, N - base);
  const ta = performance.now();
  chunk.rowCount = n;
  const vs = cols.map((_, k) => chunk.getColumnVector(k));
  for (let i = 0; i < n; i++) {
    const r = base + i;
    (vs[0] as DuckDBIntegerVector).setItem(i, 0);
    (vs[1] as DuckDBIntegerVector).setItem(i, r % 10);
    (vs[2] as DuckDBIntegerVector).setItem(i, r % 10);
    (vs[3] as DuckDBIntegerVector).setItem(i, 0);
    (vs[4] as DuckDBDoubleVector).setItem(i, start + Math.floor(r / 10) * 60000);
    (vs[5] as DuckDBDoubleVector).setItem(i, start + Math.floor(r / 10) * 60000 + 59999);
    for (const k of [6, 7, 8, 9, 10, 13, 15, 16, 17]) (vs[k] as DuckDBDecimal128Vector).setItem(i, new DuckDBDecimalValue(pool[(r + k) & 4095]!, 38, 10));
    for (const k of [11, 14]) (vs[k] as DuckDBDecimal128Vector).setItem(i, new DuckDBDecimalValue(pool20[(r + k) & 4095]!, 38, 20));
    (vs[12] as DuckDBDoubleVector).setItem(i, r & 1023);
    (vs[18] as DuckDBDoubleVector).setItem(i, r * 7);
    (vs[19] as DuckDBDoubleVector).setItem(i, r * 7 + 6);
    (vs[20] as DuckDBIntegerVector).setItem(i, 0);
    (vs[21] as DuckDBDoubleVector).setItem(i, r);
  }
  for (const v of vs) v.flush();
  app.appendDataChunk(chunk);
  tAppend += performance.now() - ta;
}
app.flushSync();
const t1 = performance.now();
console.log('append ms', (t1 - t0).toFixed(0), 'rows/s', (N / ((t1 - t0) / 1000)).toFixed(0));
const sel = `SELECT (['BINANCE'])[ex+1] AS exchange, (['S0','S1','S2','S3','S4','S5','S6','S7','S8','S9'])[sym+1] AS symbol, (['P0','P1','P2','P3','P4','P5','P6','P7','P8','P9'])[pair+1] AS pair,
 epoch_ms(CAST(open_ms AS BIGINT))::TIMESTAMPTZ AS open_time, epoch_ms(CAST(close_ms AS BIGINT))::TIMESTAMPTZ AS close_time, open, high, low, close, volume, quote_volume, CAST(trade_count AS BIGINT) AS trade_count,
 tbv AS taker_buy_volume, tbqv AS taker_buy_quote_volume, vwap, pc AS price_change, pcp AS price_change_percent, CAST(ftid AS BIGINT) AS first_trade_id, CAST(ltid AS BIGINT) AS last_trade_id,
 'candles.1m' AS kafka_topic, tp AS kafka_partition, CAST(off AS BIGINT) AS kafka_offset,
 (['1m'])[iv+1] AS interval, CAST(epoch_ms(CAST(open_ms AS BIGINT)) AS DATE) AS date FROM s`;
await c.run(`COPY (${sel} ORDER BY exchange, symbol, open_time) TO '${dir}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
const t2 = performance.now();
console.log('copy ms', (t2 - t1).toFixed(0), 'total rows/s', (N / ((t2 - t0) / 1000)).toFixed(0));
await c.run(`COPY (${sel}) TO '${dir}-noorder' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
const t3 = performance.now();
console.log('copy-noorder ms', (t3 - t2).toFixed(0));
const t4 = performance.now();
await c.run(`COPY (SELECT * FROM read_parquet('${dir}/*/*/*.parquet', hive_partitioning=true)) TO '${dir}-plain' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
console.log('plain duckdb rewrite ms', (performance.now() - t4).toFixed(0));
