import type { Trade } from '@candlestream/market';

export const DAY_MS = 86_400_000;

/** The time shift per pass: the span (max - min + 1 ms, at least 1 ms) rounded up to whole days. */
export function dayAlignedSpan(minTime: number, maxTime: number): number {
  const span = maxTime >= minTime ? maxTime - minTime + 1 : 1;
  return Math.ceil(span / DAY_MS) * DAY_MS;
}

/**
 * Replays the same input several times as if it were one longer history: pass k shifts every trade
 * id by k times the id span of its symbol in pass 0, and every time by k times the input's time span
 * rounded up to whole days (`DAY_MS`), so ids stay consecutive across passes (no false gaps, no false
 * duplicates), times keep increasing, and every pass keeps the minute/5-minute/daily alignment of the
 * original: for a one-day input pass k is the same day k days later, and its candles are the
 * exchange's klines shifted by k days. Pass 0 records the spans; passes after it only shift.
 */
export class LoopShift {
  /** exchange -> symbol -> id range: two lookups, no key string per trade. */
  private readonly ids = new Map<string, Map<string, { min: number; max: number }>>();
  private minTime = Infinity;
  private maxTime = -Infinity;
  private timeSpan: number | undefined;

  /** Pass 0: remember the spans. */
  observe(t: Trade): void {
    let bySymbol = this.ids.get(t.exchange);
    if (!bySymbol) {
      bySymbol = new Map();
      this.ids.set(t.exchange, bySymbol);
    }
    const r = bySymbol.get(t.symbol);
    if (!r) bySymbol.set(t.symbol, { min: t.tradeId, max: t.tradeId });
    else {
      if (t.tradeId < r.min) r.min = t.tradeId;
      if (t.tradeId > r.max) r.max = t.tradeId;
    }
    if (t.tradeTime < this.minTime) this.minTime = t.tradeTime;
    if (t.tradeTime > this.maxTime) this.maxTime = t.tradeTime;
    this.timeSpan = undefined;
  }

  /** Milliseconds every pass moves times by: whole days, at least one. */
  get timeShift(): number {
    return (this.timeSpan ??= dayAlignedSpan(this.minTime, this.maxTime));
  }

  /**
   * Pass `pass` (>= 1): moves the trade, in place, to `baseId`/`baseTime` (its pass-0 values) plus
   * `pass` spans, received at `receivedTime`. In place because a looped replay runs this a million
   * times a second and the trade is not kept after it is encoded.
   */
  shift(t: Trade, pass: number, receivedTime: number, baseId = t.tradeId, baseTime = t.tradeTime): void {
    const r = this.ids.get(t.exchange)?.get(t.symbol);
    t.tradeId = baseId + (r ? pass * (r.max - r.min + 1) : 0);
    t.tradeTime = baseTime + pass * this.timeShift;
    t.receivedTime = receivedTime;
  }
}
