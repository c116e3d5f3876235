import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trade } from '@candlestream/market';
import { createLogger } from '@candlestream/metrics';
import { describe, expect, it } from 'vitest';
import type { ReplayInput } from '../config.js';
import { TradeIdTracker } from '../exchanges/gaps.js';
import { GapReporter } from '../ingest/gap-reporter.js';
import { TradeIngest } from '../ingest/trade-ingest.js';
import type { OutgoingRecord } from '../kafka/kafka-sink.js';
import { ProducerMetrics } from '../metrics.js';
import { PositionCheckpoints, type ReplayPosition } from './positions.js';
import { runReplay, type ReplayDeps, type ReplayPlan } from './replay-runner.js';

const DATA = new URL('../../../../../shared/data/', import.meta.url);
const CSV = new URL('binance/trades/BTCUSDT-trades-2017-08-17.csv', DATA).pathname;
const KRAKEN = new URL('ws/kraken/cryptofeed-v1-trade.jsonl', DATA).pathname;

/** Runs a replay into an in-memory sink; the "encoded" value is the trade itself, as JSON. */
async function replay(plan: Omit<ReplayPlan, 'inputs'> & { inputs: ReplayInput[] }, signal = new AbortController().signal, checkpointsFor?: (records: OutgoingRecord[]) => ReplayDeps['checkpoints']) {
  const records: OutgoingRecord[] = [];
  const checkpoints = checkpointsFor?.(records);
  const log = createLogger('test', { write: () => undefined });
  const metrics = new ProducerMetrics();
  const tracker = new TradeIdTracker();
  const gaps = new GapReporter(tracker, metrics, log, 0);
  const serde = { serialize: (t: Trade) => Buffer.from(JSON.stringify({ ...t, price: t.price.toString(), quantity: t.quantity.toString(), receivedTime: 0 })) };
  const sink = { parked: 0, whenWritable: () => Promise.resolve(), key: (k: string) => Buffer.from(k), send: (r: OutgoingRecord) => void records.push(r) };
  const ingest = new TradeIngest({ topic: 't', dlqTopic: 'd', serde, sink, metrics, log, tracker, gaps, consecutiveIds: new Set(['BINANCE']), observeLag: false });
  const result = await runReplay(plan, { ingest, sink, onChunk: () => gaps.check(Date.now()), checkpoints }, signal);
  gaps.check(0, true);
  const trades = records.filter((r) => r.topic === 't').map((r) => JSON.parse(r.value.toString()) as { tradeId: number; tradeTime: number; price: string });
  return { result, records, trades, stats: ingest.stats, gaps: gaps.reported };
}

const csv: ReplayInput = { path: CSV, format: 'binance-csv', exchange: 'BINANCE', symbol: 'BTCUSDT' };

describe('runReplay', () => {
  it('plays the CSV once as fast as possible: 3427 trades, ids 0..3426, no gaps', async () => {
    const r = await replay({ inputs: [csv], speed: Infinity, loops: 1 });
    expect(r.trades.map((t) => t.tradeId)).toEqual(Array.from({ length: 3427 }, (_, i) => i));
    expect(r.result).toEqual({ lines: 3427, skipped: 0, passes: 1, stopped: false, cached: false });
    expect(r.gaps).toEqual([]);
  });

  it('loops with shifted ids and times, the same whether passes come from the cache or from the file', async () => {
    const cached = await replay({ inputs: [csv], speed: Infinity, loops: 3 });
    const reread = await replay({ inputs: [csv], speed: Infinity, loops: 3, loopCacheLines: 0 });
    expect(cached.result.cached).toBe(true);
    expect(reread.result.cached).toBe(false);
    expect(cached.trades).toEqual(reread.trades);
    expect(cached.trades.map((t) => t.tradeId)).toEqual(Array.from({ length: 3 * 3427 }, (_, i) => i));
    const times = cached.trades.map((t) => t.tradeTime);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
    expect(cached.trades[3427]?.price).toBe(cached.trades[0]?.price);
    expect(cached.gaps).toEqual([]);
    expect(cached.stats.duplicates).toBe(0);
  });

  it('paces by the trades\' own times: the Kraken recording\'s 15.5 s of trades take ~0.3 s at x50', async () => {
    const started = Date.now();
    const r = await replay({ inputs: [{ path: KRAKEN, format: 'jsonl', exchange: 'KRAKEN', symbol: undefined }], speed: 50, loops: 1 });
    const took = Date.now() - started;
    expect(r.trades).toHaveLength(10);
    expect(took).toBeGreaterThanOrEqual(15_500 / 50 - 20);
    expect(took).toBeLessThan(2000);
    expect(r.stats.ignored).toBe(41); // systemStatus 1, subscriptionStatus 10, heartbeats 30
  });

  it('tolerates a header line, dead-letters a bad row with its line number, and stops cleanly on abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const rows = readFileSync(CSV, 'utf8').split('\n').slice(0, 5);
    const path = join(dir, 'BTCUSDT-trades-x.csv');
    writeFileSync(path, ['id,price,qty,quote_qty,time,is_buyer_maker,is_best_match', ...rows.slice(0, 2), '2,abc,1,1,1502942432285,True,True', ...rows.slice(3)].join('\n'));
    const r = await replay({ inputs: [{ ...csv, path }], speed: Infinity, loops: 1 });
    expect(r.trades.map((t) => t.tradeId)).toEqual([0, 1, 3, 4]);
    const dead = r.records.filter((x) => x.topic === 'd');
    expect(dead.map((d) => d.value.toString())).toEqual(['2,abc,1,1,1502942432285,True,True']);
    expect(dead[0]?.headers).toContainEqual({ 'dlq.error.reason': 'csv-format' });
    expect(dead[0]?.headers).toContainEqual({ 'dlq.source': `replay:${path}:4` });
    expect(r.gaps.map((g) => [g.from, g.to])).toEqual([[2, 2]]);

    const abort = new AbortController();
    abort.abort();
    const stopped = await replay({ inputs: [csv], speed: Infinity, loops: Infinity }, abort.signal);
    expect(stopped.result.stopped).toBe(true);
  });

  describe('resuming from a committed position', () => {
    const DAY = 86_400_000;

    it('skips the lines before it (no produce) but still observes pass 0, so later passes shift as in a full run', async () => {
      for (const loopCacheLines of [undefined, 0]) {
        const full = await replay({ inputs: [csv], speed: Infinity, loops: 2, loopCacheLines });
        expect(full.trades[3427]?.tradeTime).toBe((full.trades[0]?.tradeTime as number) + DAY);
        // Mid pass 0: lines 1..1000 (ids 0..999) are already in the topic.
        const mid0 = await replay({ inputs: [csv], speed: Infinity, loops: 2, loopCacheLines, resumeFrom: { pass: 0, input: 0, line: 1001 } });
        expect(mid0.trades).toEqual(full.trades.slice(1000));
        expect([mid0.result.lines, mid0.result.skipped]).toEqual([2 * 3427 - 1000, 1000]);
        // Mid pass 1: all of pass 0 skipped, yet pass 1's ids and times are shifted by pass 0's spans.
        const mid1 = await replay({ inputs: [csv], speed: Infinity, loops: 2, loopCacheLines, resumeFrom: { pass: 1, input: 0, line: 2001 } });
        expect(mid1.trades).toEqual(full.trades.slice(3427 + 2000));
        expect(mid1.trades[0]?.tradeId).toBe(3427 + 2000);
        expect(mid1.stats.duplicates).toBe(0);
        // A finished replay: nothing at all.
        const done = await replay({ inputs: [csv], speed: Infinity, loops: 2, loopCacheLines, resumeFrom: { pass: 2, input: 0, line: 0 } });
        expect(done.records).toEqual([]);
        expect(done.result.stopped).toBe(false);
      }
    });

    it('reports after every line the position of everything handed over, and the end; a stop and resume replays each line once', async () => {
      const commits: { pos: ReplayPosition; records: number }[] = [];
      let every: PositionCheckpoints | undefined;
      await replay({ inputs: [csv], speed: Infinity, loops: 2 }, undefined, (records) => {
        every = new PositionCheckpoints(0, async (pos) => void commits.push({ pos, records: records.length }));
        return every;
      });
      // The runner reports the end; its caller commits it (as it commits the position a stop left).
      await every?.commit();
      expect(commits).toHaveLength(2 * 3427 + 1);
      // Committing {pass, 0, line}: all lines before it (one trade each) have been handed over.
      for (const c of commits.slice(0, -1)) expect(c.records).toBe(c.pos.pass * 3427 + c.pos.line - 1);
      expect(commits.at(-1)).toEqual({ pos: { pass: 2, input: 0, line: 0 }, records: 2 * 3427 });

      // Stopped after pass 0's chunk, resumed from the position committed at the stop.
      const full = await replay({ inputs: [csv], speed: Infinity, loops: 3 });
      const abort = new AbortController();
      let cp: PositionCheckpoints | undefined;
      const first = await replay({ inputs: [csv], speed: Infinity, loops: 3 }, abort.signal, () => {
        // Interval 0: a commit after every line, so the stop lands early in pass 1 however fast the machine.
        cp = new PositionCheckpoints(0, async (pos) => {
          if (pos.pass >= 1) abort.abort();
        });
        return cp;
      });
      expect(first.result.stopped).toBe(true);
      await cp?.commit();
      const at = cp?.position as ReplayPosition;
      expect(at.pass).toBeGreaterThanOrEqual(1);
      const rest = await replay({ inputs: [csv], speed: Infinity, loops: 3, resumeFrom: at });
      expect([...first.trades, ...rest.trades]).toEqual(full.trades);
    });
  });
});
