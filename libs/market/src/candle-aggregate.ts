import { PRICE_SCALE, QUOTE_SCALE, type Candle } from './candle.js';
import { Decimal } from './decimal.js';
import { CandleStateError, EmptyCandleError } from './errors.js';
import type { Trade } from './trade.js';

/**
 * The running aggregate of one candle window. Prices and quantities are bigint units at
 * `PRICE_SCALE` (10) and price x quantity sums at `QUOTE_SCALE` (20), the scales of candle.avsc: on
 * the hot path (~200k trades/s) a trade costs a few bigint operations, not a Decimal per field, and
 * every sum is exact. Open and close remember their (trade time, trade id) so that they are the first
 * and last trade by that order whatever order trades arrive in (out-of-order records within grace).
 *
 * bigints do not survive `JSON.stringify`: store it with `encodeCandleState` / `decodeCandleState`.
 */
export interface CandleState {
  /** 0 for a fresh state; every other field is meaningless until the first trade. */
  tradeCount: number;
  openPrice: bigint;
  openTradeTime: number;
  openTradeId: number;
  closePrice: bigint;
  closeTradeTime: number;
  closeTradeId: number;
  high: bigint;
  low: bigint;
  volume: bigint;
  quoteVolume: bigint;
  /** Sums over trades whose taker bought (buyerIsMaker === false). */
  takerBuyVolume: bigint;
  takerBuyQuoteVolume: bigint;
  firstTradeId: number;
  lastTradeId: number;
}

/** What a candle needs besides its trades: the key and the window it was aggregated over. */
export interface CandleWindow {
  exchange: string;
  symbol: string;
  pair: string;
  interval: string;
  /** Window start, epoch ms. */
  openTime: number;
  /** Window end minus 1 ms. */
  closeTime: number;
}

export function emptyCandleState(): CandleState {
  return {
    tradeCount: 0,
    openPrice: 0n,
    openTradeTime: 0,
    openTradeId: 0,
    closePrice: 0n,
    closeTradeTime: 0,
    closeTradeId: 0,
    high: 0n,
    low: 0n,
    volume: 0n,
    quoteVolume: 0n,
    takerBuyVolume: 0n,
    takerBuyQuoteVolume: 0n,
    firstTradeId: 0,
    lastTradeId: 0,
  };
}

/**
 * Adds one trade to `state` **in place** and returns the same object (no allocation per trade; the
 * return value suits reducer-style aggregate callbacks). Not idempotent: a trade added twice counts
 * twice, so duplicates must be dropped upstream (the producer deduplicates by trade id).
 * Throws `DecimalError` for a price or quantity with non-zero digits past 10 decimals: the schema
 * cannot hold it exactly.
 */
export function addTrade(state: CandleState, trade: Trade): CandleState {
  const price = atPriceScale(trade.price);
  const qty = atPriceScale(trade.quantity);
  const quote = price * qty;
  const time = trade.tradeTime;
  const id = trade.tradeId;
  if (state.tradeCount === 0) {
    state.openPrice = price;
    state.openTradeTime = time;
    state.openTradeId = id;
    state.closePrice = price;
    state.closeTradeTime = time;
    state.closeTradeId = id;
    state.high = price;
    state.low = price;
    state.firstTradeId = id;
    state.lastTradeId = id;
  } else {
    if (time < state.openTradeTime || (time === state.openTradeTime && id < state.openTradeId)) {
      state.openPrice = price;
      state.openTradeTime = time;
      state.openTradeId = id;
    }
    if (time > state.closeTradeTime || (time === state.closeTradeTime && id > state.closeTradeId)) {
      state.closePrice = price;
      state.closeTradeTime = time;
      state.closeTradeId = id;
    }
    if (price > state.high) state.high = price;
    if (price < state.low) state.low = price;
    if (id < state.firstTradeId) state.firstTradeId = id;
    if (id > state.lastTradeId) state.lastTradeId = id;
  }
  state.volume += qty;
  state.quoteVolume += quote;
  if (!trade.buyerIsMaker) {
    state.takerBuyVolume += qty;
    state.takerBuyQuoteVolume += quote;
  }
  state.tradeCount += 1;
  return state;
}

const HUNDRED = Decimal.fromUnits(100n, 0);

/**
 * The Candle record of a non-empty state. VWAP and the percent change are divided half-even to 10
 * decimals, as candle.avsc documents. A window whose trades all had quantity 0 has no VWAP; it takes
 * the close, so the record stays valid. Throws `EmptyCandleError` for a state without trades, and
 * `DecimalError` if the open price is 0 (no percent change exists).
 */
export function toCandle(state: CandleState, window: CandleWindow): Candle {
  if (state.tradeCount === 0) throw new EmptyCandleError();
  const open = atScale(state.openPrice);
  const close = atScale(state.closePrice);
  const volume = atScale(state.volume);
  const quoteVolume = Decimal.fromUnits(state.quoteVolume, QUOTE_SCALE);
  const priceChange = close.sub(open);
  return {
    exchange: window.exchange,
    symbol: window.symbol,
    pair: window.pair,
    interval: window.interval,
    openTime: window.openTime,
    closeTime: window.closeTime,
    open,
    high: atScale(state.high),
    low: atScale(state.low),
    close,
    volume,
    quoteVolume,
    tradeCount: state.tradeCount,
    takerBuyVolume: atScale(state.takerBuyVolume),
    takerBuyQuoteVolume: Decimal.fromUnits(state.takerBuyQuoteVolume, QUOTE_SCALE),
    vwap: state.volume === 0n ? close : quoteVolume.div(volume, PRICE_SCALE),
    priceChange,
    priceChangePercent: priceChange.mul(HUNDRED).div(open, PRICE_SCALE),
    firstTradeId: state.firstTradeId,
    lastTradeId: state.lastTradeId,
  };
}

/** Format tag of the encoded form; bump it when the layout changes so old changelogs fail loudly. */
const ENCODING = 'c1';
const ENCODED_PARTS = 16;
const INTEGER = /^-?\d+$/;

/**
 * A compact, exact text form of a state for the state store and its changelog:
 * `c1,<count>,<open time>,<open id>,<open>,<close time>,<close id>,<close>,<high>,<low>,<volume>,
 * <quote volume>,<taker buy volume>,<taker buy quote volume>,<first id>,<last id>`, bigints as decimal
 * integers of units (scale 10, quote sums scale 20): 140-190 bytes for a BTCUSDT minute.
 */
export function encodeCandleState(s: CandleState): string {
  return [
    ENCODING,
    s.tradeCount,
    s.openTradeTime,
    s.openTradeId,
    s.openPrice,
    s.closeTradeTime,
    s.closeTradeId,
    s.closePrice,
    s.high,
    s.low,
    s.volume,
    s.quoteVolume,
    s.takerBuyVolume,
    s.takerBuyQuoteVolume,
    s.firstTradeId,
    s.lastTradeId,
  ].join(',');
}

/** The inverse of `encodeCandleState`. Throws `CandleStateError` for anything it did not write. */
export function decodeCandleState(encoded: string): CandleState {
  const parts = encoded.split(',');
  if (parts[0] !== ENCODING) throw new CandleStateError(`unknown candle state encoding (expected "${ENCODING},...")`, encoded);
  if (parts.length !== ENCODED_PARTS) {
    throw new CandleStateError(`expected ${ENCODED_PARTS} comma-separated parts, got ${parts.length}`, encoded);
  }
  const big = (i: number): bigint => {
    const text = parts[i] as string;
    if (!INTEGER.test(text)) throw new CandleStateError(`part ${i} is not an integer: ${JSON.stringify(text)}`, encoded);
    return BigInt(text);
  };
  const int = (i: number): number => {
    const n = Number(big(i));
    if (!Number.isSafeInteger(n)) throw new CandleStateError(`part ${i} is not a safe integer`, encoded);
    return n;
  };
  return {
    tradeCount: int(1),
    openTradeTime: int(2),
    openTradeId: int(3),
    openPrice: big(4),
    closeTradeTime: int(5),
    closeTradeId: int(6),
    closePrice: big(7),
    high: big(8),
    low: big(9),
    volume: big(10),
    quoteVolume: big(11),
    takerBuyVolume: big(12),
    takerBuyQuoteVolume: big(13),
    firstTradeId: int(14),
    lastTradeId: int(15),
  };
}

/** 10^0 .. 10^PRICE_SCALE, so that widening a trade's decimals is one multiplication. */
const POW10 = Array.from({ length: PRICE_SCALE + 1 }, (_, i) => 10n ** BigInt(i));

function atPriceScale(d: Decimal): bigint {
  if (d.scale === PRICE_SCALE) return d.units;
  if (d.scale < PRICE_SCALE) return d.units * (POW10[PRICE_SCALE - d.scale] as bigint);
  return d.unitsAt(PRICE_SCALE);
}

function atScale(units: bigint): Decimal {
  return Decimal.fromUnits(units, PRICE_SCALE);
}
