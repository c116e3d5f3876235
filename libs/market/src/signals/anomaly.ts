import type { Candle } from '../candle.js';

/**
 * Price and volume anomalies on closed candles of one symbol: the candle's simple return and its
 * volume are compared with the previous `window` candles as z-scores. These are statistics over
 * ratios, so JS numbers are right here (a z-score of 4.0000000001 vs 4 changes nothing), unlike the
 * candle sums, which stay exact. The state is plain JSON so a state store can hold it.
 */
export interface AnomalyConfig {
  /** Candles in the rolling window (the current one is compared against the previous ones). */
  window: number;
  /** Fewer previous candles than this and nothing is judged (the statistics would be noise). */
  minSamples: number;
  /** |z| at or above this raises an alert. */
  zThreshold: number;
}

export const DEFAULT_ANOMALY: AnomalyConfig = { window: 60, minSamples: 20, zThreshold: 4 };

export interface AnomalyState {
  prevClose: string | null;
  returns: number[];
  volumes: number[];
}

export interface Anomaly {
  kind: 'return' | 'volume';
  exchange: string;
  symbol: string;
  interval: string;
  openTime: number;
  value: number;
  mean: number;
  stdev: number;
  z: number;
  samples: number;
  threshold: number;
}

export function emptyAnomalyState(): AnomalyState {
  return { prevClose: null, returns: [], volumes: [] };
}

function stats(xs: number[]): { mean: number; stdev: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, stdev: Math.sqrt(variance) };
}

function judge(kind: Anomaly['kind'], value: number, history: number[], c: Candle, cfg: AnomalyConfig): Anomaly | null {
  if (history.length < cfg.minSamples) return null;
  const { mean, stdev } = stats(history);
  // A flat history (stdev 0) makes every change infinitely surprising; it says nothing useful.
  if (!(stdev > 0)) return null;
  const z = (value - mean) / stdev;
  if (Math.abs(z) < cfg.zThreshold) return null;
  return { kind, exchange: c.exchange, symbol: c.symbol, interval: c.interval, openTime: c.openTime, value, mean, stdev, z, samples: history.length, threshold: cfg.zThreshold };
}

/** Judges `candle` against the state, then adds it to the state. Returns the anomalies found (0-2). */
export function observeCandle(state: AnomalyState, candle: Candle, cfg: AnomalyConfig = DEFAULT_ANOMALY): Anomaly[] {
  const out: Anomaly[] = [];
  const volume = candle.volume.toNumber();
  if (state.prevClose !== null) {
    const prev = Number(state.prevClose);
    const ret = prev === 0 ? 0 : candle.close.toNumber() / prev - 1;
    const a = judge('return', ret, state.returns, candle, cfg);
    if (a) out.push(a);
    state.returns.push(ret);
    if (state.returns.length > cfg.window) state.returns.shift();
  }
  const v = judge('volume', volume, state.volumes, candle, cfg);
  if (v) out.push(v);
  state.volumes.push(volume);
  if (state.volumes.length > cfg.window) state.volumes.shift();
  state.prevClose = candle.close.toString();
  return out;
}
