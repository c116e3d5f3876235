import type { Cancellable } from '../../processor/processor.js';

/**
 * A scheduled punctuation. `fire` gets the current time and returns when it wants to run next, so
 * the same queue serves fixed intervals (public `schedule`) and internal deadlines (window closing).
 */
export interface Punctuation extends Cancellable {
  nextAt: number;
  cancelled: boolean;
  fire(time: number): number;
}

export class PunctuationQueue {
  private readonly items: Punctuation[] = [];
  /** Earliest `nextAt`: the per-record check is one comparison. */
  next = Infinity;

  add(nextAt: number, fire: (time: number) => number): Punctuation {
    const p: Punctuation = {
      nextAt,
      cancelled: false,
      fire,
      cancel: () => {
        p.cancelled = true;
      },
    };
    this.items.push(p);
    this.next = Math.min(this.next, nextAt);
    return p;
  }

  /** Fires every due punctuation once (in registration order), then recomputes `next`. */
  run(time: number): void {
    let next = Infinity;
    for (let i = 0; i < this.items.length; i++) {
      const p = this.items[i]!;
      if (p.cancelled) continue;
      if (time >= p.nextAt) p.nextAt = p.fire(time);
      if (p.nextAt < next) next = p.nextAt;
    }
    for (let i = this.items.length - 1; i >= 0; i--) if (this.items[i]!.cancelled) this.items.splice(i, 1);
    this.next = next;
  }

  clear(): void {
    this.items.length = 0;
    this.next = Infinity;
  }
}

/** Next multiple of `interval` strictly after `time` (epoch-aligned schedules). */
export function nextMultiple(time: number, interval: number): number {
  if (!Number.isFinite(time)) return time;
  return Math.floor(time / interval) * interval + interval;
}
