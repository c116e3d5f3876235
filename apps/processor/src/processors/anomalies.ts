import { emptyAnomalyState, observeCandle, type Anomaly, type AnomalyConfig, type AnomalyState, type Candle } from '@candlestream/market';
import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@candlestream/streams';

export type AnomalyAlert = Anomaly & { type: 'anomaly'; reason: string };

/** Return and volume z-score alerts per symbol on closed candles (state in a key-value store). */
export class AnomalyProcessor implements Processor<Candle, AnomalyAlert> {
  private ctx!: ProcessorContext<AnomalyAlert>;
  private store!: KeyValueStore<AnomalyState>;

  constructor(
    private readonly storeName: string,
    private readonly cfg: AnomalyConfig,
  ) {}

  init(context: ProcessorContext<AnomalyAlert>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<AnomalyState>>(this.storeName);
  }

  process(record: StreamRecord<Candle>): void {
    const key = record.key ?? '';
    const state = this.store.get(key) ?? emptyAnomalyState();
    for (const a of observeCandle(state, record.value, this.cfg)) {
      const reason = `${a.kind} z-score ${a.z.toFixed(2)} over ${a.samples} candles (|z| >= ${a.threshold})`;
      this.ctx.forward({ key, value: { type: 'anomaly', reason, ...a }, timestamp: record.timestamp });
    }
    this.store.put(key, state, record.timestamp);
  }
}
