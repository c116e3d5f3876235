import { csvDecimal, csvEpochMillis, csvInteger, csvRows } from './csv.js';
import type { Decimal } from './decimal.js';
import { CsvFormatError } from './errors.js';

/** One row of Binance's kline dump (`/api/v3/klines` format); times in epoch ms UTC. */
export interface Kline {
  openTime: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
  /** open time + interval - 1 ms. */
  closeTime: number;
  quoteVolume: Decimal;
  tradeCount: number;
  /** Base volume of trades whose taker bought (isBuyerMaker false). */
  takerBuyBaseVolume: Decimal;
  takerBuyQuoteVolume: Decimal;
}

/** Parses a whole kline CSV file (header line tolerated, microsecond files converted to ms). */
export function parseKlineCsv(text: string): Kline[] {
  const klines: Kline[] = [];
  for (const row of csvRows(text)) klines.push(parseKlineFields(row.fields, row.line));
  return klines;
}

/**
 * Parses the 12 fields of one kline row (the 12th, "ignore", is not read); `line` only labels errors.
 * Throws `CsvFormatError`.
 */
export function parseKlineFields(fields: readonly string[], line = 1): Kline {
  if (fields.length !== 12) throw new CsvFormatError(`expected 12 kline fields, got ${fields.length}`, line);
  const f = (i: number): string => fields[i] as string;
  return {
    openTime: csvEpochMillis(f(0), 'open time', line),
    open: csvDecimal(f(1), 'open', line),
    high: csvDecimal(f(2), 'high', line),
    low: csvDecimal(f(3), 'low', line),
    close: csvDecimal(f(4), 'close', line),
    volume: csvDecimal(f(5), 'volume', line),
    closeTime: csvEpochMillis(f(6), 'close time', line),
    quoteVolume: csvDecimal(f(7), 'quote asset volume', line),
    tradeCount: csvInteger(f(8), 'number of trades', line),
    takerBuyBaseVolume: csvDecimal(f(9), 'taker buy base volume', line),
    takerBuyQuoteVolume: csvDecimal(f(10), 'taker buy quote volume', line),
  };
}
