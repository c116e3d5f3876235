import { checkClose, checkPeriod } from './inputs.js';

/**
 * Relative Strength Index with Wilder's smoothing: the first average gain/loss is the simple mean of
 * the first `period` changes, then avg = (previous avg x (period - 1) + current) / period.
 */
export interface RsiState {
  period: number;
  previousClose: number | null;
  /** Changes seen while warming up, and their summed gains and losses. */
  changes: number;
  gainSum: number;
  lossSum: number;
  /** null until `period` changes (period + 1 closes) were seen. */
  averageGain: number | null;
  averageLoss: number | null;
}

export function createRsi(period = 14): RsiState {
  return {
    period: checkPeriod(period),
    previousClose: null,
    changes: 0,
    gainSum: 0,
    lossSum: 0,
    averageGain: null,
    averageLoss: null,
  };
}

/**
 * Adds a close (mutating `state`) and returns the RSI in [0, 100], or undefined for the first
 * `period` closes. Without any loss the RSI is 100; without any movement at all it is 50 (neither
 * side has strength; the formula itself would divide 0 by 0).
 */
export function updateRsi(state: RsiState, close: number): number | undefined {
  checkClose(close);
  const previous = state.previousClose;
  state.previousClose = close;
  if (previous === null) return undefined;
  const change = close - previous;
  const gain = change > 0 ? change : 0;
  const loss = change < 0 ? -change : 0;
  const n = state.period;
  if (state.averageGain === null || state.averageLoss === null) {
    state.changes += 1;
    state.gainSum += gain;
    state.lossSum += loss;
    if (state.changes < n) return undefined;
    state.averageGain = state.gainSum / n;
    state.averageLoss = state.lossSum / n;
  } else {
    state.averageGain = (state.averageGain * (n - 1) + gain) / n;
    state.averageLoss = (state.averageLoss * (n - 1) + loss) / n;
  }
  if (state.averageLoss === 0) return state.averageGain === 0 ? 50 : 100;
  return 100 - 100 / (1 + state.averageGain / state.averageLoss);
}
