import { Decimal } from '../decimal.js';
import type { Candle } from '../candle.js';

/**
 * Cross-exchange spread of one normalised pair (e.g. BTC-USD on Coinbase and Kraken) per window:
 * the closes of every exchange that traded in the window, the widest gap between them in basis
 * points, and whether that gap pays for a round trip (taker fee on both legs) plus a margin.
 * Differences of prices are exact; the basis points are rounded half-even to 4 decimals.
 */
export interface SpreadConfig {
  /** Taker fee per leg, in basis points (10 = 0.10 %). */
  feeBps: number;
  /** Margin above both fees that makes a spread worth an alert, in basis points. */
  thresholdBps: number;
}

export const DEFAULT_SPREAD: SpreadConfig = { feeBps: 10, thresholdBps: 5 };

/** Closes seen for one (pair, interval, window), by exchange: plain JSON for a state store. */
export type SpreadState = Record<string, string>;

export interface Spread {
  pair: string;
  interval: string;
  openTime: number;
  closes: Record<string, string>;
  high: { exchange: string; close: string };
  low: { exchange: string; close: string };
  spread: string;
  spreadBps: string;
  /** Fees of both legs plus the threshold, in basis points. */
  breakEvenBps: number;
  arbitrage: boolean;
}

const BPS = Decimal.parse('10000');

/** Records `candle`'s close; returns the spread once two or more exchanges have a close for the window. */
export function observeSpread(state: SpreadState, candle: Candle, cfg: SpreadConfig = DEFAULT_SPREAD): Spread | null {
  state[candle.exchange] = candle.close.toString();
  const entries = Object.entries(state).map(([exchange, close]) => ({ exchange, close: Decimal.parse(close) }));
  if (entries.length < 2) return null;
  entries.sort((a, b) => a.close.compare(b.close) || a.exchange.localeCompare(b.exchange));
  const low = entries[0]!;
  const high = entries[entries.length - 1]!;
  const spread = high.close.sub(low.close);
  const spreadBps = low.close.isZero() ? Decimal.ZERO : spread.mul(BPS).div(low.close, 4);
  const breakEvenBps = 2 * cfg.feeBps + cfg.thresholdBps;
  return {
    pair: candle.pair,
    interval: candle.interval,
    openTime: candle.openTime,
    closes: { ...state },
    high: { exchange: high.exchange, close: high.close.toString() },
    low: { exchange: low.exchange, close: low.close.toString() },
    spread: spread.toString(),
    spreadBps: spreadBps.toFixed(4),
    breakEvenBps,
    arbitrage: spreadBps.compare(Decimal.fromNumber(breakEvenBps)) > 0,
  };
}
