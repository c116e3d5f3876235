import type { ExchangeName, Trade } from '@candlestream/market';

/**
 * What one WebSocket text frame holds. `reason` is a short stable code (`invalid-json`,
 * `missing-field:p`, `heartbeat`, ...) drawn from a fixed set per parser, so it can be a metric label.
 */
export type ParseResult =
  | { kind: 'trades'; trades: Trade[] }
  /** A well-formed frame that carries no trade: heartbeats, subscription acks, other streams. */
  | { kind: 'ignored'; reason: string }
  /** A frame that should have been a trade (or anything known) and is not. Never thrown. */
  | { kind: 'malformed'; reason: string };

/** Turns one exchange's public trade frames into Trades. Pure: no network, no clock. */
export interface ExchangeParser {
  readonly exchange: ExchangeName;
  /** Never throws: every failure is a `malformed` result. `receivedTime` is stamped on each trade. */
  parse(raw: string, receivedTime: number): ParseResult;
}

/**
 * Frames longer than this (in UTF-16 code units) are refused before JSON parsing. Trade frames are
 * well under 100 kB (a Coinbase or Kraken snapshot of 50 trades is ~10 kB), so anything larger is
 * a subscription mistake (an order book) or garbage, and parsing it would only stall the event loop.
 */
export const MAX_MESSAGE_LENGTH = 1_000_000;
