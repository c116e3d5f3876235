import { describe, expect, it } from 'vitest';
import { parseBinanceTradesCsv } from './binance-trades-csv.js';
import { CsvFormatError, UnknownSymbolError } from './errors.js';

const OPTIONS = { symbol: 'BTCUSDT', receivedTime: 1_700_000_000_000 };

describe('parseBinanceTradesCsv', () => {
  it('parses rows into trades with exact decimals and Python booleans', () => {
    const trades = parseBinanceTradesCsv(
      '0,4261.48000000,0.10000000,426.14800000,1502942428322,True,True\n2,4261.48000000,0.07518300,320.39085084,1502942432322,False,True\n',
      OPTIONS,
    );
    expect(trades).toEqual([
      expect.objectContaining({ exchange: 'BINANCE', symbol: 'BTCUSDT', pair: 'BTC-USDT', tradeId: 0, tradeTime: 1502942428322 }),
      expect.objectContaining({ tradeId: 2, buyerIsMaker: false, receivedTime: 1_700_000_000_000 }),
    ]);
    expect(trades[0]?.buyerIsMaker).toBe(true);
    expect(trades[0]?.price.toFixed()).toBe('4261.48000000');
    expect(trades[1]?.quantity.toString()).toBe('0.075183');
  });

  it('tolerates a header, six columns (futures dumps), lower-case booleans and microsecond times', () => {
    const trades = parseBinanceTradesCsv(
      'id,price,qty,quote_qty,time,is_buyer_maker\n7,93000.5,0.001,93.0005,1735689600123456,true\n',
      OPTIONS,
    );
    expect(trades).toHaveLength(1);
    expect(trades[0]?.tradeTime).toBe(1735689600123);
    expect(trades[0]?.buyerIsMaker).toBe(true);
  });

  it('rejects bad rows with their line, and symbols it cannot split', () => {
    const good = '0,4261.48000000,0.10000000,426.14800000,1502942428322,True,True';
    expect(() => parseBinanceTradesCsv(`${good}\n${good.replace('True,True', 'yes,True')}`, OPTIONS)).toThrow(/line 2: is_buyer_maker/);
    expect(() => parseBinanceTradesCsv(good.replace('0,', '-1,'), OPTIONS)).toThrow(CsvFormatError);
    expect(() => parseBinanceTradesCsv(good.replace(',True,True', ''), OPTIONS)).toThrow(/expected 6 or 7/);
    expect(() => parseBinanceTradesCsv(good, { ...OPTIONS, symbol: 'BTC' })).toThrow(UnknownSymbolError);
  });
});
