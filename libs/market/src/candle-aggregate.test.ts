import { describe, expect, it } from 'vitest';
import {
  addTrade,
  decodeCandleState,
  emptyCandleState,
  encodeCandleState,
  toCandle,
  type CandleState,
  type CandleWindow,
} from './candle-aggregate.js';
import { Decimal } from './decimal.js';
import { CandleStateError, DecimalError, EmptyCandleError } from './errors.js';
import type { Trade } from './trade.js';

const WINDOW: CandleWindow = {
  exchange: 'BINANCE',
  symbol: 'BTCUSDT',
  pair: 'BTC-USDT',
  interval: '1m',
  openTime: 60_000,
  closeTime: 119_999,
};

function trade(tradeId: number, tradeTime: number, price: string, quantity: string, buyerIsMaker = false): Trade {
  return {
    exchange: 'BINANCE',
    symbol: 'BTCUSDT',
    pair: 'BTC-USDT',
    tradeId,
    price: Decimal.parse(price),
    quantity: Decimal.parse(quantity),
    tradeTime,
    buyerIsMaker,
    receivedTime: 0,
  };
}

function aggregate(trades: readonly Trade[]): CandleState {
  const s = emptyCandleState();
  for (const t of trades) addTrade(s, t);
  return s;
}

describe('candle aggregate', () => {
  it('mutates the state in place and returns it', () => {
    const s = emptyCandleState();
    expect(addTrade(s, trade(1, 60_000, '10', '1'))).toBe(s);
    expect(s.tradeCount).toBe(1);
  });

  it('takes open and close by (trade time, trade id), whatever the arrival order', () => {
    const trades = [
      trade(7, 60_500, '101', '1'),
      trade(5, 60_100, '100', '1'), // earliest time: the open
      trade(9, 60_900, '103', '1'),
      trade(8, 60_900, '102', '1'), // same ms as id 9, lower id: not the close
      trade(4, 60_100, '99', '1'), // same ms as id 5, lower id: the open after all
    ];
    const c = toCandle(aggregate(trades), WINDOW);
    expect(c.open.toString()).toBe('99');
    expect(c.close.toString()).toBe('103');
    expect(c.high.toString()).toBe('103');
    expect(c.low.toString()).toBe('99');
    expect(c.firstTradeId).toBe(4);
    expect(c.lastTradeId).toBe(9);
    expect(c.tradeCount).toBe(5);
  });

  it('sums volumes exactly and counts taker buys only where the buyer was not the maker', () => {
    const c = toCandle(
      aggregate([
        trade(1, 60_000, '4261.48', '0.075183', false),
        trade(2, 60_001, '4261.48', '0.1', true),
        trade(3, 60_002, '0.1', '0.2', false),
      ]),
      WINDOW,
    );
    expect(c.volume.toFixed()).toBe('0.3751830000');
    expect(c.quoteVolume.toFixed()).toBe('746.55885084000000000000');
    expect(c.quoteVolume.scale).toBe(20);
    expect(c.takerBuyVolume.toString()).toBe('0.275183');
    expect(c.takerBuyQuoteVolume.toString()).toBe('320.41085084');
  });

  it('derives VWAP and percent change rounded half-even to 10 decimals', () => {
    const c = toCandle(aggregate([trade(1, 60_000, '1', '1'), trade(2, 60_001, '2', '2')]), WINDOW);
    expect(c.vwap.toFixed()).toBe('1.6666666667');
    expect(c.priceChange.toFixed()).toBe('1.0000000000');
    expect(c.priceChangePercent.toFixed()).toBe('100.0000000000');

    const down = toCandle(aggregate([trade(1, 60_000, '3', '1'), trade(2, 60_001, '2', '1')]), WINDOW);
    expect(down.priceChange.toFixed()).toBe('-1.0000000000');
    expect(down.priceChangePercent.toFixed()).toBe('-33.3333333333');

    // Exact halves at the 11th decimal go to the even neighbour: 1.5e-10 -> 2e-10, 2.5e-10 -> 2e-10.
    const half1 = aggregate([trade(1, 60_000, '0.0000000001', '1'), trade(2, 60_001, '0.0000000002', '1')]);
    const half2 = aggregate([trade(1, 60_000, '0.0000000002', '1'), trade(2, 60_001, '0.0000000003', '1')]);
    expect(toCandle(half1, WINDOW).vwap.toFixed()).toBe('0.0000000002');
    expect(toCandle(half2, WINDOW).vwap.toFixed()).toBe('0.0000000002');
  });

  it('gives a zero-volume window the close as VWAP', () => {
    const c = toCandle(aggregate([trade(1, 60_000, '5', '0'), trade(2, 60_001, '6', '0')]), WINDOW);
    expect(c.vwap.toString()).toBe('6');
  });

  it('copies the window fields, and nothing else, into the candle', () => {
    const c = toCandle(aggregate([trade(1, 60_000, '5', '1')]), { ...WINDOW, extra: 'x' } as CandleWindow);
    expect(c).not.toHaveProperty('extra');
    expect([c.exchange, c.symbol, c.pair, c.interval, c.openTime, c.closeTime]).toEqual([
      'BINANCE',
      'BTCUSDT',
      'BTC-USDT',
      '1m',
      60_000,
      119_999,
    ]);
  });

  it('refuses a candle without trades, and prices finer than the schema scale', () => {
    expect(() => toCandle(emptyCandleState(), WINDOW)).toThrow(EmptyCandleError);
    expect(() => addTrade(emptyCandleState(), trade(1, 0, '1.00000000001', '1'))).toThrow(DecimalError);
    expect(toCandle(aggregate([trade(1, 0, '1.00000000010', '1')]), WINDOW).open.toString()).toBe('1.0000000001');
  });

  it('round-trips through the compact store encoding exactly', () => {
    const s = aggregate([
      trade(3_735_683_259, 1_723_161_255_342, '61837.63', '0.02', true),
      trade(3_735_683_260, 1_723_161_255_342, '61837.64', '1.23456789', false),
    ]);
    const encoded = encodeCandleState(s);
    expect(encoded).toMatch(/^c1,2,/);
    expect(decodeCandleState(encoded)).toEqual(s);
    expect(decodeCandleState(encodeCandleState(emptyCandleState()))).toEqual(emptyCandleState());
    // A decoded state keeps aggregating like the original.
    const more = trade(3_735_683_261, 1_723_161_255_400, '61837.65', '0.5', false);
    expect(encodeCandleState(addTrade(decodeCandleState(encoded), more))).toBe(encodeCandleState(addTrade(s, more)));
  });

  it('rejects encodings it did not write', () => {
    const good = encodeCandleState(aggregate([trade(1, 60_000, '1', '1')]));
    for (const bad of ['', 'c2' + good.slice(2), good + ',1', good.replace(',1,', ',x,'), good.replace(/,1$/, ',1e3')]) {
      expect(() => decodeCandleState(bad)).toThrow(CandleStateError);
    }
    expect(() => decodeCandleState(good.replace(/^c1,1,/, 'c1,99999999999999999999,'))).toThrow(/safe integer/);
  });
});
