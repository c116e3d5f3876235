/**
 * Paces a replay by the trades' own times: a trade `dt` ms after the first one is released `dt / speed`
 * ms after the first one was. Recordings have no receive times, so the exchange's times are the only
 * clock there is. Speed Infinity never waits. Times that go backwards (a late trade, a second file)
 * are released at once rather than rewinding the clock.
 */
export class Pacer {
  private baseTradeTime: number | undefined;
  private baseWall = 0;

  constructor(readonly speed: number) {}

  get paced(): boolean {
    return Number.isFinite(this.speed);
  }

  /** Milliseconds to wait before releasing a trade of `tradeTime`, measured at wall time `now`. */
  delay(tradeTime: number, now: number): number {
    if (!this.paced) return 0;
    if (this.baseTradeTime === undefined) {
      this.baseTradeTime = tradeTime;
      this.baseWall = now;
      return 0;
    }
    return this.baseWall + (tradeTime - this.baseTradeTime) / this.speed - now;
  }

  /** Starts a new time base (the next trade is released at once). */
  reset(): void {
    this.baseTradeTime = undefined;
  }
}
