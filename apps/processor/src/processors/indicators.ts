import { createEma, createRsi, createSma, updateEma, updateRsi, updateSma, type Candle, type EmaState, type RsiState, type SmaState } from '@candlestream/market';
import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@candlestream/streams';

export interface IndicatorState {
  sma: SmaState[];
  ema: EmaState[];
  rsi: RsiState;
}

export interface IndicatorRecord {
  exchange: string;
  symbol: string;
  interval: string;
  openTime: number;
  close: string;
  sma: Record<string, number | null>;
  ema: Record<string, number | null>;
  rsi: number | null;
}

export interface IndicatorPeriods {
  sma: number[];
  ema: number[];
  rsi: number;
}

/**
 * SMA, EMA and RSI (Wilder) per symbol on closed candles. The state lives in a key-value store, so
 * it survives restarts and moves with its partition; indicators are statistics, computed on numbers.
 */
export class IndicatorProcessor implements Processor<Candle, IndicatorRecord> {
  private ctx!: ProcessorContext<IndicatorRecord>;
  private store!: KeyValueStore<IndicatorState>;

  constructor(
    private readonly storeName: string,
    private readonly periods: IndicatorPeriods,
  ) {}

  init(context: ProcessorContext<IndicatorRecord>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<IndicatorState>>(this.storeName);
  }

  process(record: StreamRecord<Candle>): void {
    const key = record.key ?? '';
    const c = record.value;
    const state = this.store.get(key) ?? {
      sma: this.periods.sma.map(createSma),
      ema: this.periods.ema.map(createEma),
      rsi: createRsi(this.periods.rsi),
    };
    const close = c.close.toNumber();
    const out: IndicatorRecord = {
      exchange: c.exchange,
      symbol: c.symbol,
      interval: c.interval,
      openTime: c.openTime,
      close: c.close.toString(),
      sma: Object.fromEntries(state.sma.map((s) => [String(s.period), updateSma(s, close) ?? null])),
      ema: Object.fromEntries(state.ema.map((s) => [String(s.period), updateEma(s, close) ?? null])),
      rsi: updateRsi(state.rsi, close) ?? null,
    };
    this.store.put(key, state, record.timestamp);
    this.ctx.forward({ key, value: out, timestamp: record.timestamp });
  }
}
