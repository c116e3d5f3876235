import type { AvroKind } from './avro-kind.js';
import type { Decimal } from './decimal.js';

/** Decimals of prices, quantities and ratios in the schemas (`decimal(38,10)`). */
export const PRICE_SCALE = 10;
/** Decimals of price x quantity sums: the exact product of two scale-10 values (`decimal(38,20)`). */
export const QUOTE_SCALE = 20;

/** An OHLCV candle of one (exchange, symbol) over one window: the `Candle` record of `schemas/candle.avsc`. */
export interface Candle {
  exchange: string;
  symbol: string;
  pair: string;
  /** Window length: 1m, 5m, ... */
  interval: string;
  /** Window start, epoch ms UTC, aligned to the epoch. */
  openTime: number;
  /** Window end minus 1 ms, as in the exchange's klines. */
  closeTime: number;
  /** Price of the first trade by (trade time, trade id). */
  open: Decimal;
  high: Decimal;
  low: Decimal;
  /** Price of the last trade by (trade time, trade id). */
  close: Decimal;
  /** Sum of base quantity. */
  volume: Decimal;
  /** Sum of price x quantity, exact (scale 20). */
  quoteVolume: Decimal;
  tradeCount: number;
  /** Base quantity of trades whose taker bought. */
  takerBuyVolume: Decimal;
  takerBuyQuoteVolume: Decimal;
  /** quoteVolume / volume, rounded half-even to 10 decimals. */
  vwap: Decimal;
  /** close - open. */
  priceChange: Decimal;
  /** (close - open) / open x 100, rounded half-even to 10 decimals. */
  priceChangePercent: Decimal;
  firstTradeId: number;
  lastTradeId: number;
}

/** The Avro kind of every `Candle` field; see `TRADE_FIELDS` for how drift is caught on both sides. */
export const CANDLE_FIELDS = {
  exchange: 'string',
  symbol: 'string',
  pair: 'string',
  interval: 'string',
  openTime: 'timestamp-millis',
  closeTime: 'timestamp-millis',
  open: 'decimal(38,10)',
  high: 'decimal(38,10)',
  low: 'decimal(38,10)',
  close: 'decimal(38,10)',
  volume: 'decimal(38,10)',
  quoteVolume: 'decimal(38,20)',
  tradeCount: 'long',
  takerBuyVolume: 'decimal(38,10)',
  takerBuyQuoteVolume: 'decimal(38,20)',
  vwap: 'decimal(38,10)',
  priceChange: 'decimal(38,10)',
  priceChangePercent: 'decimal(38,10)',
  firstTradeId: 'long',
  lastTradeId: 'long',
} as const satisfies Record<keyof Candle, AvroKind>;
