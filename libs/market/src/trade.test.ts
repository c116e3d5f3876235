import { describe, expect, it } from 'vitest';
import { tradeKey } from './trade.js';

describe('tradeKey', () => {
  it('is <EXCHANGE>:<SYMBOL> with the exchange\'s own symbol', () => {
    expect(tradeKey({ exchange: 'BINANCE', symbol: 'BTCUSDT' })).toBe('BINANCE:BTCUSDT');
    expect(tradeKey({ exchange: 'KRAKEN', symbol: 'XBT/USD' })).toBe('KRAKEN:XBT/USD');
  });
});
