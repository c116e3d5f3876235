import { tradeKey, type Trade } from '@candlestream/market';

/** A run of trade ids never seen, both ends inclusive. */
export interface IdRange {
  from: number;
  to: number;
}

/**
 * What one trade means for its symbol's id sequence: `new` (publish it), `duplicate` (drop it), or a
 * gap: the trade is new too (publish it), and the ids between the last one seen and it are missing.
 */
export type TradeIdObservation = 'new' | 'duplicate' | { gap: IdRange };

export interface TradeIdTrackerOptions {
  /** Open gaps remembered per symbol; the oldest is forgotten beyond this. Default 64. */
  maxOpenGaps?: number;
}

interface SymbolIds {
  lastId: number;
  /** Missing ranges below lastId, oldest first. */
  gaps: IdRange[];
}

/**
 * Deduplicates trades by (exchange, symbol, trade id) and detects lost ones, for exchanges whose trade
 * ids are consecutive per symbol (Binance). Memory is bounded: per symbol the last id plus at most
 * `maxOpenGaps` missing ranges, not a set of seen ids, because ids only grow.
 *
 * A reconnect overlaps two streams: the new connection may replay trades the old one delivered (ids
 * at or below the last one: duplicates), or run ahead of it (a gap is reported at once), after which
 * the old connection's late trades fill the gap and count as `new`. `openGaps` tells a transient
 * overlap from real loss. The tracker lives in memory: after a producer restart the first trade of
 * each symbol is the new baseline, so duplicates across restarts are not caught here.
 */
export class TradeIdTracker {
  private readonly symbols = new Map<string, SymbolIds>();
  private readonly maxOpenGaps: number;

  constructor(options: TradeIdTrackerOptions = {}) {
    this.maxOpenGaps = options.maxOpenGaps ?? 64;
  }

  observe(trade: Pick<Trade, 'exchange' | 'symbol' | 'tradeId'>): TradeIdObservation {
    const key = tradeKey(trade);
    const id = trade.tradeId;
    const ids = this.symbols.get(key);
    if (!ids) {
      this.symbols.set(key, { lastId: id, gaps: [] });
      return 'new';
    }
    if (id === ids.lastId + 1) {
      ids.lastId = id;
      return 'new';
    }
    if (id > ids.lastId) {
      const gap = { from: ids.lastId + 1, to: id - 1 };
      ids.gaps.push({ ...gap });
      this.bound(ids);
      ids.lastId = id;
      return { gap };
    }
    if (!fillGap(ids.gaps, id)) return 'duplicate';
    this.bound(ids);
    return 'new';
  }

  /** The still-missing id ranges of a symbol, oldest first (copies). */
  openGaps(exchange: string, symbol: string): IdRange[] {
    return (this.symbols.get(tradeKey({ exchange, symbol }))?.gaps ?? []).map((g) => ({ ...g }));
  }

  /** Forgets the oldest gaps beyond the limit: their late trades will then count as duplicates. */
  private bound(ids: SymbolIds): void {
    while (ids.gaps.length > this.maxOpenGaps) ids.gaps.shift();
  }
}

/** Removes `id` from the range holding it; false if no open range holds it (a duplicate). */
function fillGap(gaps: IdRange[], id: number): boolean {
  const i = gaps.findIndex((g) => g.from <= id && id <= g.to);
  if (i < 0) return false;
  const g = gaps[i] as IdRange;
  if (g.from === g.to) gaps.splice(i, 1);
  else if (id === g.from) g.from += 1;
  else if (id === g.to) g.to -= 1;
  else gaps.splice(i, 1, { from: g.from, to: id - 1 }, { from: id + 1, to: g.to });
  return true;
}
