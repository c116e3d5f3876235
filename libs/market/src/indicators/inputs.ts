import { IndicatorError } from '../errors.js';

/*
 * Indicators compute on JS numbers, unlike candles. They are statistics for charts and signals: their
 * formulas divide by n and smooth by 2/(n+1) or 1/n, so no exact decimal result exists to keep, a
 * double's ~15 significant digits are far beyond what any chart or threshold reads, and nothing
 * computed here ever flows back into a candle's exact sums. Feed them `candle.close.toNumber()`.
 *
 * Each indicator is a plain state object (JSON-serialisable: numbers, arrays and nulls only) plus an
 * update function that mutates it with the next closed candle's close, so the processor can keep one
 * state per symbol in a state store and restore it from the changelog.
 */

/** Checks an indicator period (a positive integer). */
export function checkPeriod(period: number): number {
  if (!Number.isSafeInteger(period) || period < 1) throw new IndicatorError(`period must be a positive integer, got ${period}`);
  return period;
}

/** Checks a close before it enters a state: a NaN or Infinity would poison the state for good. */
export function checkClose(close: number): number {
  if (!Number.isFinite(close)) throw new IndicatorError(`close must be a finite number, got ${close}`);
  return close;
}
