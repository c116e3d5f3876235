import type { Trade } from '@candlestream/market';
import { ExchangeConfigError } from './errors.js';
import { isoToEpochMillis } from './iso-time.js';
import { JsonNumber, JsonSyntaxError, parseLosslessJson, type LosslessObject, type LosslessValue } from './lossless-json.js';
import { MalformedMessageError, guardParse, integerText, pairOf, positiveDecimal } from './message-fields.js';
import type { ExchangeParser, ParseResult } from './types.js';

export const KRAKEN_V1_URL = 'wss://ws.kraken.com';
export const KRAKEN_V2_URL = 'wss://ws.kraken.com/v2';

export interface KrakenV1Subscribe {
  event: 'subscribe';
  pair: string[];
  subscription: { name: 'trade' };
}

export interface KrakenV2Subscribe {
  method: 'subscribe';
  params: { channel: 'trade'; symbol: string[]; snapshot: boolean };
}

const PAIR_RE = /^[A-Z0-9.]+\/[A-Z0-9.]+$/;

function checkPairs(pairs: readonly string[]): string[] {
  if (pairs.length === 0) throw new ExchangeConfigError('KRAKEN', 'no pairs to subscribe to');
  const bad = pairs.find((p) => !PAIR_RE.test(p));
  if (bad !== undefined) throw new ExchangeConfigError('KRAKEN', `not a Kraken pair: ${JSON.stringify(bad)} (expected e.g. XBT/USD)`);
  return [...pairs];
}

/** v1 subscribe frame: `{"event":"subscribe","pair":["XBT/USD"],"subscription":{"name":"trade"}}`. */
export function krakenV1Subscribe(pairs: readonly string[]): KrakenV1Subscribe {
  return { event: 'subscribe', pair: checkPairs(pairs), subscription: { name: 'trade' } };
}

/**
 * v2 subscribe frame: `{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":true}}`.
 * v2 spells Bitcoin BTC. The snapshot (the last 50 trades) repeats trades seen before a reconnect.
 */
export function krakenV2Subscribe(symbols: readonly string[], snapshot = true): KrakenV2Subscribe {
  return { method: 'subscribe', params: { channel: 'trade', symbol: checkPairs(symbols), snapshot } };
}

/** v1 events and v2 channels that carry no trade; anything else unknown is `event:other` / `channel:other`. */
const V1_EVENTS = new Set(['heartbeat', 'systemStatus', 'subscriptionStatus', 'pong']);
const V2_CHANNELS = new Set(['heartbeat', 'status', 'book', 'ticker', 'ohlc', 'instrument', 'level3', 'executions', 'balances']);

/**
 * Kraken trade frames, API v1 and v2, told apart by shape.
 *
 * v1: `[channelID,[[price,volume,time,side,orderType,misc],...],"trade","XMR/USD"]`, decimals as
 * strings, time as `"<epoch seconds>.<microseconds>"`, side `b`/`s` = the taker's side ("triggering
 * order side"), so buyerIsMaker = (side === 's'). **v1 has no trade id**: the id is synthesised as
 * the trade time in microseconds, which is deterministic (a replay or a second connection gives the
 * same ids). Within one frame ids are made strictly increasing (a trade in the same microsecond as
 * its predecessor gets the predecessor's id + 1), so execution order survives the (time, id) sort.
 * Limits: two trades in one microsecond in *different* frames collide, the ids are not consecutive
 * (gap detection does not apply), and they differ from v2's real trade ids. Prefer v2.
 *
 * v2: `{"channel":"trade","type":"snapshot"|"update","data":[{symbol,side,price,qty,ord_type,trade_id,timestamp}]}`,
 * price and qty as JSON **numbers**, read from their literal text (lossless-json.ts), never as doubles.
 * side `buy`/`sell` is the taker's side.
 *
 * Ignored reasons: `event:<name>` (v1 heartbeat, systemStatus, subscriptionStatus, pong),
 * `channel:<name>` (v2 heartbeat, status, ...), `non-trade-channel` (v1 ticker/book/... arrays),
 * `method-response` (v2 subscribe acks), and `event:other` / `channel:other` for new ones.
 */
export function parseKrakenMessage(raw: string, receivedTime: number): ParseResult {
  return guardParse(raw, () => {
    let msg: LosslessValue;
    try {
      msg = parseLosslessJson(raw);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw new MalformedMessageError('invalid-json');
      throw e;
    }
    if (Array.isArray(msg)) return v1Channel(msg, receivedTime);
    if (!isLosslessObject(msg)) throw new MalformedMessageError('not-an-object');
    if (msg.event !== undefined) {
      const event = str(msg, 'event');
      return { kind: 'ignored', reason: V1_EVENTS.has(event) ? `event:${event}` : 'event:other' };
    }
    if (msg.channel !== undefined) {
      const channel = str(msg, 'channel');
      if (channel === 'trade') return v2Trades(msg, receivedTime);
      return { kind: 'ignored', reason: V2_CHANNELS.has(channel) ? `channel:${channel}` : 'channel:other' };
    }
    if (msg.method !== undefined) return { kind: 'ignored', reason: 'method-response' };
    throw new MalformedMessageError('unknown-message');
  });
}

export const krakenParser: ExchangeParser = { exchange: 'KRAKEN', parse: parseKrakenMessage };

function v1Channel(frame: LosslessValue[], receivedTime: number): ParseResult {
  // [channelID, payload..., channelName, pair]: book frames have two payloads, so read from the end.
  if (frame.length < 4) throw new MalformedMessageError('wrong-type:frame');
  const channelName = frame[frame.length - 2];
  const symbol = frame[frame.length - 1];
  if (typeof channelName !== 'string' || typeof symbol !== 'string') throw new MalformedMessageError('wrong-type:frame');
  if (channelName !== 'trade') return { kind: 'ignored', reason: 'non-trade-channel' };
  const rows = frame[1];
  if (!Array.isArray(rows)) throw new MalformedMessageError('wrong-type:trades');
  const pair = pairOf('KRAKEN', symbol, 'pair');
  const trades: Trade[] = [];
  let previousId = -1;
  for (const row of rows) {
    if (!Array.isArray(row) || row.length < 4) throw new MalformedMessageError('wrong-type:trade');
    const [price, volume, time, side] = row;
    if (typeof price !== 'string' || typeof volume !== 'string' || typeof time !== 'string' || typeof side !== 'string') {
      throw new MalformedMessageError('wrong-type:trade');
    }
    if (side !== 'b' && side !== 's') throw new MalformedMessageError('bad-value:side');
    const { ms, us } = v1Time(time);
    const tradeId = us > previousId ? us : previousId + 1;
    previousId = tradeId;
    trades.push({
      exchange: 'KRAKEN',
      symbol,
      pair,
      tradeId,
      price: positiveDecimal(price, 'price'),
      quantity: positiveDecimal(volume, 'volume'),
      tradeTime: ms,
      buyerIsMaker: side === 's',
      receivedTime,
    });
  }
  return { kind: 'trades', trades };
}

const V1_TIME_RE = /^(\d{1,11})(?:\.(\d{1,9}))?$/;

/** `"1618678142.557535"` -> epoch ms (truncated) and epoch us, exactly, from the text. */
function v1Time(text: string): { ms: number; us: number } {
  const m = V1_TIME_RE.exec(text);
  if (!m) throw new MalformedMessageError('bad-time:time');
  const seconds = Number(m[1]);
  const fraction = (m[2] ?? '').padEnd(6, '0');
  return { ms: seconds * 1000 + Number(fraction.slice(0, 3)), us: seconds * 1_000_000 + Number(fraction.slice(0, 6)) };
}

function v2Trades(msg: LosslessObject, receivedTime: number): ParseResult {
  const type = str(msg, 'type');
  if (type !== 'snapshot' && type !== 'update') throw new MalformedMessageError('bad-value:type');
  const data = msg.data;
  if (data === undefined) throw new MalformedMessageError('missing-field:data');
  if (!Array.isArray(data)) throw new MalformedMessageError('wrong-type:data');
  const trades: Trade[] = [];
  for (const t of data) {
    if (!isLosslessObject(t)) throw new MalformedMessageError('wrong-type:data');
    const symbol = str(t, 'symbol');
    const side = str(t, 'side');
    if (side !== 'buy' && side !== 'sell') throw new MalformedMessageError('bad-value:side');
    const ms = isoToEpochMillis(str(t, 'timestamp'));
    if (ms === undefined) throw new MalformedMessageError('bad-time:timestamp');
    trades.push({
      exchange: 'KRAKEN',
      symbol,
      pair: pairOf('KRAKEN', symbol, 'symbol'),
      tradeId: integerText(num(t, 'trade_id'), 'trade_id'),
      price: positiveDecimal(num(t, 'price'), 'price'),
      quantity: positiveDecimal(num(t, 'qty'), 'qty'),
      tradeTime: ms,
      buyerIsMaker: side === 'sell',
      receivedTime,
    });
  }
  return { kind: 'trades', trades };
}

function isLosslessObject(v: LosslessValue | undefined): v is LosslessObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

function str(o: LosslessObject, key: string): string {
  const v = o[key];
  if (v === undefined) throw new MalformedMessageError(`missing-field:${key}`);
  if (typeof v !== 'string') throw new MalformedMessageError(`wrong-type:${key}`);
  return v;
}

/** The literal text of a JSON number field. */
function num(o: LosslessObject, key: string): string {
  const v = o[key];
  if (v === undefined) throw new MalformedMessageError(`missing-field:${key}`);
  if (!(v instanceof JsonNumber)) throw new MalformedMessageError(`wrong-type:${key}`);
  return v.text;
}
