import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal, type Candle } from '@candlestream/market';
import { SimulatedCrash, throwingHook, type CrashPoint } from '../testing/crash-points.js';
import { candleFingerprint, FINGERPRINT_SQL, SyntheticCandles } from '../testing/synthetic-candles.js';
import { scanLake } from './catalog.js';
import { RowRejectedError } from './errors.js';
import { LakeQuery } from './lake-query.js';
import { LakeWriter } from './lake-writer.js';
import { mergeLake } from './merge.js';

let dir: string;
let lakeDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compactor-unit-'));
  lakeDir = join(dir, 'lake');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const START = Date.UTC(2024, 2, 9, 23, 50); // ten minutes before a day boundary
const gen = new SyntheticCandles(5);
const series = (n: number, symbols = ['BTCUSDT', 'ETHUSDT'], fromMinute = 0): Candle[] => [...gen.series(symbols, START + fromMinute * 60_000, n)];

/** Writes candles as one batch; partition = symbol index, offsets consecutive per partition from `from`. */
async function write(w: LakeWriter, candles: readonly Candle[], from = 0, topic = 'candles.1m'): Promise<void> {
  const b = await w.newBatch();
  const next = new Map<number, number>();
  for (const c of candles) {
    const p = c.symbol === 'BTCUSDT' ? 0 : 1;
    const o = next.get(p) ?? from;
    next.set(p, o + 1);
    b.add(c, topic, p, o);
  }
  await w.persist(b);
}

async function rows(sql: string): Promise<string[][]> {
  const q = await LakeQuery.open(lakeDir);
  try {
    return (await q.run(sql)).getRows().map((r) => r.map(String));
  } finally {
    q.close();
  }
}

const open = (crashAt?: CrashPoint, n = 1): Promise<LakeWriter> =>
  LakeWriter.open({ lakeDir, instanceId: 'unit', fsync: false, crash: crashAt ? throwingHook(crashAt, n) : undefined });

describe('LakeWriter', () => {
  it('keeps every decimal exact, up to DECIMAL(38,10) and DECIMAL(38,20) limits', async () => {
    const base = series(1)[0]!;
    const extreme: Candle = {
      ...base,
      // 28 integer digits at scale 10 and 18 at scale 20: the largest values the Avro schema allows.
      high: Decimal.parse('9999999999999999999999999999.9999999999'),
      low: Decimal.parse('-9999999999999999999999999999.9999999999'),
      quoteVolume: Decimal.parse('999999999999999999.99999999999999999999'),
      takerBuyQuoteVolume: Decimal.parse('-0.00000000000000000001'),
      priceChangePercent: Decimal.parse('-0.0000000001'),
      volume: Decimal.parse('0'),
      firstTradeId: Number.MAX_SAFE_INTEGER - 1,
      lastTradeId: Number.MAX_SAFE_INTEGER,
    };
    const w = await open();
    await write(w, [extreme, ...series(3)]);
    await w.close();
    const got = await rows(`SELECT ${FINGERPRINT_SQL} FROM candles ORDER BY kafka_partition, kafka_offset`);
    expect(got.map((r) => r[0])).toContain(candleFingerprint(extreme));
    const [[hi, qv, tbqv]] = (await rows(`SELECT high::VARCHAR, quote_volume::VARCHAR, taker_buy_quote_volume::VARCHAR FROM candles WHERE kafka_offset = 0 AND kafka_partition = 0`)) as [string[]];
    expect([hi, qv, tbqv]).toEqual(['9999999999999999999999999999.9999999999', '999999999999999999.99999999999999999999', '-0.00000000000000000001']);
    const types = await rows(`SELECT column_name, column_type FROM (DESCRIBE candles) WHERE column_name IN ('open', 'quote_volume', 'open_time', 'date', 'interval')`);
    expect(Object.fromEntries(types)).toEqual({
      interval: 'VARCHAR',
      date: 'DATE',
      open_time: 'TIMESTAMP WITH TIME ZONE',
      open: 'DECIMAL(38,10)',
      quote_volume: 'DECIMAL(38,20)',
    });
  });

  it('refuses, without a trace in the batch, candles it cannot store exactly', async () => {
    const w = await open();
    const b = await w.newBatch();
    const c = series(1)[0]!;
    const bad: [Partial<Candle>, string][] = [
      [{ open: Decimal.parse('1.00000000001') }, 'decimal-scale'],
      [{ high: Decimal.parse('1e28') }, 'decimal-overflow'],
      [{ quoteVolume: Decimal.parse('1e18') }, 'decimal-overflow'],
      [{ interval: '1m/../../etc' }, 'bad-interval'],
      [{ openTime: 1.5 }, 'bad-time'],
      [{ openTime: -60_000 }, 'bad-time'],
    ];
    for (const [patch, reason] of bad) {
      const err = (() => {
        try {
          b.add({ ...c, ...patch }, 'candles.1m', 0, 7);
        } catch (e) {
          return e as RowRejectedError;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(RowRejectedError);
      expect(err?.reason).toBe(reason);
    }
    expect(b.rows).toBe(0);
    expect(b.ranges()).toEqual([]);
    b.add(c, 'candles.1m', 0, 7);
    expect(() => b.add(c, 'candles.1m', 0, 7)).toThrow(RangeError);
    await w.persist(b);
    await w.close();
    expect(await rows('SELECT count(*) FROM candles')).toEqual([['1']]);
  });

  it('writes one file per (partition, interval, UTC day), named by the batch offset range', async () => {
    const w = await open();
    await write(w, series(20)); // 23:50..00:09 for two symbols in two partitions
    const b = await w.newBatch();
    b.extendRange('candles.1m', 0, 20); // a dead-lettered record ends partition 0's range
    b.add(series(1, ['ETHUSDT'], 20)[0]!, 'candles.1m', 1, 20);
    await w.persist(b);
    await w.close();
    const files = await rows('SELECT interval, date, name FROM lake_files ORDER BY ALL');
    expect(files).toEqual([
      ['1m', '2024-03-09', 'candles.1m~0~0000000000000000000~0000000000000000019.parquet'],
      ['1m', '2024-03-09', 'candles.1m~1~0000000000000000000~0000000000000000019.parquet'],
      ['1m', '2024-03-10', 'candles.1m~0~0000000000000000000~0000000000000000019.parquet'],
      ['1m', '2024-03-10', 'candles.1m~1~0000000000000000000~0000000000000000019.parquet'],
      ['1m', '2024-03-10', 'candles.1m~1~0000000000000000020~0000000000000000020.parquet'],
    ]);
    expect(await rows(`SELECT date, min(open_time), max(open_time), count(*) FROM candles GROUP BY date ORDER BY date`)).toEqual([
      ['2024-03-09', '2024-03-09 23:50:00+00', '2024-03-09 23:59:00+00', '20'],
      ['2024-03-10', '2024-03-10 00:00:00+00', '2024-03-10 00:10:00+00', '21'],
    ]);
    const w2 = await open();
    const snap = await scanLake(lakeDir, w2.coverage);
    expect(Object.fromEntries(snap.nextOffsets())).toEqual({ 'candles.1m~0': 20, 'candles.1m~1': 21 });
    await w2.close();
  });

  it('rewriting the same offset range lands on the same files', async () => {
    const candles = series(5);
    for (let i = 0; i < 2; i++) {
      const w = await open();
      await write(w, candles);
      await w.close();
    }
    expect(await rows('SELECT count(*), count(DISTINCT (kafka_partition, kafka_offset)) FROM candles')).toEqual([['10', '10']]);
    expect(await rows('SELECT count(*) FROM lake_files')).toEqual([['2']]);
  });

  describe.each(['after-stage', 'after-journal', 'mid-rename', 'after-rename'] as const)('crash %s, then restart', (point) => {
    it('leaves the batch entirely in the lake or entirely out of it', async () => {
      const first = series(5);
      const second = series(20, undefined, 5); // spans the day boundary: several files
      const w = await open(point, 2);
      await write(w, first);
      await expect(write(w, second, 5)).rejects.toBeInstanceOf(SimulatedCrash);
      await w.close().catch(() => undefined);

      const restarted = await open();
      const recovered = restarted.recover();
      const snap = await scanLake(lakeDir, restarted.coverage);
      const landed = point !== 'after-stage';
      expect(recovered.rolledForward).toBe(point === 'after-journal' || point === 'mid-rename' || point === 'after-rename' ? 2 : 0);
      expect(Object.fromEntries(snap.nextOffsets())).toEqual(landed ? { 'candles.1m~0': 25, 'candles.1m~1': 25 } : { 'candles.1m~0': 5, 'candles.1m~1': 5 });
      expect(readdirSync(join(lakeDir, 'candles', '_journal'))).toEqual([]);
      expect(existsSync(join(lakeDir, 'candles', '_staging', 'unit'))).toBe(false);
      await restarted.close();
      const expected = landed ? [...first, ...second] : first;
      const got = await rows(`SELECT ${FINGERPRINT_SQL} FROM candles`);
      expect(got.map((r) => r[0]).sort()).toEqual(expected.map(candleFingerprint).sort());
    });
  });
});

describe('merge', () => {
  async function smallFiles(): Promise<Candle[]> {
    const all: Candle[] = [];
    const w = await open();
    for (let i = 0; i < 4; i++) {
      const part = series(6, undefined, i * 6);
      await write(w, part, i * 6);
      all.push(...part);
    }
    await w.close();
    return all;
  }

  it('rewrites each day into one file, sorted, and is idempotent', async () => {
    const all = await smallFiles();
    const before = await rows('SELECT interval, date, count(*) FROM lake_files GROUP BY ALL ORDER BY ALL');
    expect(before.every((r) => Number(r[2]) > 1)).toBe(true);
    const report = await mergeLake({ lakeDir, includeToday: true, fsync: false });
    expect(report.map((m) => [m.dir, m.rows])).toEqual([
      ['interval=1m/date=2024-03-09', 20],
      ['interval=1m/date=2024-03-10', all.length - 20],
    ]);
    const after = await rows('SELECT date, kind, live FROM lake_files ORDER BY ALL');
    expect(after).toEqual([
      ['2024-03-09', 'merged', 'true'],
      ['2024-03-10', 'merged', 'true'],
    ]);
    expect((await rows(`SELECT ${FINGERPRINT_SQL} FROM candles`)).map((r) => r[0]).sort()).toEqual(all.map(candleFingerprint).sort());
    const names = await rows('SELECT name FROM lake_files ORDER BY 1');
    expect(await mergeLake({ lakeDir, includeToday: true, fsync: false })).toEqual([]);
    expect(await rows('SELECT name FROM lake_files ORDER BY 1')).toEqual(names);
    // The resume point survives the merge (it is read from the merged file's footer).
    const w = await open();
    expect(Object.fromEntries((await scanLake(lakeDir, w.coverage)).nextOffsets())).toEqual({ 'candles.1m~0': 24, 'candles.1m~1': 24 });
    await w.close();
  });

  it('leaves days before today only, unless asked', async () => {
    await smallFiles();
    expect(await mergeLake({ lakeDir, fsync: false, now: () => Date.UTC(2024, 2, 10, 12) })).toHaveLength(1);
    expect(await mergeLake({ lakeDir, fsync: false, dates: ['2024-03-10'] })).toHaveLength(1);
  });

  describe.each(['merge-after-write', 'merge-after-rename', 'merge-mid-delete'] as const)('crash %s', (point) => {
    it('readers see every candle exactly once, and the next merge finishes the job', async () => {
      const all = await smallFiles();
      await expect(mergeLake({ lakeDir, includeToday: true, fsync: false, crash: throwingHook(point) })).rejects.toBeInstanceOf(SimulatedCrash);
      const once = async (): Promise<void> => {
        const got = await rows(`SELECT ${FINGERPRINT_SQL} FROM candles`);
        expect(got.map((r) => r[0]).sort()).toEqual(all.map(candleFingerprint).sort());
      };
      await once();
      if (point !== 'merge-after-write') {
        // Both the merged file and (some of) its inputs are on disk; only the merged one is live.
        expect(Number((await rows('SELECT count(*) FROM lake_files WHERE NOT live'))[0]![0])).toBeGreaterThan(0);
      }
      await mergeLake({ lakeDir, includeToday: true, fsync: false });
      await once();
      expect(await rows('SELECT count(*), count(*) FILTER (live), count(*) FILTER (kind = \'merged\') FROM lake_files')).toEqual([['2', '2', '2']]);
    });
  });
});

describe('views over an empty lake', () => {
  it('exist with the full schema', async () => {
    expect(await rows('SELECT count(*) FROM candles')).toEqual([['0']]);
    expect(await rows('SELECT count(*) FROM candles_1m UNION ALL SELECT count(*) FROM candles_5m UNION ALL SELECT count(*) FROM lake_files')).toEqual([['0'], ['0'], ['0']]);
    const cols = await rows(`SELECT column_name FROM (DESCRIBE candles)`);
    expect(cols.map((c) => c[0])).toContain('kafka_offset');
  });
});
