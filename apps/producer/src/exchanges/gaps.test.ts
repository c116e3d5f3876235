import { describe, expect, it } from 'vitest';
import { TradeIdTracker } from './gaps.js';

const t = (tradeId: number, symbol = 'BTCUSDT') => ({ exchange: 'BINANCE', symbol, tradeId });

describe('TradeIdTracker', () => {
  it('accepts consecutive ids and drops repeats of anything at or below the last id', () => {
    const tracker = new TradeIdTracker();
    expect([100, 101, 102].map((id) => tracker.observe(t(id)))).toEqual(['new', 'new', 'new']);
    expect([102, 101, 50].map((id) => tracker.observe(t(id)))).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(tracker.observe(t(103))).toBe('new');
  });

  it('reports a gap once, with the missing ids, and accepts the trade that revealed it', () => {
    const tracker = new TradeIdTracker();
    tracker.observe(t(10));
    expect(tracker.observe(t(14))).toEqual({ gap: { from: 11, to: 13 } });
    expect(tracker.observe(t(15))).toBe('new');
    expect(tracker.openGaps('BINANCE', 'BTCUSDT')).toEqual([{ from: 11, to: 13 }]);
  });

  it('tracks symbols and exchanges independently', () => {
    const tracker = new TradeIdTracker();
    expect(tracker.observe(t(5, 'BTCUSDT'))).toBe('new');
    expect(tracker.observe(t(5, 'ETHUSDT'))).toBe('new');
    expect(tracker.observe({ exchange: 'COINBASE', symbol: 'BTCUSDT', tradeId: 5 })).toBe('new');
    expect(tracker.observe(t(5, 'ETHUSDT'))).toBe('duplicate');
  });

  it('handles a reconnect overlap: replayed trades are duplicates, a lagging stream fills the gap', () => {
    const tracker = new TradeIdTracker();
    const seen: string[] = [];
    const feed = (ids: number[]) => ids.forEach((id) => seen.push(JSON.stringify(tracker.observe(t(id)))));
    feed([1, 2, 3]); // old connection
    feed([2, 3, 4]); // new connection starts with a replay of the last trades
    feed([7]); // new connection runs ahead of the old one
    feed([5, 4, 6, 7]); // the old connection's late trades
    expect(seen).toEqual([
      '"new"', '"new"', '"new"',
      '"duplicate"', '"duplicate"', '"new"',
      '{"gap":{"from":5,"to":6}}',
      '"new"', '"duplicate"', '"new"', '"duplicate"',
    ]);
    expect(tracker.openGaps('BINANCE', 'BTCUSDT')).toEqual([]);
  });

  it('splits a gap filled in the middle, and keeps memory bounded by forgetting the oldest gaps', () => {
    const tracker = new TradeIdTracker({ maxOpenGaps: 2 });
    tracker.observe(t(0));
    tracker.observe(t(10)); // gap 1..9
    expect(tracker.observe(t(5))).toBe('new');
    expect(tracker.openGaps('BINANCE', 'BTCUSDT')).toEqual([
      { from: 1, to: 4 },
      { from: 6, to: 9 },
    ]);
    tracker.observe(t(20)); // gap 11..19: the oldest (1..4) is forgotten
    expect(tracker.openGaps('BINANCE', 'BTCUSDT')).toEqual([
      { from: 6, to: 9 },
      { from: 11, to: 19 },
    ]);
    expect(tracker.observe(t(3))).toBe('duplicate');
    expect(tracker.observe(t(6))).toBe('new');
    expect(tracker.observe(t(6))).toBe('duplicate');
  });
});
