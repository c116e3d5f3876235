import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBinanceTradesCsv } from './binance-trades-csv.js';
import { addTrade, emptyCandleState, encodeCandleState, toCandle, type CandleState } from './candle-aggregate.js';
import { Decimal } from './decimal.js';
import { intervalMs } from './interval.js';
import { parseKlineCsv, type Kline } from './kline.js';
import type { Trade } from './trade.js';

// The acceptance test: candles built from Binance's own trade dump must equal Binance's own klines,
// exactly, field by field. Data and its quirks: shared/data/binance/README.md (beside the repo).
const DATA = new URL('../../../../shared/data/binance/', import.meta.url);
const TRADES_CSV = readFileSync(new URL('trades/BTCUSDT-trades-2017-08-17.csv', DATA), 'utf8');
const KLINES_CSV = readFileSync(new URL('klines/1m/BTCUSDT-1m-2017-08-17.csv', DATA), 'utf8');

type Expected = Pick<
  Kline,
  'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteVolume' | 'tradeCount' | 'takerBuyBaseVolume' | 'takerBuyQuoteVolume'
>;

function loadTrades(): Trade[] {
  return parseBinanceTradesCsv(TRADES_CSV, { symbol: 'BTCUSDT', receivedTime: 0 });
}

/** Candle states by window start, bucketing by floor(time / interval). */
function buildCandles(trades: readonly Trade[], interval: string): Map<number, CandleState> {
  const ms = intervalMs(interval);
  const states = new Map<number, CandleState>();
  for (const t of trades) {
    const start = Math.floor(t.tradeTime / ms) * ms;
    let s = states.get(start);
    if (!s) states.set(start, (s = emptyCandleState()));
    addTrade(s, t);
  }
  return states;
}

/** Official klines that have trades, by open time. */
function official1m(klines: readonly Kline[]): Map<number, Expected> {
  return new Map(klines.filter((k) => k.tradeCount > 0).map((k) => [k.openTime, k]));
}

/**
 * Official 1m klines rolled up to `interval`. Empty minutes carry the previous close forward as their
 * OHLC (README quirk 1), which is not a trade: they are skipped for OHLC and add zero to the sums
 * (quirk 8). Windows without any trade are left out, as the aggregator emits none for them.
 */
function rollUp(klines: readonly Kline[], interval: string): Map<number, Expected> {
  const ms = intervalMs(interval);
  const out = new Map<number, Expected>();
  for (const k of [...klines].sort((a, b) => a.openTime - b.openTime)) {
    if (k.tradeCount === 0) continue;
    const start = Math.floor(k.openTime / ms) * ms;
    const w = out.get(start);
    if (!w) {
      out.set(start, { ...k });
      continue;
    }
    if (k.high.compare(w.high) > 0) w.high = k.high;
    if (k.low.compare(w.low) < 0) w.low = k.low;
    w.close = k.close;
    w.volume = w.volume.add(k.volume);
    w.quoteVolume = w.quoteVolume.add(k.quoteVolume);
    w.tradeCount += k.tradeCount;
    w.takerBuyBaseVolume = w.takerBuyBaseVolume.add(k.takerBuyBaseVolume);
    w.takerBuyQuoteVolume = w.takerBuyQuoteVolume.add(k.takerBuyQuoteVolume);
  }
  return out;
}

/** Every difference between built and official candles, as readable strings ([] when they agree). */
function mismatches(built: Map<number, CandleState>, expected: Map<number, Expected>, interval: string): string[] {
  const ms = intervalMs(interval);
  const out: string[] = [];
  for (const start of expected.keys()) if (!built.has(start)) out.push(`${start}: no candle built`);
  for (const [start, state] of built) {
    const want = expected.get(start);
    if (!want) {
      out.push(`${start}: candle built for a window the exchange has no trades in`);
      continue;
    }
    const c = toCandle(state, {
      exchange: 'BINANCE',
      symbol: 'BTCUSDT',
      pair: 'BTC-USDT',
      interval,
      openTime: start,
      closeTime: start + ms - 1,
    });
    const pairs: [string, Decimal, Decimal][] = [
      ['open', c.open, want.open],
      ['high', c.high, want.high],
      ['low', c.low, want.low],
      ['close', c.close, want.close],
      ['volume', c.volume, want.volume],
      ['quoteVolume', c.quoteVolume, want.quoteVolume],
      ['takerBuyVolume', c.takerBuyVolume, want.takerBuyBaseVolume],
      ['takerBuyQuoteVolume', c.takerBuyQuoteVolume, want.takerBuyQuoteVolume],
    ];
    for (const [name, got, exp] of pairs) {
      if (!got.equals(exp)) out.push(`${start} ${name}: built ${got.toString()}, official ${exp.toString()}`);
    }
    if (c.tradeCount !== want.tradeCount) out.push(`${start} tradeCount: built ${c.tradeCount}, official ${want.tradeCount}`);
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so that a failing shuffle can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seeded(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Trades by 1m window, each group in (time, id) order. */
function groupByMinute(trades: readonly Trade[]): Map<number, Trade[]> {
  const groups = new Map<number, Trade[]>();
  for (const t of trades) {
    const start = Math.floor(t.tradeTime / 60_000) * 60_000;
    const g = groups.get(start);
    if (g) g.push(t);
    else groups.set(start, [t]);
  }
  for (const g of groups.values()) g.sort((x, y) => x.tradeTime - y.tradeTime || x.tradeId - y.tradeId);
  return groups;
}

function encodedAll(states: Map<number, CandleState>): Map<number, string> {
  return new Map([...states].map(([k, s]) => [k, encodeCandleState(s)]));
}

describe('candles from Binance trades equal the official Binance klines (BTCUSDT 2017-08-17)', () => {
  const trades = loadTrades();
  const klines = parseKlineCsv(KLINES_CSV);

  it('reads the whole day as the README describes it', () => {
    expect(trades).toHaveLength(3427);
    expect(trades.map((t) => t.tradeId)).toEqual(Array.from({ length: 3427 }, (_, i) => i));
    expect(klines).toHaveLength(1200);
    expect(klines.filter((k) => k.tradeCount === 0)).toHaveLength(369);
    expect(klines.every((k) => k.closeTime === k.openTime + 59_999)).toBe(true);
  });

  it('matches every one of the 831 minutes that have trades, field by field, exactly', () => {
    const built = buildCandles(trades, '1m');
    const expected = official1m(klines);
    expect(expected.size).toBe(831);
    expect(built.size).toBe(831);
    expect(mismatches(built, expected, '1m')).toEqual([]);
  });

  it('matches all 222 five-minute windows with trades against the official 1m klines rolled up', () => {
    const built = buildCandles(trades, '5m');
    const expected = rollUp(klines, '5m');
    expect(expected.size).toBe(222);
    expect(built.size).toBe(222);
    expect(mismatches(built, expected, '5m')).toEqual([]);
  });

  it('builds identical candles from the trades in a shuffled arrival order (open/close by time, then id)', () => {
    for (const seed of [1, 42, 20170817]) {
      const mixed = shuffled(trades, seed);
      expect(mixed.filter((t, i) => t.tradeId !== i).length).toBeGreaterThan(3000);
      for (const interval of ['1m', '5m']) {
        expect(encodedAll(buildCandles(mixed, interval))).toEqual(encodedAll(buildCandles(trades, interval)));
      }
    }
  });

  it('uses the trade id to order trades within a millisecond (README quirk 3)', () => {
    // Minutes whose first or last trade shares its millisecond with a trade at another price: there
    // the id alone decides open/close, so these minutes exercise the tie-break.
    const decidedById = (pick: 'first' | 'last'): number => {
      let n = 0;
      for (const group of groupByMinute(trades).values()) {
        const edge = pick === 'first' ? group[0] : group[group.length - 1];
        if (group.some((t) => t !== edge && t.tradeTime === edge?.tradeTime && !t.price.equals(edge.price))) n++;
      }
      return n;
    };
    expect(decidedById('first')).toBe(17);
    expect(decidedById('last')).toBe(16);
    const reversed = buildCandles([...trades].reverse(), '1m');
    expect(mismatches(reversed, official1m(klines), '1m')).toEqual([]);
  });

  it('fails when one quantity is off by one unit in the last place', () => {
    const index = 2; // id 2, taker buy (isBuyerMaker False), in the first minute
    const altered = trades.map((t, i) =>
      i === index ? { ...t, quantity: t.quantity.add(Decimal.parse('0.00000001')) } : t,
    );
    const found = mismatches(buildCandles(altered, '1m'), official1m(klines), '1m');
    const minute = Math.floor((trades[index] as Trade).tradeTime / 60_000) * 60_000;
    expect(found.map((m) => m.split(':')[0]?.split(' ')[0])).toEqual(Array(4).fill(String(minute)));
    expect(found.map((m) => m.split(' ')[1]?.replace(':', ''))).toEqual([
      'volume',
      'quoteVolume',
      'takerBuyVolume',
      'takerBuyQuoteVolume',
    ]);
  });

  it('fails when the ids of two trades in one millisecond are swapped', () => {
    // Ids 9 and 10 share a millisecond at different prices and are the only trades of their minute:
    // swapping the ids swaps open and close, which a build ordering by time alone would not notice.
    const a = trades[9] as Trade;
    const b = trades[10] as Trade;
    expect(a.tradeTime).toBe(b.tradeTime);
    expect(a.price.equals(b.price)).toBe(false);
    const swapped = trades.map((t) => (t === a ? { ...a, tradeId: 10 } : t === b ? { ...b, tradeId: 9 } : t));
    const found = mismatches(buildCandles(swapped, '1m'), official1m(klines), '1m');
    expect(found.map((m) => m.split(' ')[1]?.replace(':', ''))).toEqual(['open', 'close']);
  });
});
