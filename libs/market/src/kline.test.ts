import { describe, expect, it } from 'vitest';
import { CsvFormatError } from './errors.js';
import { parseKlineCsv } from './kline.js';

const ROW_MS =
  '1502942400000,4261.48000000,4261.48000000,4261.48000000,4261.48000000,1.77518300,1502942459999,7564.90685084,3,0.07518300,320.39085084,0';

describe('parseKlineCsv', () => {
  it('parses a row into exact decimals and ms times', () => {
    const [k] = parseKlineCsv(`${ROW_MS}\n`);
    expect(k?.openTime).toBe(1502942400000);
    expect(k?.closeTime).toBe(1502942459999);
    expect(k?.open.toFixed()).toBe('4261.48000000');
    expect(k?.volume.toString()).toBe('1.775183');
    expect(k?.quoteVolume.toString()).toBe('7564.90685084');
    expect(k?.tradeCount).toBe(3);
    expect(k?.takerBuyBaseVolume.toString()).toBe('0.075183');
    expect(k?.takerBuyQuoteVolume.toString()).toBe('320.39085084');
  });

  it('tolerates a header line, CRLF and blank lines', () => {
    const header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
    const klines = parseKlineCsv(`${header}\r\n${ROW_MS}\r\n\r\n${ROW_MS}\r\n`);
    expect(klines).toHaveLength(2);
  });

  it('converts microsecond times (Binance spot files from 2025) to ms', () => {
    const us = '1735689600000000,1,2,0.5,1.5,10,1735689659999999,15,4,5,7.5,0';
    const [k] = parseKlineCsv(us);
    expect(k?.openTime).toBe(1735689600000);
    expect(k?.closeTime).toBe(1735689659999);
  });

  it('reports the line of a bad row', () => {
    expect(() => parseKlineCsv(`${ROW_MS}\n${ROW_MS.replace('4261.48000000', '4261,48')}`)).toThrow(CsvFormatError);
    expect(() => parseKlineCsv(`${ROW_MS}\n${ROW_MS.replace('1.77518300', 'x')}`)).toThrow(/line 2: volume/);
    expect(() => parseKlineCsv(ROW_MS.replace('1502942400000', '150294240000000'))).toThrow(/open time/);
    expect(() => parseKlineCsv(ROW_MS.replace(',3,', ',3.5,'))).toThrow(/number of trades/);
    expect(() => parseKlineCsv(`${ROW_MS}\nopen_time,open`)).toThrow(CsvFormatError);
  });
});
