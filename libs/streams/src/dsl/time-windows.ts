import { TopologyError } from '../errors.js';

/**
 * Epoch-aligned time windows: window starts are multiples of `advanceMs`, each window covers
 * [start, start + sizeMs). Tumbling windows have advance = size. A window closes when stream time
 * reaches end + grace; a record whose every window is closed is late.
 */
export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  static tumbling(sizeMs: number, graceMs = 0): TimeWindows {
    return TimeWindows.hopping(sizeMs, sizeMs, graceMs);
  }

  static hopping(sizeMs: number, advanceMs: number, graceMs = 0): TimeWindows {
    if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) throw new TopologyError(`window size must be a positive integer of ms, got ${sizeMs}`);
    if (!Number.isSafeInteger(advanceMs) || advanceMs <= 0 || advanceMs > sizeMs) {
      throw new TopologyError(`window advance must be an integer in (0, size], got ${advanceMs}`);
    }
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new TopologyError(`grace must be an integer >= 0 ms, got ${graceMs}`);
    return new TimeWindows(sizeMs, advanceMs, graceMs);
  }

  /** Starts of the windows that contain `timestamp`, latest first. */
  startsFor(timestamp: number): number[] {
    const out: number[] = [];
    for (let s = this.lastStartFor(timestamp); s > timestamp - this.sizeMs; s -= this.advanceMs) out.push(s);
    return out;
  }

  /** The latest window start <= timestamp. */
  lastStartFor(timestamp: number): number {
    return Math.floor(timestamp / this.advanceMs) * this.advanceMs;
  }

  toString(): string {
    return this.advanceMs === this.sizeMs
      ? `tumbling(${this.sizeMs} ms, grace ${this.graceMs} ms)`
      : `hopping(${this.sizeMs} ms, advance ${this.advanceMs} ms, grace ${this.graceMs} ms)`;
  }
}

/** A windowed aggregation result: the record key, the window and the aggregate. */
export interface Windowed<A> {
  key: string;
  start: number;
  end: number;
  value: A;
}
