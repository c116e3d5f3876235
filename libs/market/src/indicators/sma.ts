import { checkClose, checkPeriod } from './inputs.js';

/** Simple moving average over the last `period` closes. */
export interface SmaState {
  period: number;
  /** The last closes, oldest first, at most `period` of them. */
  window: number[];
}

export function createSma(period: number): SmaState {
  return { period: checkPeriod(period), window: [] };
}

/**
 * Adds a close (mutating `state`) and returns the SMA, or undefined until `period` closes were seen.
 * The sum is recomputed from the window each time rather than kept running: a running float sum
 * drifts over months of candles, and a window of n numbers per closed candle costs nothing.
 */
export function updateSma(state: SmaState, close: number): number | undefined {
  state.window.push(checkClose(close));
  if (state.window.length > state.period) state.window.shift();
  if (state.window.length < state.period) return undefined;
  let sum = 0;
  for (const v of state.window) sum += v;
  return sum / state.period;
}
