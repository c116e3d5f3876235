import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync, mkdirSync } from 'node:fs';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('/tmp/proto/out2/*/*/*.parquet', hive_partitioning=true) ORDER BY kafka_offset`);
const B = Number(process.argv[2] ?? 100000);
for (const mode of ['partition', 'perdate', 'partition', 'perdate']) {
  rmSync('/tmp/proto/o4', { recursive: true, force: true }); mkdirSync('/tmp/proto/o4');
  const t = performance.now();
  for (let off = 0; off < 1_000_000; off += B) {
    await c.run(`CREATE OR REPLACE TABLE b AS SELECT * FROM t WHERE kafka_offset >= ${off} AND kafka_offset < ${off + B}`);
    if (mode === 'partition') {
      await c.run(`COPY (SELECT * FROM b ORDER BY symbol, open_time) TO '/tmp/proto/o4/${off}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
    } else {
      const dates = (await c.runAndReadAll(`SELECT DISTINCT interval, date::VARCHAR FROM b`)).getRows();
      for (const [iv, d] of dates) {
        await c.run(`COPY (SELECT * EXCLUDE (interval, date) FROM b WHERE interval='${iv}' AND date='${d}' ORDER BY symbol, open_time) TO '/tmp/proto/o4/${off}-${iv}-${d}.parquet' (FORMAT parquet, COMPRESSION zstd)`);
      }
    }
  }
  console.log(mode, B, (performance.now() - t).toFixed(0), 'ms');
}
