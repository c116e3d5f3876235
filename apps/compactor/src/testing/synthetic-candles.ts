import { Decimal, type Candle } from '@candlestream/market';

const INTERVAL_MS: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

export const SYNTHETIC_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT'];

/** A tiny deterministic PRNG (mulberry32): the same seed gives the same candles in every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Internally consistent candles (high >= open/close >= low, quote volume = sum of price x quantity at
 * full scale-20 precision, VWAP and percentages rounded half-even like the processor does) for tests
 * and benches. Values use all ten decimals so any rounding on the way to Parquet would show.
 */
export class SyntheticCandles {
  private readonly next: () => number;
  private readonly prices = new Map<string, number>();
  private tradeId = 1;

  constructor(seed = 1) {
    this.next = rng(seed);
  }

  candle(symbol: string, openTime: number, interval = '1m', exchange = 'BINANCE'): Candle {
    const r = this.next;
    const prev = this.prices.get(symbol) ?? 10 + r() * 50_000;
    const openUnits = BigInt(Math.round(prev * 1e6)) * 10_000n + BigInt(Math.floor(r() * 10_000));
    const closeUnits = openUnits + BigInt(Math.round((r() - 0.5) * prev * 2e7)) * 10n;
    const hi = (openUnits > closeUnits ? openUnits : closeUnits) + BigInt(Math.floor(r() * prev * 1e7));
    const lo0 = (openUnits < closeUnits ? openUnits : closeUnits) - BigInt(Math.floor(r() * prev * 1e7));
    const lo = lo0 > 0n ? lo0 : 1n;
    const volumeUnits = BigInt(Math.floor(r() * 1e6)) * 100_003n + 1n;
    // quote volume of a candle whose trades all executed at its VWAP-ish price: exact scale-20 product.
    const priceForQuote = (openUnits + closeUnits) / 2n;
    const quoteUnits = priceForQuote * volumeUnits;
    const takerUnits = (volumeUnits * BigInt(Math.floor(r() * 1000))) / 1000n;
    const takerQuoteUnits = priceForQuote * takerUnits;
    const vwap = new Decimal(quoteUnits, 20).div(new Decimal(volumeUnits, 10), 10);
    const change = closeUnits - openUnits;
    const tradeCount = 1 + Math.floor(r() * 5000);
    const firstTradeId = this.tradeId;
    this.tradeId += tradeCount;
    this.prices.set(symbol, Number(closeUnits) / 1e10);
    const step = INTERVAL_MS[interval] ?? 60_000;
    return {
      exchange,
      symbol,
      pair: `${symbol.replace(/USDT$/, '')}-USDT`,
      interval,
      openTime,
      closeTime: openTime + step - 1,
      open: new Decimal(openUnits, 10),
      high: new Decimal(hi, 10),
      low: new Decimal(lo, 10),
      close: new Decimal(closeUnits, 10),
      volume: new Decimal(volumeUnits, 10),
      quoteVolume: new Decimal(quoteUnits, 20),
      tradeCount,
      takerBuyVolume: new Decimal(takerUnits, 10),
      takerBuyQuoteVolume: new Decimal(takerQuoteUnits, 20),
      vwap,
      priceChange: new Decimal(change, 10),
      priceChangePercent: new Decimal(change * 100n, 10).div(new Decimal(openUnits, 10), 10),
      firstTradeId,
      lastTradeId: firstTradeId + tradeCount - 1,
    };
  }

  /** `count` consecutive windows from `startMs` for each symbol, time-major (as a processor emits). */
  *series(symbols: readonly string[], startMs: number, count: number, interval = '1m'): Generator<Candle> {
    const step = INTERVAL_MS[interval] ?? 60_000;
    for (let i = 0; i < count; i++) for (const s of symbols) yield this.candle(s, startMs + i * step, interval);
  }
}

/** Exact field-by-field text of a candle, for comparing what went in with what a query returns. */
export function candleFingerprint(c: Candle): string {
  const d = (x: Decimal, s: number): string => x.toFixed(s);
  return [
    c.exchange,
    c.symbol,
    c.pair,
    c.interval,
    c.openTime,
    c.closeTime,
    d(c.open, 10),
    d(c.high, 10),
    d(c.low, 10),
    d(c.close, 10),
    d(c.volume, 10),
    d(c.quoteVolume, 20),
    c.tradeCount,
    d(c.takerBuyVolume, 10),
    d(c.takerBuyQuoteVolume, 20),
    d(c.vwap, 10),
    d(c.priceChange, 10),
    d(c.priceChangePercent, 10),
    c.firstTradeId,
    c.lastTradeId,
  ].join('|');
}

/** The same fingerprint from a row of the candle views (decimals as exact strings, times as ms). */
export const FINGERPRINT_SQL = `concat_ws('|', exchange, symbol, pair, interval, epoch_ms(open_time), epoch_ms(close_time),
  open::VARCHAR, high::VARCHAR, low::VARCHAR, close::VARCHAR, volume::VARCHAR, quote_volume::VARCHAR, trade_count,
  taker_buy_volume::VARCHAR, taker_buy_quote_volume::VARCHAR, vwap::VARCHAR, price_change::VARCHAR,
  price_change_percent::VARCHAR, first_trade_id, last_trade_id)`;
