import { observeSpread, type Candle, type Spread, type SpreadConfig, type SpreadState } from '@candlestream/market';
import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@candlestream/streams';

/** Closes per window start for one pair; only the newest few windows are kept. */
type PairWindows = Record<string, SpreadState>;
const KEEP_WINDOWS = 5;

export type SpreadOutput = { type: 'spread'; spread: Spread } | { type: 'arbitrage'; reason: string; spread: Spread };

/**
 * Cross-exchange spreads on closed candles re-keyed by normalised pair (so every exchange's candle of
 * BTC-USD meets in one task). Emits the spread of each window once two exchanges have closed it, again
 * when a further exchange closes it, and an arbitrage alert when it beats both fees plus the threshold.
 */
export class SpreadProcessor implements Processor<Candle, SpreadOutput> {
  private ctx!: ProcessorContext<SpreadOutput>;
  private store!: KeyValueStore<PairWindows>;

  constructor(
    private readonly storeName: string,
    private readonly cfg: SpreadConfig,
  ) {}

  init(context: ProcessorContext<SpreadOutput>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<PairWindows>>(this.storeName);
  }

  process(record: StreamRecord<Candle>): void {
    const c = record.value;
    const key = `${c.pair}|${c.interval}`;
    const windows = this.store.get(key) ?? {};
    const slot = (windows[String(c.openTime)] ??= {});
    const spread = observeSpread(slot, c, this.cfg);
    for (const start of Object.keys(windows).map(Number).sort((a, b) => b - a).slice(KEEP_WINDOWS)) delete windows[String(start)];
    this.store.put(key, windows, record.timestamp);
    if (!spread) return;
    this.ctx.forward({ key: c.pair, value: { type: 'spread', spread }, timestamp: record.timestamp }, 'spreads');
    if (spread.arbitrage) {
      const reason = `${c.pair} ${spread.high.exchange} ${spread.high.close} vs ${spread.low.exchange} ${spread.low.close}: ${spread.spreadBps} bps > ${spread.breakEvenBps} bps (fees + threshold)`;
      this.ctx.forward({ key: c.pair, value: { type: 'arbitrage', reason, spread }, timestamp: record.timestamp }, 'arbitrage');
    }
  }
}
