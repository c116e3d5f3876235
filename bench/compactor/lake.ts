/**
 * Lake writer and query bench over a year of 1m candles for 10 symbols (5,270,400 rows), fed directly
 * into the compactor's LakeWriter (the code path `compactor run` uses after decoding; no Kafka here,
 * see kafka-to-lake.ts for that path). Baselines measured in the same run on the same machine:
 *   - write: plain DuckDB writing the same rows from an in-memory table into daily partitions;
 *   - query: plain DuckDB `read_parquet('<lake>/candles/*\/*\/*.parquet', hive_partitioning)` over the
 *     same files, against the compactor's views (`compactor query`).
 *
 *   node --conditions=source --import tsx bench/compactor/lake.ts [--days 366] [--batch 100000] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Candle } from '@candlestream/market';
import { LakeQuery, LakeWriter, mergeLake, SYNTHETIC_SYMBOLS, SyntheticCandles, type PersistResult } from '@candlestream/compactor';

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '366' },
    batch: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '4' },
    reps: { type: 'string', default: '7' },
    keep: { type: 'boolean', default: false },
  },
});
const DAYS = Number(args.days);
const BATCH = Number(args.batch);
const PARTITIONS = Number(args.partitions);
const REPS = Number(args.reps);
const START = Date.UTC(2024, 0, 1);
const MINUTES = DAYS * 1440;
const ROWS = MINUTES * SYNTHETIC_SYMBOLS.length;

const dir = mkdtempSync(join(tmpdir(), 'compactor-bench-'));
const lakeDir = join(dir, 'lake');
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const out: string[][] = [];
const row = (...cells: string[]): void => {
  out.push(cells);
};

/**
 * Candle values come from a pool of 2,000 generated candles per symbol, re-stamped in place with each
 * row's minute (the writer copies what it reads), so the bench measures the writer, not the generator.
 * Decoded Kafka records would be fresh objects each time; kafka-to-lake.ts measures that path.
 */
const gen = new SyntheticCandles(42);
const POOL = 2000;
const pool: Candle[][] = SYNTHETIC_SYMBOLS.map((s) => [...gen.series([s], START, POOL)]);

async function writeLake(target: string): Promise<{ seconds: number; files: number; bytes: number }> {
  const writer = await LakeWriter.open({ lakeDir: target, instanceId: 'bench' });
  writer.recover();
  const offsets = new Array<number>(PARTITIONS).fill(0);
  let files = 0;
  let bytes = 0;
  const done = (r: PersistResult): void => {
    files += r.files.length;
    bytes += r.bytes;
  };
  const t0 = performance.now();
  let batch = await writer.newBatch();
  let inflight: Promise<void> = Promise.resolve();
  for (let m = 0; m < MINUTES; m++) {
    const openTime = START + m * 60_000;
    for (let s = 0; s < SYNTHETIC_SYMBOLS.length; s++) {
      const c = pool[s]![m % POOL]!;
      c.openTime = openTime;
      c.closeTime = openTime + 59_999;
      const p = s % PARTITIONS;
      batch.add(c, 'candles.1m', p, offsets[p]!++);
    }
    if (batch.rows >= BATCH) {
      const b = batch;
      inflight = writer.persist(b).then(done);
      batch = await writer.newBatch();
    }
  }
  await inflight;
  done(await writer.persist(batch));
  const seconds = (performance.now() - t0) / 1000;
  await writer.close();
  return { seconds, files, bytes };
}

/** DuckDB alone: the same rows, already in an in-memory table, written into daily partitions. */
async function plainDuckDbWrite(): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${lakeDir}/candles/*/*/*.parquet', hive_partitioning = true)`);
  const target = join(dir, 'plain-write');
  const t0 = performance.now();
  await c.run(`COPY t TO '${target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (interval, date))`);
  const seconds = (performance.now() - t0) / 1000;
  c.closeSync();
  db.closeSync();
  rmSync(target, { recursive: true, force: true });
  return seconds;
}

const QUERIES: Record<string, string> = {
  'count per symbol': `SELECT symbol, count(*) AS n FROM {1m} GROUP BY symbol ORDER BY symbol`,
  'daily VWAP per symbol': `SELECT symbol, date, sum(quote_volume) / sum(volume) AS vwap FROM {1m} GROUP BY symbol, date ORDER BY symbol, date`,
  'biggest 5-minute moves': `SELECT symbol, open_time, close / lag(close, 5) OVER (PARTITION BY symbol ORDER BY open_time) - 1 AS move
     FROM {1m} QUALIFY move IS NOT NULL ORDER BY abs(move) DESC LIMIT 10`,
  'one symbol, one week': `SELECT open_time, open, high, low, close, volume FROM {1m}
     WHERE symbol = 'ETHUSDT' AND date BETWEEN DATE '2024-06-01' AND DATE '2024-06-07' ORDER BY open_time`,
  'monthly OHLC (exact decimals)': `SELECT symbol, date_trunc('month', open_time) AS month, arg_min(open, open_time) AS open, max(high) AS high,
     min(low) AS low, arg_max(close, open_time) AS close, sum(volume) AS volume, sum(quote_volume) AS quote_volume
     FROM {1m} GROUP BY ALL ORDER BY ALL`,
};

/**
 * Latency of the same query through the views and through plain DuckDB, run alternately (A B A B ...)
 * after one warm-up each, so that load from elsewhere on a shared machine hits both sides alike.
 * Returns [min, median] per side; the ratio uses the minimums (least disturbed by other processes).
 */
async function timePair(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[[number, number], [number, number]]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < REPS; i++) {
    for (const [fn, out] of [[a, ta], [b, tb]] as const) {
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
  }
  const stats = (xs: number[]): [number, number] => {
    xs.sort((x, y) => x - y);
    return [xs[0]!, xs[Math.floor(xs.length / 2)]!];
  };
  return [stats(ta), stats(tb)];
}

async function queryBench(label: string): Promise<void> {
  const tOpen = performance.now();
  const lake = await LakeQuery.open(lakeDir);
  const openMs = performance.now() - tOpen;
  const db = await DuckDBInstance.create(':memory:');
  const plain = await db.connect();
  await plain.run(`SET TimeZone = 'UTC'`);
  const glob = `read_parquet('${lakeDir}/candles/interval=1m/*/*.parquet', hive_partitioning = true)`;
  const [[count, distinct]] = (await lake.run('SELECT count(*), count(DISTINCT (kafka_partition, kafka_offset)) FROM candles_1m')).getRows() as [[bigint, bigint]];
  if (Number(count) !== ROWS || Number(distinct) !== ROWS) throw new Error(`lake holds ${count} rows (${distinct} distinct offsets), expected ${ROWS}`);
  row(`query (${label}): open lake + views`, `${lake.snapshot.live.length} files`, fmt(openMs, 1) + ' ms', '', '');
  for (const [name, q] of Object.entries(QUERIES)) {
    const [[viewsMin, viewsMedian], [plainMin, plainMedian]] = await timePair(
      () => lake.run(q.replaceAll('{1m}', 'candles_1m')),
      () => plain.runAndReadAll(q.replaceAll('{1m}', glob)),
    );
    row(
      `query (${label}): ${name}`,
      `medians ${fmt(viewsMedian, 1)} / ${fmt(plainMedian, 1)} ms`,
      fmt(viewsMin, 1) + ' ms',
      fmt(plainMin, 1) + ' ms',
      fmt(viewsMin / plainMin, 2) + 'x',
    );
  }
  lake.close();
  plain.closeSync();
  db.closeSync();
}

try {
  // Each side twice, alternating, best of two: the machine is shared and load comes and goes.
  const w = await writeLake(lakeDir);
  let plainSeconds = await plainDuckDbWrite();
  const again = join(dir, 'lake-again');
  const w2 = await writeLake(again);
  rmSync(again, { recursive: true, force: true });
  w.seconds = Math.min(w.seconds, w2.seconds);
  plainSeconds = Math.min(plainSeconds, await plainDuckDbWrite());
  row('measure', 'detail', 'compactor', 'plain DuckDB', 'ratio');
  row('write rows/s (LakeWriter, fed directly)', `${fmt(ROWS)} rows, ${w.files} files, ${fmt(w.bytes / 2 ** 20, 1)} MiB`, fmt(ROWS / w.seconds), fmt(ROWS / plainSeconds), fmt(ROWS / w.seconds / (ROWS / plainSeconds), 2) + 'x');
  await queryBench('small files');
  const tm = performance.now();
  const merged = await mergeLake({ lakeDir, includeToday: true });
  const mergeSeconds = (performance.now() - tm) / 1000;
  row('merge (one file per day)', `${merged.length} days, ${merged.reduce((a, m) => a + m.inputs, 0)} files in`, fmt(ROWS / mergeSeconds) + ' rows/s', '', '');
  await queryBench('merged');

  const widths = out[0]!.map((_, i) => Math.max(...out.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(out[0]!));
  console.log(`| ${widths.map((w2, i) => (i === 0 ? '-'.repeat(w2) : '-'.repeat(w2 - 1) + ':')).join(' | ')} |`);
  for (const r of out.slice(1)) console.log(line(r));
  console.log(`\n${fmt(ROWS)} rows = ${DAYS} days x 1440 minutes x ${SYNTHETIC_SYMBOLS.length} symbols over ${PARTITIONS} Kafka partitions; batches of ${fmt(BATCH)} rows; writes are the best of two alternating runs per side; query times are the fastest of ${REPS} runs (views and plain DuckDB alternating, after one warm-up each; medians in the detail column).`);
} finally {
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`lake kept in ${lakeDir}`);
}
