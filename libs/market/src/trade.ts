import type { AvroKind } from './avro-kind.js';
import type { Decimal } from './decimal.js';

/** One trade as the exchange reported it: the `Trade` record of `schemas/trade.avsc`. */
export interface Trade {
  /** Upper-case exchange name: BINANCE, COINBASE, KRAKEN. */
  exchange: string;
  /** The exchange's own symbol: BTCUSDT, BTC-USD, XBT/USD. */
  symbol: string;
  /** Normalised BASE-QUOTE pair shared across exchanges: BTC-USDT, BTC-USD. */
  pair: string;
  tradeId: number;
  price: Decimal;
  quantity: Decimal;
  /** Event time at the exchange, epoch ms UTC. */
  tradeTime: number;
  /** True when the buyer was the resting order, i.e. the taker sold. */
  buyerIsMaker: boolean;
  /** When the producer received it (replays: when it was read), epoch ms UTC. */
  receivedTime: number;
}

/**
 * The Avro kind of every `Trade` field. `satisfies Record<keyof Trade, ...>` makes a field added to the
 * interface but not here a compile error; `schema-fields.test.ts` compares this map with the .avsc.
 */
export const TRADE_FIELDS = {
  exchange: 'string',
  symbol: 'string',
  pair: 'string',
  tradeId: 'long',
  price: 'decimal(38,10)',
  quantity: 'decimal(38,10)',
  tradeTime: 'timestamp-millis',
  buyerIsMaker: 'boolean',
  receivedTime: 'timestamp-millis',
} as const satisfies Record<keyof Trade, AvroKind>;

/** The Kafka record key of a trade and of its candles: `<EXCHANGE>:<SYMBOL>`, e.g. `BINANCE:BTCUSDT`. */
export function tradeKey(trade: Pick<Trade, 'exchange' | 'symbol'>): string {
  return `${trade.exchange}:${trade.symbol}`;
}
