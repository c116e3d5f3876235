import { Decimal, type Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import { DAY_MS, dayAlignedSpan, LoopShift } from './loop-shift.js';

describe('LoopShift', () => {
  const t = (symbol: string, tradeId: number, tradeTime: number): Trade => ({
    exchange: 'BINANCE', symbol, pair: 'BTC-USDT', tradeId, price: Decimal.parse('1'), quantity: Decimal.parse('2'), tradeTime, buyerIsMaker: true, receivedTime: 0,
  });

  it('continues each symbol\'s ids, and shifts times by whole days, in every further pass, in place', () => {
    const s = new LoopShift();
    for (const x of [t('A', 10, 1000), t('B', 500, 1001), t('A', 12, 1500), t('B', 501, 1200)]) s.observe(x);
    const a = t('A', 10, 1000);
    s.shift(a, 1, 99);
    expect([a.tradeId, a.tradeTime, a.receivedTime]).toEqual([13, 1000 + DAY_MS, 99]);
    // From the pass-0 values when given (a cached trade already shifted by an earlier pass).
    s.shift(a, 2, 100, 10, 1000);
    expect([a.tradeId, a.tradeTime]).toEqual([16, 1000 + 2 * DAY_MS]);
    const b = t('B', 501, 1200);
    s.shift(b, 2, 99);
    expect([b.tradeId, b.tradeTime]).toEqual([505, 1200 + 2 * DAY_MS]);
    expect(a.price.toString()).toBe('1');
  });

  it('rounds the time span up to whole days: minute and day alignment survive every pass', () => {
    expect(dayAlignedSpan(0, 0)).toBe(DAY_MS);
    expect(dayAlignedSpan(0, DAY_MS - 1)).toBe(DAY_MS); // exactly one day of data: max - min + 1 = 1 day
    expect(dayAlignedSpan(0, DAY_MS)).toBe(2 * DAY_MS);
    expect(dayAlignedSpan(1502942428322, 1503014320719)).toBe(DAY_MS); // the 2017-08-17 BTCUSDT sample
    expect(dayAlignedSpan(0, 3 * DAY_MS + 5)).toBe(4 * DAY_MS);
    const s = new LoopShift();
    s.observe(t('A', 1, 1502942428322));
    s.observe(t('A', 2, 1503014320719));
    const x = t('A', 2, 1503014320719);
    s.shift(x, 3, 0);
    expect(x.tradeTime - 1503014320719).toBe(3 * DAY_MS);
    expect(x.tradeTime % 60_000).toBe(1503014320719 % 60_000);
  });
});
