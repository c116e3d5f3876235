import { describe, expect, it } from 'vitest';
import { coverageOf, covers, decodeCoverage, encodeCoverage, resolveLive, type Covered } from './coverage.js';
import { batchFileName, mergedFileName, parseJournalFileName, parseLakeFileName, partitionDir, type OffsetRange } from './layout.js';

const r = (topic: string, partition: number, first: number, last: number): OffsetRange => ({ topic, partition, first, last });
const batch = (range: OffsetRange): Covered => ({ name: batchFileName(range), coverage: coverageOf([range]) });
const merged = (inputs: Covered[]): Covered => ({
  name: mergedFileName(inputs.map((f) => f.name)),
  coverage: coverageOf(inputs.flatMap((f) => [...f.coverage.values()])),
});

describe('lake file names', () => {
  it('encode (topic, partition, first, last) and parse back', () => {
    const name = batchFileName(r('candles.1m', 3, 0, 12_345));
    expect(name).toBe('candles.1m~3~0000000000000000000~0000000000000012345.parquet');
    expect(parseLakeFileName(name)).toEqual({ kind: 'batch', range: r('candles.1m', 3, 0, 12_345) });
    expect(parseJournalFileName(name.replace('.parquet', '.json'))).toEqual(r('candles.1m', 3, 0, 12_345));
  });

  it('sort in offset order within a partition', () => {
    const names = [r('t', 0, 900, 999), r('t', 0, 1000, 10_999), r('t', 0, 0, 899)].map(batchFileName);
    expect([...names].sort()).toEqual([names[2], names[0], names[1]]);
  });

  it('name a merge after its inputs, whatever their order', () => {
    expect(mergedFileName(['b', 'a'])).toBe(mergedFileName(['a', 'b']));
    expect(mergedFileName(['a', 'b'])).not.toBe(mergedFileName(['a', 'b', 'c']));
    expect(parseLakeFileName(mergedFileName(['a']))?.kind).toBe('merged');
  });

  it('refuse what cannot be a lake file or directory', () => {
    for (const bad of ['x.parquet', 'merged~xyz.parquet', 't~0~1~2.parquet', 'candles.1m~0~0000000000000000009~0000000000000000001.parquet']) {
      expect(parseLakeFileName(bad)).toBeNull();
    }
    expect(() => batchFileName(r('bad/topic', 0, 0, 1))).toThrow(RangeError);
    expect(() => partitionDir('1m/../..', '2024-01-01')).toThrow(RangeError);
    expect(partitionDir('5m', '2024-02-29')).toBe('interval=5m/date=2024-02-29');
  });
});

describe('coverage', () => {
  it('round-trips through the footer encoding', () => {
    const c = coverageOf([r('a', 1, 5, 9), r('a', 0, 0, 4), r('a', 1, 10, 20)]);
    expect([...decodeCoverage(encodeCoverage(c)).values()]).toEqual([r('a', 0, 0, 4), r('a', 1, 5, 20)]);
  });

  it('contains a file only when every partition range is inside', () => {
    const outer = coverageOf([r('a', 0, 0, 99), r('a', 1, 0, 49)]);
    expect(covers(outer, coverageOf([r('a', 0, 10, 20)]))).toBe(true);
    expect(covers(outer, coverageOf([r('a', 1, 40, 50)]))).toBe(false);
    expect(covers(outer, coverageOf([r('a', 2, 0, 1)]))).toBe(false);
  });
});

describe('resolveLive: what readers see during and after a merge', () => {
  const a = batch(r('t', 0, 0, 99));
  const b = batch(r('t', 0, 100, 199));
  const c = batch(r('t', 1, 0, 49));
  const m = merged([a, b, c]);

  it('before the merged file appears: all inputs', () => {
    expect(resolveLive([a, b, c]).live).toEqual([a, b, c]);
  });

  it('merged file and not-yet-deleted inputs: only the merged file', () => {
    const { live, superseded } = resolveLive([a, b, c, m]);
    expect(live).toEqual([m]);
    expect(superseded).toEqual([a, b, c]);
  });

  it('inputs partly deleted: still only the merged file', () => {
    expect(resolveLive([b, m]).live).toEqual([m]);
  });

  it('a batch written after the merge listed the directory stays live beside it', () => {
    const late = batch(r('t', 0, 200, 299));
    expect(resolveLive([m, late]).live).toEqual([m, late]);
  });

  it('a re-merge supersedes the earlier merged file; equal coverage keeps one', () => {
    const late = batch(r('t', 0, 200, 299));
    const m2 = merged([m, late]);
    expect(resolveLive([a, m, late, m2]).live).toEqual([m2]);
    const twin = { ...m, name: 'merged~ffffffffffffffff.parquet' };
    expect(resolveLive([m, twin]).live).toEqual([m]);
  });
});
