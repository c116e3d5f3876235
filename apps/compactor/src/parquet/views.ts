import { quotedIdentifier, quotedString, type DuckDBConnection } from '@duckdb/node-api';
import { CANDLE_INTERVALS } from '@candlestream/pipeline';
import type { LakeFile, LakeSnapshot } from './catalog.js';
import { emptyCandlesSql, VIEW_COLUMNS } from './candle-schema.js';
import { encodeCoverage } from './coverage.js';

/** Parquet reading options shared by the views and the plain-DuckDB baseline of the bench. */
export const HIVE_OPTIONS = `hive_partitioning = true, hive_types = {'interval': VARCHAR, 'date': DATE}`;

export function readParquetSql(files: readonly LakeFile[]): string {
  if (files.length === 0) return `(${emptyCandlesSql()})`;
  const list = `[${files.map((f) => quotedString(f.path)).join(', ')}]`;
  return `(SELECT ${VIEW_COLUMNS.join(', ')} FROM read_parquet(${list}, ${HIVE_OPTIONS}))`;
}

export const intervalViewName = (interval: string): string => `candles_${interval}`;

/**
 * Views over the live files of a snapshot: `candles` (every interval), `candles_<interval>` for each
 * interval in the lake plus the pipeline's own (1m, 5m) even when empty, and `lake_files` (one row
 * per file, live or superseded, with its offset coverage). The file list is fixed when the views are
 * made: a query sees one consistent state of the lake even if a merge or a flush lands meanwhile.
 */
export async function createCandleViews(conn: DuckDBConnection, snap: LakeSnapshot): Promise<string[]> {
  const views: string[] = [];
  await conn.run(`CREATE OR REPLACE TEMP VIEW candles AS SELECT * FROM ${readParquetSql(snap.live)}`);
  views.push('candles');
  const intervals = [...new Set([...CANDLE_INTERVALS, ...snap.intervals()])].sort();
  for (const interval of intervals) {
    const name = intervalViewName(interval);
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${quotedIdentifier(name)} AS SELECT * FROM ${readParquetSql(snap.liveIn({ interval }))}`);
    views.push(name);
  }
  const live = new Set(snap.live);
  const rows = snap.files.map(
    (f) =>
      `(${[f.interval, f.date, f.name, f.kind].map(quotedString).join(', ')}, ${live.has(f) ? 'true' : 'false'}, ${f.bytes}, ${quotedString(encodeCoverage(f.coverage))}, ${quotedString(f.path)})`,
  );
  const filesSql =
    rows.length === 0
      ? `SELECT NULL::VARCHAR AS interval, NULL::DATE AS date, NULL::VARCHAR AS name, NULL::VARCHAR AS kind, NULL::BOOLEAN AS live, NULL::BIGINT AS bytes, NULL::VARCHAR AS coverage, NULL::VARCHAR AS path WHERE false`
      : `SELECT interval, CAST(date AS DATE) AS date, name, kind, live, bytes, coverage, path FROM (VALUES ${rows.join(', ')}) AS t(interval, date, name, kind, live, bytes, coverage, path)`;
  await conn.run(`CREATE OR REPLACE TEMP VIEW lake_files AS ${filesSql}`);
  views.push('lake_files');
  return views;
}
