import type { Logger } from '@candlestream/metrics';
import type { IdRange, TradeIdTracker } from '../exchanges/gaps.js';
import type { ProducerMetrics } from '../metrics.js';

/** A run of missing trade ids, as reported. */
export interface ReportedGap extends IdRange {
  exchange: string;
  symbol: string;
  missing: number;
}

interface PendingGap extends IdRange {
  exchange: string;
  symbol: string;
  seenAt: number;
}

/**
 * Reports trade-id gaps once they are real. During a reconnect or rollover overlap the new
 * connection can run ahead of the old one: the tracker sees a gap that the old connection's late
 * trades fill a moment later. So a gap is only reported (metric + one log line with the missing
 * range) when it is still open `graceMs` after it was seen; whatever part was filled meanwhile is
 * not reported. `check(now, true)` at shutdown reports everything still open.
 */
export class GapReporter {
  private pending: PendingGap[] = [];
  /** The most recent reported gaps (up to 1000), for status output and tests. */
  readonly reported: ReportedGap[] = [];

  constructor(
    private readonly tracker: TradeIdTracker,
    private readonly metrics: ProducerMetrics,
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {}

  observed(exchange: string, symbol: string, gap: IdRange, now: number): void {
    this.pending.push({ exchange, symbol, from: gap.from, to: gap.to, seenAt: now });
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Reports the pending gaps older than the grace period (all of them when `force`). */
  check(now: number, force = false): void {
    if (this.pending.length === 0) return;
    const keep: PendingGap[] = [];
    for (const p of this.pending) {
      if (!force && now - p.seenAt < this.graceMs) keep.push(p);
      else this.confirm(p);
    }
    this.pending = keep;
  }

  private confirm(p: PendingGap): void {
    for (const open of this.tracker.openGaps(p.exchange, p.symbol)) {
      const from = Math.max(open.from, p.from);
      const to = Math.min(open.to, p.to);
      if (from > to) continue;
      const gap: ReportedGap = { exchange: p.exchange, symbol: p.symbol, from, to, missing: to - from + 1 };
      this.reported.push(gap);
      if (this.reported.length > 1000) this.reported.shift();
      this.metrics.tradeGaps.inc({ exchange: p.exchange, symbol: p.symbol });
      this.metrics.tradesMissing.inc({ exchange: p.exchange, symbol: p.symbol }, gap.missing);
      this.log.warn('trade id gap: trades missing', { ...gap });
    }
  }
}
