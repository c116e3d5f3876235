import { readFileSync } from 'node:fs';
import type { Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import { binanceParser, binanceTradeStreamUrl, parseBinanceMessage } from './binance.js';
import { ExchangeConfigError } from './errors.js';
import { TradeIdTracker } from './gaps.js';
import { MAX_MESSAGE_LENGTH, type ParseResult } from './types.js';

// Recorded frames, beside the repo: shared/data/ws/README.md describes them and their counts.
const WS = new URL('../../../../../shared/data/ws/binance/', import.meta.url);
const frames = (file: string): string[] => readFileSync(new URL(file, WS), 'utf8').split('\n').filter((l) => l !== '');

const RECEIVED = 1_723_161_300_000;

function tally(results: ParseResult[]): { trades: Trade[]; ignored: Map<string, number>; malformed: Map<string, number> } {
  const trades: Trade[] = [];
  const ignored = new Map<string, number>();
  const malformed = new Map<string, number>();
  for (const r of results) {
    if (r.kind === 'trades') trades.push(...r.trades);
    else {
      const counts = r.kind === 'ignored' ? ignored : malformed;
      counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
    }
  }
  return { trades, ignored, malformed };
}

describe('Binance parser on recorded frames', () => {
  const main = frames('hftbacktest-spot-trade-btcusdt-ethusdt.jsonl');
  const mainResults = main.map((f) => parseBinanceMessage(f, RECEIVED));
  const mainTrades = tally(mainResults).trades;

  it('reads all 24,544 trades of the main file: BTCUSDT 14,493 and ETHUSDT 10,051, one per frame', () => {
    expect(main).toHaveLength(24_544);
    expect(mainResults.every((r) => r.kind === 'trades' && r.trades.length === 1)).toBe(true);
    expect(mainTrades.filter((t) => t.symbol === 'BTCUSDT')).toHaveLength(14_493);
    expect(mainTrades.filter((t) => t.symbol === 'ETHUSDT')).toHaveLength(10_051);
    expect(new Set(mainTrades.map((t) => t.pair))).toEqual(new Set(['BTC-USDT', 'ETH-USDT']));
  });

  it('keeps every field exactly as sent: decimals by their text, T as trade time, m as buyer-is-maker', () => {
    main.forEach((frame, i) => {
      const d = (JSON.parse(frame) as { data: { s: string; t: number; p: string; q: string; T: number; m: boolean } }).data;
      const t = mainTrades[i] as Trade;
      if (
        t.price.toFixed() !== d.p ||
        t.quantity.toFixed() !== d.q ||
        t.tradeId !== d.t ||
        t.tradeTime !== d.T ||
        t.buyerIsMaker !== d.m ||
        t.symbol !== d.s ||
        t.receivedTime !== RECEIVED
      ) {
        throw new Error(`frame ${i + 1} differs: ${frame}`);
      }
    });
    expect(mainTrades[0]).toMatchObject({ exchange: 'BINANCE', symbol: 'BTCUSDT', tradeId: 3735683259, tradeTime: 1723161255342 });
    expect(mainTrades[0]?.price.toString()).toBe('61837.63');
  });

  it('spans the UTC day boundary, as the README says', () => {
    const times = mainTrades.map((t) => t.tradeTime);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2024-08-08T23:54:15Z'));
    expect(Math.max(...times)).toBeLessThan(Date.parse('2024-08-09T00:02:00Z'));
  });

  it('finds consecutive ids per symbol: no gap and no duplicate in the whole file', () => {
    const tracker = new TradeIdTracker();
    expect(new Set(mainTrades.map((t) => JSON.stringify(tracker.observe(t))))).toEqual(new Set(['"new"']));
  });

  it('ignores the other streams of the all-streams file and finds its 283 trades, the main file\'s first ones', () => {
    const all = frames('hftbacktest-spot-btcusdt-allstreams-15s.jsonl');
    expect(all).toHaveLength(1_715);
    const { trades, ignored, malformed } = tally(all.map((f) => binanceParser.parse(f, RECEIVED)));
    expect(trades).toHaveLength(283);
    expect(ignored).toEqual(new Map([['non-trade-stream', 1_432]]));
    expect(malformed.size).toBe(0);
    const firstBtc = mainTrades.filter((t) => t.symbol === 'BTCUSDT').slice(0, 283);
    expect(trades).toEqual(firstBtc);

    // Replayed after the main file, as after a reconnect: every one of them is a duplicate.
    const tracker = new TradeIdTracker();
    mainTrades.forEach((t) => tracker.observe(t));
    expect(trades.every((t) => tracker.observe(t) === 'duplicate')).toBe(true);
  });

  it('ignores aggTrade, kline, depth and bookTicker frames (cryptofeed recording)', () => {
    const all = frames('cryptofeed-spot-combined-aggtrade-depth-bookticker-kline.jsonl');
    expect(all).toHaveLength(265);
    const { trades, ignored, malformed } = tally(all.map((f) => parseBinanceMessage(f, RECEIVED)));
    expect(trades).toHaveLength(0);
    expect(ignored).toEqual(new Map([['non-trade-stream', 265]]));
    expect(malformed.size).toBe(0);
  });
});

describe('Binance parser on crafted frames', () => {
  const DATA = { e: 'trade', E: 1723161255343, s: 'BTCUSDT', t: 3735683259, p: '61837.63000000', q: '0.02000000', T: 1723161255342, m: true, M: true };
  const frame = (data: Record<string, unknown>, stream = 'btcusdt@trade') => JSON.stringify({ stream, data });
  const reason = (raw: string): string => {
    const r = parseBinanceMessage(raw, 0);
    return r.kind === 'trades' ? 'trades' : `${r.kind}:${r.reason}`;
  };

  it('reads a well-formed trade, and acks and errors as ignored', () => {
    expect(reason(frame(DATA))).toBe('trades');
    expect(reason('{"result":null,"id":1}')).toBe('ignored:subscription-ack');
    expect(reason('{"error":{"code":2,"msg":"Invalid request"},"id":1}')).toBe('ignored:server-error');
    expect(reason('{"code":0,"msg":"Unknown property","id":1}')).toBe('ignored:server-error');
    expect(reason(frame({ e: 'aggTrade' }, 'btcusdt@aggTrade'))).toBe('ignored:non-trade-stream');
  });

  it('reports each kind of damage with a stable reason, never throwing', () => {
    const { p: _p, ...noPrice } = DATA;
    const cases: [string, string][] = [
      ['not json', 'malformed:invalid-json'],
      ['', 'malformed:invalid-json'],
      ['[1,2]', 'malformed:not-an-object'],
      ['null', 'malformed:not-an-object'],
      ['{"data":{}}', 'malformed:missing-field:stream'],
      ['{"stream":5}', 'malformed:wrong-type:stream'],
      ['{"stream":"btcusdt@trade"}', 'malformed:missing-field:data'],
      ['{"stream":"btcusdt@trade","data":[]}', 'malformed:wrong-type:data'],
      [frame({ ...DATA, e: 'aggTrade' }), 'malformed:unknown-event'],
      [frame({ ...DATA, e: undefined }), 'malformed:missing-field:e'],
      [frame(noPrice), 'malformed:missing-field:p'],
      [frame({ ...DATA, p: 61837.63 }), 'malformed:wrong-type:p'],
      [frame({ ...DATA, p: '61,837.63' }), 'malformed:bad-decimal:p'],
      [frame({ ...DATA, q: 'NaN' }), 'malformed:bad-decimal:q'],
      [frame({ ...DATA, q: '0.00000000' }), 'malformed:non-positive:q'],
      [frame({ ...DATA, p: '-1' }), 'malformed:non-positive:p'],
      [frame({ ...DATA, q: '0.00000000001' }), 'malformed:out-of-range:q'],
      [frame({ ...DATA, p: '1'.repeat(29) }), 'malformed:out-of-range:p'],
      [frame({ ...DATA, t: '3735683259' }), 'malformed:wrong-type:t'],
      [frame({ ...DATA, t: 1.5 }), 'malformed:bad-integer:t'],
      [frame({ ...DATA, T: -1 }), 'malformed:bad-integer:T'],
      [frame({ ...DATA, m: 'true' }), 'malformed:wrong-type:m'],
      [frame({ ...DATA, s: 'BTC' }), 'malformed:unknown-symbol:s'],
      [frame({ ...DATA, s: 7 }), 'malformed:wrong-type:s'],
      [frame({ ...DATA, pad: 'x'.repeat(MAX_MESSAGE_LENGTH) }), 'malformed:too-large'],
    ];
    for (const [raw, want] of cases) expect([raw.slice(0, 80), reason(raw)]).toEqual([raw.slice(0, 80), want]);
  });
});

describe('binanceTradeStreamUrl', () => {
  it('builds the combined-stream URL, lower-casing symbols, with a configurable base', () => {
    expect(binanceTradeStreamUrl(['BTCUSDT', 'ethusdt'])).toBe(
      'wss://stream.binance.com:9443/stream?streams=btcusdt@trade/ethusdt@trade',
    );
    expect(binanceTradeStreamUrl(['BTCUSDT'], 'ws://127.0.0.1:8080/')).toBe('ws://127.0.0.1:8080/stream?streams=btcusdt@trade');
  });

  it('refuses no symbols, too many, and symbols that would corrupt the URL', () => {
    expect(() => binanceTradeStreamUrl([])).toThrow(ExchangeConfigError);
    expect(() => binanceTradeStreamUrl(Array(1025).fill('BTCUSDT'))).toThrow(/at most 1024/);
    expect(() => binanceTradeStreamUrl(['btc/usdt'])).toThrow(ExchangeConfigError);
  });
});
