import { intervalMs, normalisePair, toCandle, addTrade, emptyCandleState, type Candle, type CandleState, type Trade } from '@candlestream/market';
import { ALERTS_TOPIC, candleTopic, candleUpdatesTopic, INDICATORS_TOPIC, spreadsTopic } from '@candlestream/pipeline';
import { Serdes, Stores, StreamsBuilder, TimeWindows, type Serde, type Topology, type Windowed } from '@candlestream/streams';
import { splitKey, type CandleJson } from './candle-json.js';
import type { ProcessorConfig } from './config.js';
import { AnomalyProcessor } from './processors/anomalies.js';
import { IndicatorProcessor, type IndicatorState } from './processors/indicators.js';
import { LastClosedProcessor } from './processors/last-closed.js';
import { SpreadProcessor } from './processors/spreads.js';
import { candleStateSerde } from './serdes.js';

export interface TopologySerdes {
  trade: Serde<Trade>;
  /** One candle serde per output topic (a registry subject per topic). */
  candle: (topic: string) => Serde<Candle>;
}

export interface TopologyHooks {
  /** Sees every final candle (for the price gauges); must not throw. */
  onClosed?: (candle: Candle) => void;
}

/** Store names, used by the interactive queries too. */
export const windowStoreName = (interval: string): string => `candles-${interval}`;
export const lastClosedStoreName = (interval: string): string => `last-closed-${interval}`;
/** The closed 1m candles re-keyed by pair, so that every exchange's candle of a pair meets in one task. */
export const spreadRepartitionTopic = (applicationId: string): string => `${applicationId}-spread-repartition`;
/**
 * The spreads run as an application of their own (own group, tasks and stream time). In one task the
 * re-keyed candles, closed on partitions that are further along, would push the task's stream time
 * ahead of its own trades and close their windows early; Kafka Streams avoids that by giving each
 * sub-topology its own tasks, which this library does not do (one task per partition for all sources).
 */
export const spreadsApplicationId = (applicationId: string): string => `${applicationId}-spreads`;

/**
 * trades --(key)--> per interval: tumbling window aggregate of exact candle state
 *   -> on update: candles.<i>.updates     -> on close: candles.<i> (once per window)
 *   -> on close, 1m: indicators.1m, anomaly alerts, last-closed store, re-keyed by pair -> the spreads application
 */
export function buildCandleTopology(cfg: ProcessorConfig, serdes: TopologySerdes, hooks: TopologyHooks = {}): Topology {
  const b = new StreamsBuilder();
  const trades = b.stream<Trade>(cfg.inputTopic, serdes.trade, { timestamp: (t) => t.tradeTime, name: 'trades' });

  for (const interval of cfg.intervals) {
    const toCandleRecord = (w: Windowed<CandleState>): Candle => {
      const { exchange, symbol } = splitKey(w.key);
      return toCandle(w.value, { exchange, symbol, pair: normalisePair(exchange, symbol), interval, openTime: w.start, closeTime: w.end - 1 });
    };
    const windows = trades
      .groupByKey()
      .windowedBy(TimeWindows.tumbling(intervalMs(interval), cfg.graceMs))
      .aggregate(emptyCandleState, (state, trade) => addTrade(state, trade), {
        name: windowStoreName(interval),
        serde: candleStateSerde,
        forwardLate: true,
      });
    windows.toStream('update', { name: `updates-${interval}` }).mapValues(toCandleRecord).to(candleUpdatesTopic(interval), serdes.candle(candleUpdatesTopic(interval)));
    const closed = windows.toStream('close', { name: `closed-${interval}` }).mapValues(toCandleRecord, { name: `candle-${interval}` });
    closed.to(candleTopic(interval), serdes.candle(candleTopic(interval)), { name: `sink-candles-${interval}` });
    if (hooks.onClosed) closed.peek(hooks.onClosed, { name: `metrics-${interval}` });
    closed.process(() => new LastClosedProcessor(lastClosedStoreName(interval)), {
      name: `last-closed-${interval}`,
      stores: [Stores.keyValue<CandleJson>(lastClosedStoreName(interval), Serdes.json())],
    });
    if (interval !== '1m') continue;

    closed
      .process(() => new IndicatorProcessor('indicators-1m', { sma: cfg.smaPeriods, ema: cfg.emaPeriods, rsi: cfg.rsiPeriod }), {
        name: 'indicators-1m',
        stores: [Stores.keyValue<IndicatorState>('indicators-1m', Serdes.json())],
      })
      .to(INDICATORS_TOPIC, Serdes.json(), { name: 'sink-indicators' });
    closed
      .process(() => new AnomalyProcessor('anomalies-1m', cfg.anomaly), { name: 'anomalies-1m', stores: [Stores.keyValue('anomalies-1m', Serdes.json())] })
      .to(ALERTS_TOPIC, Serdes.json(), { name: 'sink-anomaly-alerts' });

    const repartition = spreadRepartitionTopic(cfg.applicationId);
    closed.map((c) => ({ key: c.pair, value: c }), { name: 'by-pair' }).to(repartition, serdes.candle(candleTopic(interval)), { name: 'sink-by-pair' });
  }
  return b.build();
}

/** closed 1m candles by pair --> spreads.1m, and arbitrage alerts when a spread beats both fees plus the threshold. */
export function buildSpreadTopology(cfg: ProcessorConfig, serdes: TopologySerdes): Topology {
  const b = new StreamsBuilder();
  const spreads = b
    .stream<Candle>(spreadRepartitionTopic(cfg.applicationId), serdes.candle(candleTopic('1m')), { timestamp: (c) => c.closeTime, name: 'candles-by-pair' })
    .process(() => new SpreadProcessor('spreads-1m', cfg.spread), { name: 'spreads-1m', stores: [Stores.keyValue('spreads-1m', Serdes.json())] });
  spreads.to(spreadsTopic('1m'), Serdes.json(), { name: 'spreads' });
  spreads.to(ALERTS_TOPIC, Serdes.json(), { name: 'arbitrage' });
  return b.build();
}
