import { join } from 'node:path';
import { quotedString, type DuckDBConnection } from '@duckdb/node-api';
import { COVERAGE_KEY, coverageOf, decodeCoverage, resolveLive, type Coverage } from './coverage.js';
import { LakeStateError } from './errors.js';
import { listDir, fileSize } from './fs-util.js';
import { DATASET, PARQUET_EXT, parseLakeFileName, parsePartitionDir, tpKey } from './layout.js';

export interface LakeFile {
  interval: string;
  date: string;
  /** `interval=<i>/date=<d>` relative to the dataset root. */
  dir: string;
  name: string;
  path: string;
  kind: 'batch' | 'merged';
  coverage: Coverage;
  bytes: number;
}

/**
 * Reads merged files' coverage from their Parquet footers. Lake files are immutable under their
 * names (a name is derived from the content's offsets), so a coverage read once stays true.
 */
export class CoverageReader {
  private readonly cache = new Map<string, Coverage>();

  constructor(private readonly conn: DuckDBConnection) {}

  async read(paths: readonly string[]): Promise<Map<string, Coverage>> {
    const missing = paths.filter((p) => !this.cache.has(p));
    if (missing.length > 0) {
      const list = `[${missing.map(quotedString).join(', ')}]`;
      const res = await this.conn.runAndReadAll(
        `SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${list}) WHERE decode(key) = ${quotedString(COVERAGE_KEY)}`,
      );
      for (const [file, , value] of res.getRows()) this.cache.set(String(file), decodeCoverage(String(value)));
    }
    const out = new Map<string, Coverage>();
    for (const p of paths) {
      const c = this.cache.get(p);
      if (!c) throw new LakeStateError(`merged file ${p} has no ${COVERAGE_KEY} footer entry: it was not written by the compactor`);
      out.set(p, c);
    }
    return out;
  }
}

/** The lake's files at one instant, with the live/superseded split applied per directory. */
export class LakeSnapshot {
  constructor(
    readonly root: string,
    readonly files: readonly LakeFile[],
    readonly live: readonly LakeFile[],
    readonly superseded: readonly LakeFile[],
  ) {}

  liveIn(filter: { interval?: string; dir?: string } = {}): LakeFile[] {
    return this.live.filter((f) => (!filter.interval || f.interval === filter.interval) && (!filter.dir || f.dir === filter.dir));
  }

  intervals(): string[] {
    return [...new Set(this.files.map((f) => f.interval))].sort();
  }

  dirs(): string[] {
    return [...new Set(this.files.map((f) => f.dir))].sort();
  }

  /**
   * Per partition, the offset after the last one the lake holds: where consumption resumes. Every
   * offset below it is in the lake (or was dead-lettered), because batches complete in offset order.
   */
  nextOffsets(): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of this.files) {
      for (const r of f.coverage.values()) {
        const k = tpKey(r.topic, r.partition);
        out.set(k, Math.max(out.get(k) ?? 0, r.last + 1));
      }
    }
    return out;
  }
}

/** The dataset directory inside a lake directory. */
export const datasetRoot = (lakeDir: string): string => join(lakeDir, DATASET);

/** Lists every `interval=*\/date=*\/*.parquet` file of the dataset and resolves what is live. */
export async function scanLake(lakeDir: string, coverage: CoverageReader): Promise<LakeSnapshot> {
  const root = datasetRoot(lakeDir);
  const files: LakeFile[] = [];
  const merged: LakeFile[] = [];
  for (const intervalDir of listDir(root)) {
    if (!intervalDir.startsWith('interval=')) continue;
    for (const dateDir of listDir(join(root, intervalDir))) {
      const part = parsePartitionDir(intervalDir, dateDir);
      if (!part) continue;
      const dir = `${intervalDir}/${dateDir}`;
      for (const name of listDir(join(root, dir))) {
        if (!name.endsWith(PARQUET_EXT)) continue;
        const parsed = parseLakeFileName(name);
        if (!parsed) continue;
        const path = join(root, dir, name);
        const f: LakeFile = {
          ...part,
          dir,
          name,
          path,
          kind: parsed.kind,
          coverage: parsed.kind === 'batch' ? coverageOf([parsed.range]) : new Map(),
          bytes: safeSize(path),
        };
        files.push(f);
        if (parsed.kind === 'merged') merged.push(f);
      }
    }
  }
  if (merged.length > 0) {
    const covs = await coverage.read(merged.map((f) => f.path));
    for (const f of merged) f.coverage = covs.get(f.path)!;
  }
  const live: LakeFile[] = [];
  const superseded: LakeFile[] = [];
  const byDir = new Map<string, LakeFile[]>();
  for (const f of files) byDir.set(f.dir, [...(byDir.get(f.dir) ?? []), f]);
  for (const group of byDir.values()) {
    const r = resolveLive(group);
    live.push(...r.live);
    superseded.push(...r.superseded);
  }
  const order = (a: LakeFile, b: LakeFile): number => a.dir.localeCompare(b.dir) || a.name.localeCompare(b.name);
  return new LakeSnapshot(root, files.sort(order), live.sort(order), superseded.sort(order));
}

function safeSize(path: string): number {
  try {
    return fileSize(path);
  } catch {
    return 0;
  }
}
