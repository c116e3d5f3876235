import { describe, expect, it } from 'vitest';
import { UnknownExchangeError, UnknownSymbolError } from './errors.js';
import { normalisePair } from './symbols.js';

describe('normalisePair', () => {
  it('splits Binance symbols on a known quote asset, longest first', () => {
    expect(normalisePair('BINANCE', 'BTCUSDT')).toBe('BTC-USDT');
    expect(normalisePair('BINANCE', 'ETHUSDT')).toBe('ETH-USDT');
    expect(normalisePair('BINANCE', 'BTCFDUSD')).toBe('BTC-FDUSD');
    expect(normalisePair('BINANCE', 'FDUSDUSDT')).toBe('FDUSD-USDT');
    expect(normalisePair('BINANCE', 'USDCUSDT')).toBe('USDC-USDT');
    expect(normalisePair('BINANCE', 'BLZETH')).toBe('BLZ-ETH');
    expect(normalisePair('BINANCE', 'LRCBTC')).toBe('LRC-BTC');
    expect(normalisePair('BINANCE', 'RUNEEUR')).toBe('RUNE-EUR');
    expect(normalisePair('BINANCE', 'USDTTRY')).toBe('USDT-TRY');
    expect(normalisePair('BINANCE', 'BNBBTC')).toBe('BNB-BTC');
  });

  it('keeps Coinbase products and maps Kraken asset codes', () => {
    expect(normalisePair('COINBASE', 'BTC-USD')).toBe('BTC-USD');
    expect(normalisePair('COINBASE', 'SKL-GBP')).toBe('SKL-GBP');
    expect(normalisePair('KRAKEN', 'XBT/USD')).toBe('BTC-USD');
    expect(normalisePair('KRAKEN', 'KSM/XBT')).toBe('KSM-BTC');
    expect(normalisePair('KRAKEN', 'XDG/EUR')).toBe('DOGE-EUR');
    expect(normalisePair('KRAKEN', 'MATIC/USD')).toBe('MATIC-USD');
  });

  it('throws a clear error for what it cannot split', () => {
    expect(() => normalisePair('BINANCE', 'USDT')).toThrow(UnknownSymbolError);
    expect(() => normalisePair('BINANCE', 'FOOBAR')).toThrow(/no known quote asset/);
    expect(() => normalisePair('BINANCE', 'btcusdt')).toThrow(UnknownSymbolError);
    expect(() => normalisePair('COINBASE', 'BTCUSD')).toThrow(UnknownSymbolError);
    expect(() => normalisePair('KRAKEN', 'XBTUSD')).toThrow(UnknownSymbolError);
    expect(() => normalisePair('BITSTAMP', 'btcusd')).toThrow(UnknownExchangeError);
  });
});
