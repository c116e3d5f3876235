import type { Trade } from '@candlestream/market';

/**
 * Replays the same input several times as if it were one longer history: pass k shifts every trade
 * id by k times the id span of its symbol in pass 0, and every time by k times the input's time span
 * (plus 1 ms), so ids stay consecutive across passes (no false gaps, no false duplicates) and times
 * keep increasing. Pass 0 records the spans; passes after it only shift.
 */
export class LoopShift {
  /** exchange -> symbol -> id range: two lookups, no key string per trade. */
  private readonly ids = new Map<string, Map<string, { min: number; max: number }>>();
  private minTime = Infinity;
  private maxTime = -Infinity;

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
  }

  /**
   * Pass `pass` (>= 1): moves the trade, in place, to `baseId`/`baseTime` (its pass-0 values) plus
   * `pass` spans, received at `receivedTime`. In place because a looped replay runs this a million
   * times a second and the trade is not kept after it is encoded.
   */
  shift(t: Trade, pass: number, receivedTime: number, baseId = t.tradeId, baseTime = t.tradeTime): void {
    const r = this.ids.get(t.exchange)?.get(t.symbol);
    t.tradeId = baseId + (r ? pass * (r.max - r.min + 1) : 0);
    t.tradeTime = baseTime + pass * (this.maxTime - this.minTime + 1);
    t.receivedTime = receivedTime;
  }
}
