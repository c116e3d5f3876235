import { tpKey, type OffsetRange } from './layout.js';

/**
 * What a lake file holds, as Kafka offset ranges: per (topic, partition), every record of that
 * partition with an offset in [first, last] whose candle falls in the file's directory (interval and
 * UTC day). A batch file covers one range (from its name); a merged file covers the union of its
 * inputs' ranges, stored as JSON in its Parquet footer.
 *
 * Why ranges are enough: the compactor writes each partition's batches in offset order, one at a time,
 * and finishes (rolls forward) a batch before it writes the next, so when a merge lists a directory
 * every file of partition p with offsets inside [min first, max last] of the listed p-files is in the
 * listing. A file whose ranges all lie inside another file's ranges is therefore a subset of it.
 */
export type Coverage = ReadonlyMap<string, OffsetRange>;

export const COVERAGE_KEY = 'candlestream.coverage';

export function coverageOf(ranges: Iterable<OffsetRange>): Coverage {
  const out = new Map<string, OffsetRange>();
  for (const r of ranges) {
    const k = tpKey(r.topic, r.partition);
    const prev = out.get(k);
    out.set(k, prev ? { ...prev, first: Math.min(prev.first, r.first), last: Math.max(prev.last, r.last) } : { ...r });
  }
  return out;
}

/** True when every range of `inner` lies within the range of the same partition in `outer`. */
export function covers(outer: Coverage, inner: Coverage): boolean {
  if (inner.size === 0) return false;
  for (const [k, r] of inner) {
    const o = outer.get(k);
    if (!o || o.first > r.first || o.last < r.last) return false;
  }
  return true;
}

export function sameCoverage(a: Coverage, b: Coverage): boolean {
  return a.size === b.size && covers(a, b) && covers(b, a);
}

export function encodeCoverage(c: Coverage): string {
  const list = [...c.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return JSON.stringify(list.map((r) => [r.topic, r.partition, r.first, r.last]));
}

export function decodeCoverage(text: string): Coverage {
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw new TypeError('coverage is not a JSON array');
  return coverageOf(
    raw.map((e: unknown) => {
      if (!Array.isArray(e) || e.length !== 4 || typeof e[0] !== 'string' || !e.slice(1).every(Number.isSafeInteger)) {
        throw new TypeError(`bad coverage entry ${JSON.stringify(e)}`);
      }
      return { topic: e[0], partition: e[1] as number, first: e[2] as number, last: e[3] as number };
    }),
  );
}

export interface Covered {
  name: string;
  coverage: Coverage;
}

/**
 * Splits one directory's files into the live ones (what queries read) and the superseded ones (inputs
 * of a merge whose output is in place; garbage until the next merge deletes them). A file is
 * superseded when another file covers it; of two files with equal coverage the smaller name stays.
 * This rule is what makes a merge atomic for readers: the merged file's rename hides its inputs in
 * the same instant it appears, whether or not they have been deleted yet.
 */
export function resolveLive<T extends Covered>(files: readonly T[]): { live: T[]; superseded: T[] } {
  // Only a file covering several ranges (a merged file) can contain another: batch files of one
  // partition never overlap, so compare each file only against the multi-range or merged candidates.
  const candidates = files.filter((f) => f.coverage.size > 1 || f.name.startsWith('merged~'));
  const live: T[] = [];
  const superseded: T[] = [];
  for (const f of files) {
    const hidden = candidates.some(
      (g) => g !== f && covers(g.coverage, f.coverage) && (!sameCoverage(g.coverage, f.coverage) || g.name < f.name),
    );
    (hidden ? superseded : live).push(f);
  }
  return { live, superseded };
}
