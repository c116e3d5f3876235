import { ConfigError } from '@candlestream/kafka';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './cli/options.js';
import { LIVE_OPTIONS, liveConfig, parseSpeed, REPLAY_OPTIONS, replayConfig, replayInput as replayInputOf } from './config.js';

const replayInput = (path: string, exchange: string | undefined, symbol: string | undefined) => replayInputOf(path, exchange, symbol, () => true);

const live = (argv: string[], env: NodeJS.ProcessEnv = {}) => liveConfig(resolveOptions(LIVE_OPTIONS, argv, env).values);

describe('live configuration', () => {
  it('defaults to Binance with the ten default symbols on one combined stream, rolling over before 24 h', () => {
    const c = live([]);
    expect(c.ws.feeds.map((f) => f.exchange)).toEqual(['BINANCE']);
    expect(c.ws.feeds[0]?.symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'ADAUSDT', 'SOLUSDT', 'XRPUSDT', 'DOTUSDT', 'DOGEUSDT', 'POLUSDT', 'LINKUSDT']);
    expect(c.ws.feeds[0]?.url).toMatch(/^wss:\/\/stream\.binance\.com:9443\/stream\?streams=btcusdt@trade\/ethusdt@trade\//);
    expect(c.ws.rolloverMs).toBeLessThan(24 * 3_600_000);
    expect(c.metricsPort).toBe(9464);
    expect(c.topic).toBe('trades');
    expect(c.dlqTopic).toBe('producer-dlq');
    expect(c.sink).toMatchObject({ compression: 'lz4', batchNumMessages: 10_000, lingerMs: 10 });
  });

  it('takes exchanges, symbols and base URLs from the environment (tests point them at local servers)', () => {
    const c = live(['--rollover', '2s'], {
      EXCHANGES: 'binance,coinbase,kraken',
      SYMBOLS: 'btcusdt',
      BINANCE_WS_URL: 'ws://127.0.0.1:1234',
      COINBASE_FEED: 'exchange',
      COINBASE_SYMBOLS: 'BTC-USD',
      KRAKEN_API: 'v1',
      KRAKEN_SYMBOLS: 'BTC/USD,ETH/BTC',
      METRICS_PORT: 'off',
    });
    expect(c.ws.rolloverMs).toBe(2000);
    expect(c.metricsPort).toBeNull();
    const [binance, coinbase, kraken] = c.ws.feeds;
    expect(binance?.url).toBe('ws://127.0.0.1:1234/stream?streams=btcusdt@trade');
    expect(binance?.subscribe).toEqual([]);
    expect(coinbase?.url).toBe('wss://ws-feed.exchange.coinbase.com');
    expect(coinbase?.subscribe.map((s) => JSON.parse(s))).toEqual([{ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['matches', 'heartbeat'] }]);
    // v1 spells Bitcoin XBT, and its ids are synthesised: no gap detection.
    expect(kraken?.symbols).toEqual(['XBT/USD', 'ETH/XBT']);
    expect(kraken?.consecutiveIds).toBe(false);
    expect(kraken?.url).toBe('wss://ws.kraken.com');
  });

  it('builds Coinbase Advanced Trade and Kraken v2 subscriptions by default', () => {
    const c = live([], { EXCHANGES: 'coinbase kraken' });
    expect(c.ws.feeds[0]?.subscribe.map((s) => JSON.parse(s).channel)).toEqual(['market_trades', 'heartbeats']);
    expect(c.ws.feeds[1]?.subscribe.map((s) => JSON.parse(s))).toEqual([{ method: 'subscribe', params: { channel: 'trade', symbol: expect.arrayContaining(['BTC/USD']), snapshot: true } }]);
    expect(c.ws.feeds[1]?.consecutiveIds).toBe(true);
  });

  it('refuses bad settings with one ConfigError each', () => {
    for (const [argv, env] of [
      [[], { EXCHANGES: 'bitstamp' }],
      [[], { SYMBOLS: 'BTC-USDT' }],
      [['--compression', 'brotli'], {}],
      [['--binance-url', 'http://x'], {}],
      [['--topic', 'same', '--dlq-topic', 'same'], {}],
      [['--metrics-port', 'abc'], {}],
      [[], { KAFKA_BROKERS: 'nohost' }],
    ] as [string[], NodeJS.ProcessEnv][]) {
      expect(() => live(argv, env), JSON.stringify([argv, env])).toThrow(ConfigError);
    }
  });
});

describe('replay configuration', () => {
  it('tells a Binance trades CSV (symbol from the file name, or --symbol) from a JSONL recording (exchange from the path)', () => {
    expect(replayInput('/d/BTCUSDT-trades-2017-08-17.csv', undefined, undefined)).toEqual({ path: '/d/BTCUSDT-trades-2017-08-17.csv', format: 'binance-csv', exchange: 'BINANCE', symbol: 'BTCUSDT' });
    expect(replayInput('/d/dump.csv', undefined, 'ethusdt').symbol).toBe('ETHUSDT');
    expect(() => replayInput('/d/dump.csv', undefined, undefined)).toThrow(/--symbol/);
    expect(replayInput('/shared/data/ws/kraken/cryptofeed-v1-trade.jsonl', undefined, undefined).exchange).toBe('KRAKEN');
    expect(replayInput('/rec/coinbase-2026-01-01T00-00-00.000Z-0001.jsonl', undefined, undefined).exchange).toBe('COINBASE');
    expect(replayInput('/rec/frames.jsonl', 'binance', undefined).exchange).toBe('BINANCE');
    expect(() => replayInput('/rec/frames.jsonl', undefined, undefined)).toThrow(/--exchange/);
    expect(() => replayInput('/rec/frames.parquet', undefined, undefined)).toThrow(ConfigError);
    expect(() => replayInput('/d/BTCXYZ-trades-1.csv', undefined, undefined)).toThrow(/no known quote asset/);
    expect(() => replayInputOf('/nowhere/BTCUSDT-trades-1.csv', undefined, undefined)).toThrow(/no such file/);
  });

  it('reads speeds and loops', () => {
    expect([parseSpeed('max'), parseSpeed('realtime'), parseSpeed('x10'), parseSpeed('2.5x'), parseSpeed('4')]).toEqual([Infinity, 1, 10, 2.5, 4]);
    expect(() => parseSpeed('fast-ish')).toThrow(ConfigError);
    const values = (argv: string[]) => resolveOptions(REPLAY_OPTIONS, argv, {});
    const csv = new URL('../../../../shared/data/binance/trades/BTCUSDT-trades-2017-08-17.csv', import.meta.url).pathname;
    const c = replayConfig(values(['--loop', '3']).values, [csv]);
    expect([c.loops, c.speed, c.deliveryReports]).toEqual([3, Infinity, undefined]);
    expect(replayConfig(values(['--repeat']).values, [csv]).loops).toBe(Infinity);
    expect(() => replayConfig(values([]).values, [])).toThrow(/at least one file/);
  });
});
