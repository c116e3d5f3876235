import type { Trade } from '@candlestream/market';
import { ExchangeConfigError } from './errors.js';
import { isoToEpochMillis } from './iso-time.js';
import {
  MalformedMessageError,
  arrayField,
  decimalField,
  guardParse,
  integerField,
  integerText,
  isObject,
  pairOf,
  parseJson,
  stringField,
  type JsonObject,
} from './message-fields.js';
import type { ExchangeParser, ParseResult } from './types.js';

/** Advanced Trade market data (public channels need no JWT). */
export const COINBASE_ADVANCED_TRADE_URL = 'wss://advanced-trade-ws.coinbase.com';
/** The old Exchange (ex-Pro) feed, whose `matches` channel the recording in shared/data uses. */
export const COINBASE_EXCHANGE_FEED_URL = 'wss://ws-feed.exchange.coinbase.com';

export interface CoinbaseAdvancedTradeSubscribe {
  type: 'subscribe';
  product_ids: string[];
  channel: 'market_trades' | 'heartbeats';
}

export interface CoinbaseExchangeFeedSubscribe {
  type: 'subscribe';
  product_ids: string[];
  channels: ['matches', 'heartbeat'];
}

const PRODUCT_RE = /^[A-Z0-9]+-[A-Z0-9]+$/;

function checkProducts(productIds: readonly string[]): string[] {
  if (productIds.length === 0) throw new ExchangeConfigError('COINBASE', 'no products to subscribe to');
  const bad = productIds.find((p) => !PRODUCT_RE.test(p));
  if (bad !== undefined) throw new ExchangeConfigError('COINBASE', `not a Coinbase product id: ${JSON.stringify(bad)}`);
  return [...productIds];
}

/**
 * Advanced Trade subscribe frames, one per channel as the API requires: `market_trades`, plus
 * `heartbeats`, because Coinbase closes subscriptions that see no update for 60-90 s (quiet markets).
 */
export function coinbaseAdvancedTradeSubscribe(productIds: readonly string[]): CoinbaseAdvancedTradeSubscribe[] {
  const product_ids = checkProducts(productIds);
  return [
    { type: 'subscribe', product_ids, channel: 'market_trades' },
    { type: 'subscribe', product_ids: [...product_ids], channel: 'heartbeats' },
  ];
}

/** The Exchange feed subscribe frame: `matches`, plus `heartbeat` for liveness (its frames carry last_trade_id). */
export function coinbaseExchangeFeedSubscribe(productIds: readonly string[]): CoinbaseExchangeFeedSubscribe {
  return { type: 'subscribe', product_ids: checkProducts(productIds), channels: ['matches', 'heartbeat'] };
}

/** Exchange feed message types that carry no trade; anything else unknown is `type:other`. */
const FEED_TYPES = new Set(['subscriptions', 'heartbeat', 'ticker', 'l2update', 'snapshot', 'received', 'open', 'done', 'change', 'activate', 'status']);
/** Advanced Trade channels that carry no trade. */
const ADVANCED_CHANNELS = new Set(['heartbeats', 'subscriptions', 'ticker', 'ticker_batch', 'l2_data', 'candles', 'status', 'user', 'futures_balance_summary']);

/**
 * Coinbase trade frames from either feed.
 *
 * Exchange feed (`{"type":"match"|"last_match",...}`): `side` is the **maker's** side ("The side field
 * indicates the maker order side": a `sell` match is an up-tick, a taker buying from a resting sell).
 * So `side: "sell"` means the buyer was the taker: buyerIsMaker = (side === 'buy'). The recording
 * confirms it: its `ticker` frames, whose `side` is the taker's, show the opposite side for the same
 * trade_id. `last_match` is the latest trade, sent once per product after subscribing; it repeats
 * a trade already seen before a reconnect, so downstream dedup by trade id handles it.
 *
 * Advanced Trade (`{"channel":"market_trades","events":[{"type":"snapshot"|"update","trades":[...]}]}`):
 * `side` is upper case and, per Coinbase's API reference ("Taker side of the trade", BUY | SELL), the
 * **taker's** side, so buyerIsMaker = (side === 'SELL'): the reverse reading of the old feed. A
 * snapshot repeats recent trades. `trade_id` is a numeric string.
 *
 * Times are RFC 3339 with micro- or nanoseconds, truncated to the millisecond.
 * Ignored reasons: `type:<name>` / `channel:<name>` for known non-trade messages, `type:other` /
 * `channel:other` for new ones (Coinbase: "clients are expected to ignore messages they do not
 * support"), `server-error` for `{"type":"error"}`.
 */
export function parseCoinbaseMessage(raw: string, receivedTime: number): ParseResult {
  return guardParse(raw, () => {
    const msg = parseJson(raw);
    if (!isObject(msg)) throw new MalformedMessageError('not-an-object');
    if (typeof msg.channel === 'string') return parseAdvancedTrade(msg, msg.channel, receivedTime);
    const type = stringField(msg, 'type');
    if (type === 'match' || type === 'last_match') return { kind: 'trades', trades: [feedMatch(msg, receivedTime)] };
    if (type === 'error') return { kind: 'ignored', reason: 'server-error' };
    return { kind: 'ignored', reason: FEED_TYPES.has(type) ? `type:${type}` : 'type:other' };
  });
}

export const coinbaseParser: ExchangeParser = { exchange: 'COINBASE', parse: parseCoinbaseMessage };

function feedMatch(m: JsonObject, receivedTime: number): Trade {
  const symbol = stringField(m, 'product_id');
  const makerSide = stringField(m, 'side');
  if (makerSide !== 'buy' && makerSide !== 'sell') throw new MalformedMessageError('bad-value:side');
  return {
    exchange: 'COINBASE',
    symbol,
    pair: pairOf('COINBASE', symbol, 'product_id'),
    tradeId: integerField(m, 'trade_id'),
    price: decimalField(m, 'price'),
    quantity: decimalField(m, 'size'),
    tradeTime: timeField(m, 'time'),
    buyerIsMaker: makerSide === 'buy',
    receivedTime,
  };
}

function parseAdvancedTrade(msg: JsonObject, channel: string, receivedTime: number): ParseResult {
  if (channel !== 'market_trades') {
    return { kind: 'ignored', reason: ADVANCED_CHANNELS.has(channel) ? `channel:${channel}` : 'channel:other' };
  }
  const trades: Trade[] = [];
  for (const event of arrayField(msg, 'events')) {
    if (!isObject(event)) throw new MalformedMessageError('wrong-type:events');
    for (const t of arrayField(event, 'trades')) {
      if (!isObject(t)) throw new MalformedMessageError('wrong-type:trades');
      trades.push(marketTrade(t, receivedTime));
    }
  }
  return { kind: 'trades', trades };
}

function marketTrade(t: JsonObject, receivedTime: number): Trade {
  const symbol = stringField(t, 'product_id');
  const takerSide = stringField(t, 'side');
  if (takerSide !== 'BUY' && takerSide !== 'SELL') throw new MalformedMessageError('bad-value:side');
  return {
    exchange: 'COINBASE',
    symbol,
    pair: pairOf('COINBASE', symbol, 'product_id'),
    tradeId: integerText(stringField(t, 'trade_id'), 'trade_id'),
    price: decimalField(t, 'price'),
    quantity: decimalField(t, 'size'),
    tradeTime: timeField(t, 'time'),
    buyerIsMaker: takerSide === 'SELL',
    receivedTime,
  };
}

function timeField(o: JsonObject, key: string): number {
  const ms = isoToEpochMillis(stringField(o, key));
  if (ms === undefined) throw new MalformedMessageError(`bad-time:${key}`);
  return ms;
}
