import { describe, expect, it } from 'vitest';
import { Decimal } from '../decimal.js';
import type { Candle } from '../candle.js';
import { emptyAnomalyState, observeCandle } from './anomaly.js';
import { observeSpread, type SpreadState } from './spread.js';

function candle(close: string, volume: string, i = 0, exchange = 'BINANCE'): Candle {
  const d = Decimal.parse;
  return {
    exchange, symbol: 'BTCUSDT', pair: 'BTC-USDT', interval: '1m', openTime: i * 60_000, closeTime: i * 60_000 + 59_999,
    open: d(close), high: d(close), low: d(close), close: d(close), volume: d(volume), quoteVolume: d('0'), tradeCount: 1,
    takerBuyVolume: d('0'), takerBuyQuoteVolume: d('0'), vwap: d(close), priceChange: d('0'), priceChangePercent: d('0'),
    firstTradeId: i, lastTradeId: i,
  };
}

describe('anomaly detection on closed candles', () => {
  it('stays quiet on ordinary noise and flags a jump with the numbers behind it', () => {
    const state = emptyAnomalyState();
    const cfg = { window: 30, minSamples: 20, zThreshold: 4 };
    // Alternating +-0.1 % moves and volumes 10/11: stdev of returns ~0.001.
    let price = 100;
    for (let i = 0; i < 30; i++) {
      price *= i % 2 === 0 ? 1.001 : 0.999;
      expect(observeCandle(state, candle(price.toFixed(6), i % 2 ? '10' : '11', i), cfg)).toEqual([]);
    }
    const alerts = observeCandle(state, candle((price * 1.02).toFixed(6), '200', 30), cfg);
    expect(alerts.map((a) => a.kind).sort()).toEqual(['return', 'volume']);
    const ret = alerts.find((a) => a.kind === 'return')!;
    expect(ret.value).toBeCloseTo(0.02, 6);
    expect(ret.z).toBeGreaterThan(4);
    expect(ret.samples).toBe(29);
    expect(alerts.find((a) => a.kind === 'volume')!.z).toBeGreaterThan(100);
    // The state is plain JSON (it lives in a state store).
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('judges nothing before minSamples and nothing against a flat history', () => {
    const state = emptyAnomalyState();
    for (let i = 0; i < 25; i++) expect(observeCandle(state, candle('100', '10', i))).toEqual([]);
    expect(observeCandle(state, candle('150', '10', 25))).toEqual([]);
  });
});

describe('cross-exchange spread', () => {
  it('reports the widest gap in basis points and an arbitrage when it beats both fees plus the threshold', () => {
    const state: SpreadState = {};
    expect(observeSpread(state, candle('60000', '1', 0, 'COINBASE'))).toBeNull();
    const s = observeSpread(state, candle('60150', '1', 0, 'KRAKEN'), { feeBps: 10, thresholdBps: 5 })!;
    expect(s.low).toEqual({ exchange: 'COINBASE', close: '60000' });
    expect(s.high).toEqual({ exchange: 'KRAKEN', close: '60150' });
    expect(s.spread).toBe('150');
    expect(s.spreadBps).toBe('25.0000');
    expect(s.breakEvenBps).toBe(25);
    expect(s.arbitrage).toBe(false); // 25 bps does not beat 25
    const t = observeSpread(state, candle('60151', '1', 0, 'KRAKEN'), { feeBps: 10, thresholdBps: 5 })!;
    expect(t.spreadBps).toBe('25.1667');
    expect(t.arbitrage).toBe(true);
  });
});
