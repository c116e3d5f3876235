import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { quotedString } from '@duckdb/node-api';
import type { Logger } from '@candlestream/metrics';
import { noCrash, type CrashHook } from '../testing/crash-points.js';
import { CoverageReader, datasetRoot, scanLake, type LakeFile } from './catalog.js';
import { FILE_COLUMNS, SORT_KEY } from './candle-schema.js';
import { COVERAGE_KEY, coverageOf, encodeCoverage } from './coverage.js';
import { connectUtc, openDuckDB } from './duckdb.js';
import { MergeLockedError } from './errors.js';
import { ensureDir, fileSize, fsyncPath, listDir, removeFile } from './fs-util.js';
import { LOCK_DIR, mergedFileName, TMP_EXT } from './layout.js';

export interface MergeOptions {
  lakeDir: string;
  /** Only these intervals (default: all). */
  intervals?: string[];
  /** Only these days (YYYY-MM-DD). Default: every day before today (UTC), whose files are final. */
  dates?: string[];
  includeToday?: boolean;
  /** Merge a directory only when it has at least this many live files (default 2). */
  minFiles?: number;
  rowGroupSize?: number;
  fsync?: boolean;
  now?: () => number;
  crash?: CrashHook;
  log?: Logger;
}

export interface MergedDir {
  dir: string;
  inputs: number;
  rows: number;
  bytes: number;
  file: string;
  /** Superseded files of earlier, interrupted merges deleted on the way. */
  garbage: number;
}

/**
 * Rewrites each selected day's live files into one file per partition directory.
 *
 *   1. delete what earlier merges left (superseded inputs, temp files);
 *   2. write the union of the live files, sorted, to `merged~<hash>.parquet.tmp` with the union of
 *      their offset coverage in the footer, and sync it;
 *   3. rename it to `merged~<hash>.parquet`: the commit point. From this instant the catalog's
 *      coverage rule hides every input (see resolveLive), so readers see the merged file instead of
 *      the inputs, never both and never neither;
 *   4. delete the inputs.
 *
 * Idempotent: a directory with one live file is left alone, and a retry after a crash before 3 has the
 * same inputs and so writes the same name. Safe next to a running `compactor run`: files it adds after
 * step 1 have offsets beyond the merged coverage and stay live.
 */
export async function mergeLake(opts: MergeOptions): Promise<MergedDir[]> {
  const crash = opts.crash ?? noCrash;
  const fsync = opts.fsync ?? true;
  const root = datasetRoot(opts.lakeDir);
  const unlock = lock(join(root, LOCK_DIR), 'merge');
  const instance = await openDuckDB();
  const conn = await connectUtc(instance);
  try {
    const snap = await scanLake(opts.lakeDir, new CoverageReader(conn));
    const today = new Date((opts.now ?? Date.now)()).toISOString().slice(0, 10);
    const wanted = (f: LakeFile): boolean =>
      (!opts.intervals || opts.intervals.includes(f.interval)) &&
      (opts.dates ? opts.dates.includes(f.date) : opts.includeToday || f.date < today);
    const out: MergedDir[] = [];
    for (const dir of snap.dirs()) {
      const all = snap.files.filter((f) => f.dir === dir);
      if (!all.some(wanted)) continue;
      const garbage = snap.superseded.filter((f) => f.dir === dir);
      for (const f of garbage) removeFile(f.path);
      for (const name of listDir(join(root, dir))) if (name.endsWith(TMP_EXT)) removeFile(join(root, dir, name));
      const live = snap.liveIn({ dir });
      if (live.length < Math.max(2, opts.minFiles ?? 2)) {
        if (garbage.length > 0) out.push({ dir, inputs: 0, rows: 0, bytes: 0, file: live[0]?.name ?? '', garbage: garbage.length });
        continue;
      }
      const name = mergedFileName(live.map((f) => f.name));
      const finalPath = join(root, dir, name);
      const tmpPath = finalPath + TMP_EXT;
      const coverage = encodeCoverage(coverageOf(live.flatMap((f) => [...f.coverage.values()])));
      const files = `[${live.map((f) => quotedString(f.path)).join(', ')}]`;
      const res = await conn.runAndReadAll(
        `COPY (SELECT ${FILE_COLUMNS.map((c) => c.name).join(', ')} FROM read_parquet(${files}) ORDER BY ${SORT_KEY})
         TO ${quotedString(tmpPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${opts.rowGroupSize ?? 122_880},
         KV_METADATA {${quotedString(COVERAGE_KEY)}: ${quotedString(coverage)}})`,
      );
      const rows = Number(res.getRows()[0]?.[0] ?? 0);
      if (fsync) fsyncPath(tmpPath);
      await crash('merge-after-write');
      renameSync(tmpPath, finalPath);
      if (fsync) fsyncPath(join(root, dir));
      await crash('merge-after-rename');
      let deleted = 0;
      for (const f of live) {
        removeFile(f.path);
        if (++deleted === 1) await crash('merge-mid-delete');
      }
      if (fsync) fsyncPath(join(root, dir));
      const bytes = fileSize(finalPath);
      opts.log?.info('merged', { dir, inputs: live.length, rows, bytes, file: name });
      out.push({ dir, inputs: live.length, rows, bytes, file: name, garbage: garbage.length });
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
    unlock();
  }
}

/**
 * An exclusive lock file holding the owner's pid. Two merges of one directory at once would not
 * corrupt the lake (the coverage rule resolves it) but would waste the work; a lock left by a dead
 * process is taken over.
 */
function lock(dir: string, name: string): () => void {
  ensureDir(dir);
  const path = join(dir, `${name}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => removeFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readFileSync(path, 'utf8').trim();
      if (isAlive(Number(holder))) throw new MergeLockedError(path, `pid ${holder}`);
      removeFile(path);
    }
  }
  throw new MergeLockedError(path, 'a process that keeps re-taking it');
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
