import type { ExchangeName } from '@candlestream/market';
import { BINANCE_STREAM_BASE_URL, binanceParser, binanceTradeStreamUrl } from './exchanges/binance.js';
import {
  COINBASE_ADVANCED_TRADE_URL,
  COINBASE_EXCHANGE_FEED_URL,
  coinbaseAdvancedTradeSubscribe,
  coinbaseExchangeFeedSubscribe,
  coinbaseParser,
} from './exchanges/coinbase.js';
import { KRAKEN_V1_URL, KRAKEN_V2_URL, krakenParser, krakenV1Subscribe, krakenV2Subscribe } from './exchanges/kraken.js';
import type { ExchangeParser } from './exchanges/types.js';

export const DEFAULT_SYMBOLS: Readonly<Record<ExchangeName, readonly string[]>> = {
  BINANCE: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'ADAUSDT', 'SOLUSDT', 'XRPUSDT', 'DOTUSDT', 'DOGEUSDT', 'POLUSDT', 'LINKUSDT'],
  COINBASE: ['BTC-USD', 'ETH-USD', 'SOL-USD', 'XRP-USD', 'DOGE-USD', 'ADA-USD', 'LINK-USD', 'DOT-USD'],
  KRAKEN: ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD', 'DOGE/USD', 'ADA/USD', 'LINK/USD', 'DOT/USD'],
};

export type CoinbaseFeed = 'advanced' | 'exchange';
export type KrakenApi = 'v1' | 'v2';

/** How one exchange is reached and read: everything the connection manager and the ingest need. */
export interface FeedSpec {
  exchange: ExchangeName;
  url: string;
  subscribe: string[];
  parser: ExchangeParser;
  symbols: string[];
  /** Trade ids run 1, 2, 3... per symbol, so a jump is a loss (Kraken v1 ids are synthesised). */
  consecutiveIds: boolean;
  /** One line for the start-up banner. */
  describe: string;
}

export interface FeedSettings {
  symbols: readonly string[];
  /** Base URL override (tests point this at a local server). */
  baseUrl?: string | undefined;
  coinbaseFeed: CoinbaseFeed;
  krakenApi: KrakenApi;
}

export function feedSpec(exchange: ExchangeName, s: FeedSettings): FeedSpec {
  const symbols = [...s.symbols];
  switch (exchange) {
    case 'BINANCE': {
      const url = binanceTradeStreamUrl(symbols, s.baseUrl ?? BINANCE_STREAM_BASE_URL);
      return {
        exchange, url, subscribe: [], parser: binanceParser, symbols, consecutiveIds: true,
        describe: `combined stream, ${symbols.length} @trade streams (chosen in the URL)`,
      };
    }
    case 'COINBASE': {
      const advanced = s.coinbaseFeed === 'advanced';
      const url = s.baseUrl ?? (advanced ? COINBASE_ADVANCED_TRADE_URL : COINBASE_EXCHANGE_FEED_URL);
      const frames = advanced ? coinbaseAdvancedTradeSubscribe(symbols) : [coinbaseExchangeFeedSubscribe(symbols)];
      return {
        exchange, url, subscribe: frames.map((f) => JSON.stringify(f)), parser: coinbaseParser, symbols, consecutiveIds: true,
        describe: advanced ? 'Advanced Trade market_trades + heartbeats' : 'Exchange feed matches + heartbeat',
      };
    }
    case 'KRAKEN': {
      const v2 = s.krakenApi === 'v2';
      const url = s.baseUrl ?? (v2 ? KRAKEN_V2_URL : KRAKEN_V1_URL);
      const frame = v2 ? krakenV2Subscribe(symbols) : krakenV1Subscribe(symbols);
      return {
        exchange, url, subscribe: [JSON.stringify(frame)], parser: krakenParser, symbols, consecutiveIds: v2,
        describe: v2 ? 'API v2 trade channel (snapshot on)' : 'API v1 trade (ids synthesised: no gap detection)',
      };
    }
  }
}

export const PARSERS: Readonly<Record<ExchangeName, ExchangeParser>> = {
  BINANCE: binanceParser,
  COINBASE: coinbaseParser,
  KRAKEN: krakenParser,
};
