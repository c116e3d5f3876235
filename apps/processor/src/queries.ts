import type { HttpRoute } from '@candlestream/metrics';
import { normalisePair, toCandle, type CandleState } from '@candlestream/market';
import type { KafkaStreams, KeyValueStore, WindowStore } from '@candlestream/streams';
import { candleToJson, splitKey, type CandleJson } from './candle-json.js';
import { lastClosedStoreName, windowStoreName } from './topology.js';

/**
 * Interactive queries, straight from this instance's state stores (Kafka Streams' idea, built in):
 * `GET /candles/<EXCHANGE>:<SYMBOL>?interval=1m` answers the open candle (the newest window still in
 * the store) and the last closed one. Keys whose partition another instance owns answer 404 here.
 */
export function candleQueryRoute(streams: KafkaStreams, intervals: string[]): HttpRoute {
  return {
    prefix: '/candles/',
    async handle(path, query) {
      const key = decodeURIComponent(path);
      const interval = query.get('interval') ?? '1m';
      if (!intervals.includes(interval)) return { status: 400, body: { error: `interval must be one of ${intervals.join(', ')}` } };
      const { exchange, symbol } = splitKey(key);
      let open: CandleJson | null = null;
      let lastClosed: CandleJson | null = null;
      let found = false;
      for (const partition of streams.storePartitions(windowStoreName(interval))) {
        const windows = streams.store<WindowStore<CandleState>>(windowStoreName(interval), partition);
        const closed = streams.store<KeyValueStore<CandleJson>>(lastClosedStoreName(interval), partition);
        const c = closed?.get(key);
        const ws = windows?.fetchKey(key, 0, Number.MAX_SAFE_INTEGER) ?? [];
        if (!c && ws.length === 0) continue;
        found = true;
        lastClosed = c ?? lastClosed;
        const newest = ws[ws.length - 1];
        if (newest && (!c || newest.start > c.openTime)) {
          open = candleToJson(
            toCandle(newest.value, {
              exchange, symbol, pair: normalisePair(exchange, symbol), interval,
              openTime: newest.start, closeTime: newest.start + (windows?.windowSizeMs ?? 0) - 1,
            }),
          );
        }
      }
      if (!found) return { status: 404, body: { error: `no candles for ${key} on this instance`, tasks: streams.stats().tasks } };
      return { status: 200, body: { key, interval, open, lastClosed } };
    },
  };
}
