import type { Candle } from '@candlestream/market';
import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@candlestream/streams';
import { candleToJson, type CandleJson } from '../candle-json.js';

/** Keeps the last closed candle per key, for the interactive queries (the window store drops closed windows). */
export class LastClosedProcessor implements Processor<Candle, never> {
  private store!: KeyValueStore<CandleJson>;

  constructor(private readonly storeName: string) {}

  init(context: ProcessorContext<never>): void {
    this.store = context.getStateStore<KeyValueStore<CandleJson>>(this.storeName);
  }

  process(record: StreamRecord<Candle>): void {
    if (record.key !== null) this.store.put(record.key, candleToJson(record.value), record.timestamp);
  }
}
