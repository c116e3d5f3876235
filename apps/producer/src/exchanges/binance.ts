import type { Trade } from '@candlestream/market';
import { ExchangeConfigError } from './errors.js';
import {
  MalformedMessageError,
  booleanField,
  decimalField,
  field,
  guardParse,
  integerField,
  isObject,
  objectField,
  pairOf,
  parseJson,
  stringField,
} from './message-fields.js';
import type { ExchangeParser, ParseResult } from './types.js';

export const BINANCE_STREAM_BASE_URL = 'wss://stream.binance.com:9443';
/** Binance refuses connections that ask for more streams than this. */
const MAX_STREAMS_PER_CONNECTION = 1024;
const SYMBOL_RE = /^[A-Za-z0-9]+$/;

/**
 * The combined-stream URL for the `@trade` streams of `symbols`:
 * `wss://stream.binance.com:9443/stream?streams=btcusdt@trade/ethusdt@trade`. Streams chosen in the
 * URL need no subscribe message. `baseUrl` switches to e.g. `wss://data-stream.binance.vision` or a
 * test server.
 */
export function binanceTradeStreamUrl(symbols: readonly string[], baseUrl: string = BINANCE_STREAM_BASE_URL): string {
  if (symbols.length === 0) throw new ExchangeConfigError('BINANCE', 'no symbols to subscribe to');
  if (symbols.length > MAX_STREAMS_PER_CONNECTION) {
    throw new ExchangeConfigError('BINANCE', `${symbols.length} streams; one connection takes at most ${MAX_STREAMS_PER_CONNECTION}`);
  }
  const bad = symbols.find((s) => !SYMBOL_RE.test(s));
  if (bad !== undefined) throw new ExchangeConfigError('BINANCE', `not a Binance symbol: ${JSON.stringify(bad)}`);
  const streams = symbols.map((s) => `${s.toLowerCase()}@trade`).join('/');
  return `${baseUrl.replace(/\/+$/, '')}/stream?streams=${streams}`;
}

/**
 * Binance spot `@trade` frames in the combined-stream wrapper:
 * `{"stream":"btcusdt@trade","data":{"e":"trade","E":..,"s":"BTCUSDT","t":..,"p":"..","q":"..","T":..,"m":true,"M":true}}`.
 * `T` (trade time) is the event time, not `E` (when the frame was built). `m` is buyer-is-maker as is.
 *
 * Ignored reasons: `non-trade-stream` (bookTicker, depth, kline, aggTrade, ...), `subscription-ack`
 * (`{"result":null,"id":1}` after a SUBSCRIBE), `server-error` (an error reply to a request).
 */
export function parseBinanceMessage(raw: string, receivedTime: number): ParseResult {
  return guardParse(raw, () => {
    const msg = parseJson(raw);
    if (!isObject(msg)) throw new MalformedMessageError('not-an-object');
    if (msg.stream === undefined) {
      if ('result' in msg && 'id' in msg) return { kind: 'ignored', reason: 'subscription-ack' };
      if ('error' in msg || ('code' in msg && 'msg' in msg)) return { kind: 'ignored', reason: 'server-error' };
    }
    const stream = stringField(msg, 'stream');
    if (!stream.endsWith('@trade')) return { kind: 'ignored', reason: 'non-trade-stream' };
    const data = objectField(msg, 'data');
    if (field(data, 'e') !== 'trade') throw new MalformedMessageError('unknown-event');
    const symbol = stringField(data, 's');
    const trade: Trade = {
      exchange: 'BINANCE',
      symbol,
      pair: pairOf('BINANCE', symbol, 's'),
      tradeId: integerField(data, 't'),
      price: decimalField(data, 'p'),
      quantity: decimalField(data, 'q'),
      tradeTime: integerField(data, 'T'),
      buyerIsMaker: booleanField(data, 'm'),
      receivedTime,
    };
    return { kind: 'trades', trades: [trade] };
  });
}

export const binanceParser: ExchangeParser = { exchange: 'BINANCE', parse: parseBinanceMessage };
