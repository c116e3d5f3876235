import { readFileSync } from 'node:fs';
import type { Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import {
  coinbaseAdvancedTradeSubscribe,
  coinbaseExchangeFeedSubscribe,
  coinbaseParser,
  parseCoinbaseMessage,
} from './coinbase.js';
import { ExchangeConfigError } from './errors.js';
import type { ParseResult } from './types.js';

const RECORDING = new URL('../../../../../shared/data/ws/coinbase/cryptofeed-exchange-feed-matches-ticker.jsonl', import.meta.url);
const frames = readFileSync(RECORDING, 'utf8').split('\n').filter((l) => l !== '');

interface FeedFrame {
  type: string;
  trade_id?: number;
  product_id?: string;
  side?: string;
  price?: string;
  size?: string;
  time?: string;
}

const outcome = (r: ParseResult): string => (r.kind === 'trades' ? `trades:${r.trades.length}` : `${r.kind}:${r.reason}`);
const trades = (r: ParseResult): Trade[] => (r.kind === 'trades' ? r.trades : []);

describe('Coinbase Exchange feed recording (matches + ticker)', () => {
  const results = frames.map((f) => parseCoinbaseMessage(f, 42));
  const counts = new Map<string, number>();
  results.forEach((r, i) => {
    const key = r.kind === 'trades' ? `trades:${(JSON.parse(frames[i] as string) as FeedFrame).type}` : outcome(r);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });

  it('finds 97 match and 10 last_match trades and ignores the 107 ticker and 3 subscriptions frames', () => {
    expect(frames).toHaveLength(217);
    expect(counts).toEqual(
      new Map([
        ['ignored:type:subscriptions', 3],
        ['ignored:type:ticker', 107],
        ['trades:last_match', 10],
        ['trades:match', 97],
      ]),
    );
    expect(results.every((r) => r.kind !== 'trades' || r.trades.length === 1)).toBe(true);
  });

  it('keeps ids, products, decimals (by their text) and times (truncated to ms) exactly', () => {
    results.forEach((r, i) => {
      const [t] = trades(r);
      if (!t) return;
      const f = JSON.parse(frames[i] as string) as Required<FeedFrame>;
      expect([t.tradeId, t.symbol, t.pair, t.price.toFixed(), t.quantity.toFixed(), t.receivedTime]).toEqual([
        f.trade_id,
        f.product_id,
        f.product_id,
        f.price,
        f.size,
        42,
      ]);
      expect(t.tradeTime).toBe(Date.parse(f.time.slice(0, 23) + 'Z'));
    });
    const first = trades(results.find((r) => r.kind === 'trades') as ParseResult)[0];
    expect(first).toMatchObject({ exchange: 'COINBASE', symbol: 'BAND-GBP', tradeId: 881613, tradeTime: Date.parse('2021-04-17T16:43:30.244Z') });
  });

  it('reads side as the maker side: confirmed by the ticker frames, whose side is the taker side', () => {
    // Every trade of the recording also has a ticker frame with the same trade_id. The ticker names
    // the taker side, so the taker bought exactly when the ticker says buy: buyerIsMaker is false.
    const tickers = new Map<string, string>();
    for (const f of frames.map((l) => JSON.parse(l) as FeedFrame)) {
      if (f.type === 'ticker') tickers.set(`${f.product_id}:${f.trade_id}`, f.side as string);
    }
    const all = results.flatMap(trades);
    let checked = 0;
    for (const t of all) {
      const takerSide = tickers.get(`${t.symbol}:${t.tradeId}`);
      if (takerSide === undefined) continue;
      expect(t.buyerIsMaker).toBe(takerSide === 'sell');
      checked++;
    }
    expect(checked).toBe(107);
    expect(all.filter((t) => t.buyerIsMaker)).toHaveLength(54); // maker side "buy" in 54 frames
  });
});

// Coinbase Advanced Trade: no recording exists (shared/data/ws/README.md), so these frames are written
// by hand after the channel documentation: trade_id a string, side BUY/SELL (the taker's side), times
// with nanoseconds.
const MARKET_TRADES_SNAPSHOT = JSON.stringify({
  channel: 'market_trades',
  client_id: '',
  timestamp: '2023-02-09T20:19:35.39625135Z',
  sequence_num: 0,
  events: [
    {
      type: 'snapshot',
      trades: [
        { trade_id: '000000000', product_id: 'ETH-USD', price: '1260.01', size: '0.3', side: 'BUY', time: '2019-08-14T20:42:27.265Z' },
      ],
    },
  ],
});
const MARKET_TRADES_UPDATE = JSON.stringify({
  channel: 'market_trades',
  client_id: '',
  timestamp: '2024-05-01T12:00:00.123456789Z',
  sequence_num: 7,
  events: [
    {
      type: 'update',
      trades: [
        { trade_id: '650017221', product_id: 'BTC-USD', price: '60123.45', size: '0.00150000', side: 'SELL', time: '2024-05-01T12:00:00.099999999Z' },
        { trade_id: '650017222', product_id: 'BTC-USD', price: '60123.46', size: '0.01', side: 'BUY', time: '2024-05-01T12:00:00.100000001Z' },
      ],
    },
    { type: 'update', trades: [] },
  ],
});

describe('Coinbase Advanced Trade market_trades (fixtures from the docs)', () => {
  it('reads a snapshot: string trade id, taker side BUY -> buyer is not the maker', () => {
    const [t] = trades(coinbaseParser.parse(MARKET_TRADES_SNAPSHOT, 7));
    expect(t).toMatchObject({
      exchange: 'COINBASE',
      symbol: 'ETH-USD',
      pair: 'ETH-USD',
      tradeId: 0,
      tradeTime: Date.parse('2019-08-14T20:42:27.265Z'),
      buyerIsMaker: false,
      receivedTime: 7,
    });
    expect(t?.price.toFixed()).toBe('1260.01');
    expect(t?.quantity.toFixed()).toBe('0.3');
  });

  it('reads every trade of every event of an update, truncating nanoseconds to the millisecond', () => {
    const ts = trades(parseCoinbaseMessage(MARKET_TRADES_UPDATE, 0));
    expect(ts.map((t) => [t.tradeId, t.buyerIsMaker, t.tradeTime, t.quantity.toFixed()])).toEqual([
      [650017221, true, Date.parse('2024-05-01T12:00:00.099Z'), '0.00150000'],
      [650017222, false, Date.parse('2024-05-01T12:00:00.100Z'), '0.01'],
    ]);
  });

  it('ignores heartbeats, subscriptions, ticker and error frames', () => {
    const ignored = [
      { channel: 'heartbeats', client_id: '', timestamp: '2023-06-23T20:31:26.122969572Z', sequence_num: 0, events: [{ current_time: '2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105', heartbeat_counter: '3049' }] },
      { channel: 'subscriptions', client_id: '', timestamp: '2023-02-09T20:32:59.69022203Z', sequence_num: 0, events: [{ subscriptions: { market_trades: ['ETH-USD'] } }] },
      { channel: 'ticker', client_id: '', timestamp: '2023-02-09T20:30:37.167359596Z', sequence_num: 0, events: [{ type: 'snapshot', tickers: [{ type: 'ticker', product_id: 'ETH-USD', price: '1644.31' }] }] },
      { channel: 'brand_new_channel', events: [] },
      { type: 'error', message: 'failure to subscribe' },
      { type: 'heartbeat', last_trade_id: 1, product_id: 'BTC-USD', sequence: 2, time: '2021-04-17T16:43:30.244075Z' },
      { type: 'brand_new_type' },
    ].map((f) => outcome(parseCoinbaseMessage(JSON.stringify(f), 0)));
    expect(ignored).toEqual([
      'ignored:channel:heartbeats',
      'ignored:channel:subscriptions',
      'ignored:channel:ticker',
      'ignored:channel:other',
      'ignored:server-error',
      'ignored:type:heartbeat',
      'ignored:type:other',
    ]);
  });
});

describe('Coinbase parser on damaged frames', () => {
  const MATCH = JSON.parse(frames.find((f) => f.includes('"type":"match"')) as string) as Record<string, unknown>;
  const AT = JSON.parse(MARKET_TRADES_SNAPSHOT) as { events: [{ trades: [Record<string, unknown>] }] };
  const at = (patch: Record<string, unknown>) =>
    JSON.stringify({ ...AT, events: [{ type: 'snapshot', trades: [{ ...AT.events[0].trades[0], ...patch }] }] });
  const match = (patch: Record<string, unknown>) => JSON.stringify({ ...MATCH, ...patch });

  it('gives each a stable reason and never throws', () => {
    const cases: [string, string][] = [
      ['{', 'malformed:invalid-json'],
      ['"match"', 'malformed:not-an-object'],
      ['{"product_id":"BTC-USD"}', 'malformed:missing-field:type'],
      [match({ side: 'SELL' }), 'malformed:bad-value:side'],
      [match({ trade_id: '280232' }), 'malformed:wrong-type:trade_id'],
      [match({ price: '' }), 'malformed:bad-decimal:price'],
      [match({ size: undefined }), 'malformed:missing-field:size'],
      [match({ time: '2021-04-17 16:43:37Z' }), 'malformed:bad-time:time'],
      [match({ time: '2021-02-30T16:43:37.089723Z' }), 'malformed:bad-time:time'],
      [match({ product_id: 'SKLBTC' }), 'malformed:unknown-symbol:product_id'],
      [at({ trade_id: 123 }), 'malformed:wrong-type:trade_id'],
      [at({ trade_id: 'abc' }), 'malformed:bad-integer:trade_id'],
      [at({ side: 'buy' }), 'malformed:bad-value:side'],
      [at({ size: '-0.3' }), 'malformed:non-positive:size'],
      [JSON.stringify({ channel: 'market_trades', events: {} }), 'malformed:wrong-type:events'],
      [JSON.stringify({ channel: 'market_trades', events: [1] }), 'malformed:wrong-type:events'],
      [JSON.stringify({ channel: 'market_trades', events: [{ type: 'update' }] }), 'malformed:missing-field:trades'],
    ];
    for (const [raw, want] of cases) expect([raw.slice(0, 60), outcome(parseCoinbaseMessage(raw, 0))]).toEqual([raw.slice(0, 60), want]);
  });
});

describe('Coinbase subscribe frames', () => {
  it('subscribes Advanced Trade to market_trades and heartbeats, one channel per frame', () => {
    expect(coinbaseAdvancedTradeSubscribe(['BTC-USD', 'ETH-USD'])).toEqual([
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channel: 'market_trades' },
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channel: 'heartbeats' },
    ]);
  });

  it('subscribes the Exchange feed to matches (the recording\'s format) and heartbeat', () => {
    expect(JSON.stringify(coinbaseExchangeFeedSubscribe(['SKL-USD']))).toBe(
      '{"type":"subscribe","product_ids":["SKL-USD"],"channels":["matches","heartbeat"]}',
    );
  });

  it('refuses empty and malformed product lists', () => {
    expect(() => coinbaseAdvancedTradeSubscribe([])).toThrow(ExchangeConfigError);
    expect(() => coinbaseExchangeFeedSubscribe(['btc-usd'])).toThrow(ExchangeConfigError);
  });
});
