import { Decimal, type Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import { LoopShift } from './loop-shift.js';

describe('LoopShift', () => {
  const t = (symbol: string, tradeId: number, tradeTime: number): Trade => ({
    exchange: 'BINANCE', symbol, pair: 'BTC-USDT', tradeId, price: Decimal.parse('1'), quantity: Decimal.parse('2'), tradeTime, buyerIsMaker: true, receivedTime: 0,
  });

  it('continues each symbol\'s ids and the input\'s times in every further pass, in place', () => {
    const s = new LoopShift();
    for (const x of [t('A', 10, 1000), t('B', 500, 1001), t('A', 12, 1500), t('B', 501, 1200)]) s.observe(x);
    const a = t('A', 10, 1000);
    s.shift(a, 1, 99);
    expect([a.tradeId, a.tradeTime, a.receivedTime]).toEqual([13, 1501, 99]);
    // From the pass-0 values when given (a cached trade already shifted by an earlier pass).
    s.shift(a, 2, 100, 10, 1000);
    expect([a.tradeId, a.tradeTime]).toEqual([16, 2002]);
    const b = t('B', 501, 1200);
    s.shift(b, 2, 99);
    expect([b.tradeId, b.tradeTime]).toEqual([505, 2202]);
    expect(a.price.toString()).toBe('1');
  });
});
