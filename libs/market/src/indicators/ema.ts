import { checkClose, checkPeriod } from './inputs.js';

/**
 * Exponential moving average with alpha = 2 / (period + 1), seeded with the SMA of the first `period`
 * closes (StockCharts' definition; TradingView's `ta.ema` seeds with the first close instead, so the
 * two differ for the first few dozen values and then converge).
 */
export interface EmaState {
  period: number;
  /** The first closes while warming up; emptied once the seed SMA is taken. */
  seed: number[];
  /** null until warm. */
  value: number | null;
}

export function createEma(period: number): EmaState {
  return { period: checkPeriod(period), seed: [], value: null };
}

/** Adds a close (mutating `state`) and returns the EMA, or undefined until `period` closes were seen. */
export function updateEma(state: EmaState, close: number): number | undefined {
  checkClose(close);
  if (state.value === null) {
    state.seed.push(close);
    if (state.seed.length < state.period) return undefined;
    let sum = 0;
    for (const v of state.seed) sum += v;
    state.value = sum / state.period;
    state.seed = [];
    return state.value;
  }
  const alpha = 2 / (state.period + 1);
  state.value = alpha * close + (1 - alpha) * state.value;
  return state.value;
}
