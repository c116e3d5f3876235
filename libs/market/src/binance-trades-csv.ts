import { csvBoolean, csvDecimal, csvEpochMillis, csvInteger, csvRows } from './csv.js';
import { CsvFormatError } from './errors.js';
import { normalisePair } from './symbols.js';
import type { Trade } from './trade.js';

export interface BinanceTradesCsvOptions {
  /** The Binance symbol of the file, e.g. BTCUSDT: the dump's rows do not name it. */
  symbol: string;
  /** Stamped on every trade as `receivedTime` (for a replay: when the file was read). */
  receivedTime: number;
}

/**
 * Parses a Binance public trades dump (`id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]`)
 * into trades. A header line is tolerated and microsecond times are converted to ms. `quote_qty` is
 * not kept: a Trade has no such field, and candles compute price x qty exactly themselves.
 * Throws `CsvFormatError` (with the line) or `UnknownSymbolError`.
 */
export function parseBinanceTradesCsv(text: string, options: BinanceTradesCsvOptions): Trade[] {
  const trades: Trade[] = [];
  for (const row of csvRows(text)) trades.push(parseBinanceTradeFields(row.fields, options, row.line));
  return trades;
}

/**
 * One trades-dump row as a Trade, for callers that stream a large file line by line; `line` only
 * labels errors. Six fields (futures dumps, no is_best_match) or seven (spot).
 */
export function parseBinanceTradeFields(fields: readonly string[], options: BinanceTradesCsvOptions, line = 1): Trade {
  if (fields.length !== 6 && fields.length !== 7) {
    throw new CsvFormatError(`expected 6 or 7 trade fields, got ${fields.length}`, line);
  }
  const f = (i: number): string => fields[i] as string;
  return {
    exchange: 'BINANCE',
    symbol: options.symbol,
    pair: normalisePair('BINANCE', options.symbol),
    tradeId: csvInteger(f(0), 'id', line),
    price: csvDecimal(f(1), 'price', line),
    quantity: csvDecimal(f(2), 'qty', line),
    tradeTime: csvEpochMillis(f(4), 'time', line),
    buyerIsMaker: csvBoolean(f(5), 'is_buyer_maker', line),
    receivedTime: options.receivedTime,
  };
}
