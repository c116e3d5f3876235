import { UnknownExchangeError, UnknownSymbolError } from './errors.js';

export const EXCHANGES = ['BINANCE', 'COINBASE', 'KRAKEN'] as const;
export type ExchangeName = (typeof EXCHANGES)[number];

/**
 * Quote assets of Binance spot markets. A Binance symbol is BASE and QUOTE glued together (BTCUSDT),
 * so the only way to split it without a network call is a known suffix. Longest suffixes are tried
 * first, so FDUSD wins over a shorter match and BTCUSDT is never read as BTCUSD + T.
 */
const BINANCE_QUOTES = [
  'FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'USDP', 'USDS', 'AEUR', 'EURI', 'IDRT', 'BIDR', 'BVND',
  'BTC', 'ETH', 'BNB', 'XRP', 'TRX', 'DOT', 'DAI', 'PAX', 'UST', 'VAI',
  'EUR', 'GBP', 'TRY', 'BRL', 'AUD', 'RUB', 'UAH', 'NGN', 'ZAR', 'PLN', 'RON', 'ARS', 'JPY', 'MXN', 'COP', 'CZK',
].sort((a, b) => b.length - a.length);

/** Kraken's legacy asset codes that other exchanges spell differently (v1 WebSocket pairs use them). */
const KRAKEN_ALIASES: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

const COINBASE_RE = /^([A-Z0-9]+)-([A-Z0-9]+)$/;
const KRAKEN_RE = /^([A-Z0-9.]+)\/([A-Z0-9.]+)$/;
const BINANCE_RE = /^[A-Z0-9]+$/;

/** Memo of normalised pairs: the producer asks once per trade, the answer never changes. Bounded by MEMO_LIMIT. */
const memo = new Map<string, string>();
const MEMO_LIMIT = 10_000;

/**
 * The normalised `BASE-QUOTE` pair of an exchange symbol, shared across exchanges:
 * BINANCE `BTCUSDT` -> `BTC-USDT`, COINBASE `BTC-USD` -> `BTC-USD`, KRAKEN `XBT/USD` -> `BTC-USD`.
 * Throws `UnknownExchangeError` or `UnknownSymbolError`.
 */
export function normalisePair(exchange: string, symbol: string): string {
  const key = `${exchange}:${symbol}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const pair = split(exchange, symbol);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, pair);
  return pair;
}

function split(exchange: string, symbol: string): string {
  switch (exchange) {
    case 'BINANCE':
      return splitBinance(symbol);
    case 'COINBASE': {
      if (!COINBASE_RE.test(symbol)) throw new UnknownSymbolError(exchange, symbol, 'expected BASE-QUOTE, e.g. BTC-USD');
      return symbol;
    }
    case 'KRAKEN': {
      const m = KRAKEN_RE.exec(symbol);
      if (!m) throw new UnknownSymbolError(exchange, symbol, 'expected BASE/QUOTE, e.g. XBT/USD');
      const base = m[1] as string;
      const quote = m[2] as string;
      return `${KRAKEN_ALIASES[base] ?? base}-${KRAKEN_ALIASES[quote] ?? quote}`;
    }
    default:
      throw new UnknownExchangeError(exchange);
  }
}

function splitBinance(symbol: string): string {
  if (!BINANCE_RE.test(symbol)) throw new UnknownSymbolError('BINANCE', symbol, 'expected upper-case letters and digits, e.g. BTCUSDT');
  for (const quote of BINANCE_QUOTES) {
    if (symbol.length > quote.length && symbol.endsWith(quote)) {
      return `${symbol.slice(0, -quote.length)}-${quote}`;
    }
  }
  throw new UnknownSymbolError('BINANCE', symbol, `no known quote asset at the end (known: ${BINANCE_QUOTES.join(', ')})`);
}
