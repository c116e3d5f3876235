import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('/tmp/proto/out2/*/*/*.parquet', hive_partitioning=true)`);
async function time(label: string, sql: string) {
  rmSync('/tmp/proto/o3', { recursive: true, force: true });
  const t = performance.now(); await c.run(sql); console.log(label, (performance.now() - t).toFixed(0), 'ms');
}
await time('zstd part', `COPY t TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
await time('zstd part lvl1', `COPY t TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, PARTITION_BY (interval, date))`);
await time('snappy part', `COPY t TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (interval, date))`);
await time('uncompressed part', `COPY t TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION uncompressed, PARTITION_BY (interval, date))`);
await time('zstd single', `COPY t TO '/tmp/proto/o3.parquet' (FORMAT parquet, COMPRESSION zstd)`);
await time('zstd single v2', `COPY t TO '/tmp/proto/o3.parquet' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)`);
await time('zstd part no-decimal', `COPY (SELECT * EXCLUDE (open,high,low,close,volume,quote_volume,taker_buy_volume,taker_buy_quote_volume,vwap,price_change,price_change_percent) FROM t) TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
await time('zstd part ordered', `COPY (SELECT * FROM t ORDER BY exchange, symbol, open_time) TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
await c.run('SET threads=1');
await time('zstd part 1 thread', `COPY t TO '/tmp/proto/o3' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
