import type { Registry } from 'prom-client';
import { counter, gauge } from '@candlestream/metrics';
import type { Candle } from '@candlestream/market';

/**
 * The last closed candle of each symbol as gauges, for Grafana's price and candlestick panels:
 * `candlestream_candle_price{exchange,symbol,interval,field=open|high|low|close|vwap}` (quote
 * currency), `candlestream_candle_volume{...,side=all|taker_buy}` (base currency), and a counter of
 * closed candles. Display values, so numbers; the exact decimals are on the candle topics.
 */
export function candleMetrics(registry: Registry): (c: Candle) => void {
  const price = gauge(registry, 'candle_price', 'Prices of the last closed candle (quote currency)', ['exchange', 'symbol', 'interval', 'field']);
  const volume = gauge(registry, 'candle_volume', 'Base volume of the last closed candle, all trades and taker buys', ['exchange', 'symbol', 'interval', 'side']);
  const trades = gauge(registry, 'candle_trades', 'Trades in the last closed candle', ['exchange', 'symbol', 'interval']);
  const closed = counter(registry, 'candles_closed_total', 'Final candles published', ['exchange', 'symbol', 'interval']);
  return (c) => {
    const l = { exchange: c.exchange, symbol: c.symbol, interval: c.interval };
    for (const field of ['open', 'high', 'low', 'close', 'vwap'] as const) price.set({ ...l, field }, c[field].toNumber());
    volume.set({ ...l, side: 'all' }, c.volume.toNumber());
    volume.set({ ...l, side: 'taker_buy' }, c.takerBuyVolume.toNumber());
    trades.set(l, c.tradeCount);
    closed.inc(l);
  };
}
