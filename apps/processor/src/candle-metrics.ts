import type { Gauge, Counter, Registry } from 'prom-client';
import { counter, gauge } from '@candlestream/metrics';
import type { Candle } from '@candlestream/market';

/**
 * The last closed candle of each symbol as gauges, for Grafana's price and candlestick panels:
 * `candlestream_candle_price{exchange,symbol,interval,field=open|high|low|close|vwap}` (quote
 * currency), `candlestream_candle_volume{...,side=all|taker_buy}` (base currency), and a counter of
 * closed candles. Display values, so numbers; the exact decimals are on the candle topics.
 * The labelled children are looked up once per symbol and interval: this runs for every final candle.
 */
export function candleMetrics(registry: Registry): (c: Candle) => void {
  const price = gauge(registry, 'candle_price', 'Prices of the last closed candle (quote currency)', ['exchange', 'symbol', 'interval', 'field']);
  const volume = gauge(registry, 'candle_volume', 'Base volume of the last closed candle, all trades and taker buys', ['exchange', 'symbol', 'interval', 'side']);
  const trades = gauge(registry, 'candle_trades', 'Trades in the last closed candle', ['exchange', 'symbol', 'interval']);
  const closed = counter(registry, 'candles_closed_total', 'Final candles published', ['exchange', 'symbol', 'interval']);
  type G = Gauge.Internal<string>;
  interface Children { open: G; high: G; low: G; close: G; vwap: G; volume: G; takerBuy: G; trades: G; closed: Counter.Internal }
  const cache = new Map<string, Children>();
  const children = (c: Candle): Children => {
    const id = `${c.exchange}|${c.symbol}|${c.interval}`;
    let ch = cache.get(id);
    if (!ch) {
      const l = { exchange: c.exchange, symbol: c.symbol, interval: c.interval };
      ch = {
        open: price.labels({ ...l, field: 'open' }), high: price.labels({ ...l, field: 'high' }), low: price.labels({ ...l, field: 'low' }),
        close: price.labels({ ...l, field: 'close' }), vwap: price.labels({ ...l, field: 'vwap' }),
        volume: volume.labels({ ...l, side: 'all' }), takerBuy: volume.labels({ ...l, side: 'taker_buy' }),
        trades: trades.labels(l), closed: closed.labels(l),
      };
      cache.set(id, ch);
    }
    return ch;
  };
  return (c) => {
    const ch = children(c);
    ch.open.set(c.open.toNumber());
    ch.high.set(c.high.toNumber());
    ch.low.set(c.low.toNumber());
    ch.close.set(c.close.toNumber());
    ch.vwap.set(c.vwap.toNumber());
    ch.volume.set(c.volume.toNumber());
    ch.takerBuy.set(c.takerBuyVolume.toNumber());
    ch.trades.set(c.tradeCount);
    ch.closed.inc();
  };
}
