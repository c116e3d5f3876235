import type { Kline } from '@candlestream/market';

/**
 * Official 1m klines rolled up to 5m, skipping empty minutes for OHLC: an empty minute's price is
 * carried forward by the exchange, not traded (data README, quirk 8).
 */
export function rollUp5m(klines: Kline[]): Map<number, Kline> {
  const out = new Map<number, Kline>();
  for (const k of klines.filter((k) => k.tradeCount > 0)) {
    const start = k.openTime - (k.openTime % 300_000);
    const w = out.get(start);
    if (!w) out.set(start, { ...k, openTime: start, closeTime: start + 299_999 });
    else {
      w.high = w.high.compare(k.high) >= 0 ? w.high : k.high;
      w.low = w.low.compare(k.low) <= 0 ? w.low : k.low;
      w.close = k.close;
      w.volume = w.volume.add(k.volume);
      w.quoteVolume = w.quoteVolume.add(k.quoteVolume);
      w.tradeCount += k.tradeCount;
      w.takerBuyBaseVolume = w.takerBuyBaseVolume.add(k.takerBuyBaseVolume);
      w.takerBuyQuoteVolume = w.takerBuyQuoteVolume.add(k.takerBuyQuoteVolume);
    }
  }
  return out;
}
