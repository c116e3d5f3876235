import { IntervalError } from './errors.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const INTERVAL_RE = /^([1-9]\d*)([smhdw])$/;

/**
 * The length in ms of a candle interval such as `1s`, `1m`, `5m`, `1h`, `4h`, `1d`, `1w`.
 *
 * Months (`1M` on Binance) are refused: they have no fixed length, and windows here are fixed-length
 * and aligned to the epoch. Note that epoch alignment makes `1w` windows start on Thursdays
 * (1970-01-01 was one) and `3d` windows fall where the epoch puts them, unlike Binance's Monday weeks.
 */
export function intervalMs(interval: string): number {
  const m = INTERVAL_RE.exec(interval);
  if (!m) throw new IntervalError(interval, 'expected <positive integer><s|m|h|d|w>, e.g. 1m, 5m, 1h');
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new IntervalError(interval, 'too long');
  return ms;
}
