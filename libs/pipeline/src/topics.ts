import type { TopicSpec } from '@candlestream/kafka';

export const TRADES_TOPIC = 'trades';
export const CANDLE_INTERVALS = ['1m', '5m'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export const candleTopic = (interval: string): string => `candles.${interval}`;
export const candleUpdatesTopic = (interval: string): string => `candles.${interval}.updates`;
export const INDICATORS_TOPIC = 'indicators.1m';
export const spreadsTopic = (interval: string): string => `spreads.${interval}`;
export const ALERTS_TOPIC = 'alerts';
export const PRODUCER_DLQ_TOPIC = 'producer-dlq';

/**
 * Topics carry replayed history whose record timestamps are the trade times of past days; the
 * broker's default 7-day time retention would delete them minutes after they are written. So
 * retention is unlimited by time here; size-bound it per deployment if needed.
 */
const HISTORY: Record<string, string> = { 'cleanup.policy': 'delete', 'retention.ms': '-1' };

/** Every topic of the pipeline. Candle topics have the trades topic's partition count (same keys). */
export function pipelineTopics(partitions = 4): TopicSpec[] {
  const t = (name: string, p = partitions): TopicSpec => ({ name, partitions: p, config: HISTORY });
  return [
    t(TRADES_TOPIC),
    ...CANDLE_INTERVALS.flatMap((i) => [t(candleTopic(i)), t(candleUpdatesTopic(i))]),
    t(INDICATORS_TOPIC),
    t(spreadsTopic('1m')),
    t(ALERTS_TOPIC, 1),
    t(PRODUCER_DLQ_TOPIC, 1),
  ];
}
