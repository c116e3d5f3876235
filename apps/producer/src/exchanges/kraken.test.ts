import { readFileSync } from 'node:fs';
import type { Trade } from '@candlestream/market';
import { describe, expect, it } from 'vitest';
import { ExchangeConfigError } from './errors.js';
import { krakenParser, krakenV1Subscribe, krakenV2Subscribe, parseKrakenMessage } from './kraken.js';
import { MAX_MESSAGE_LENGTH, type ParseResult } from './types.js';

const WS = new URL('../../../../../shared/data/ws/kraken/', import.meta.url);
const frames = (file: string): string[] => readFileSync(new URL(file, WS), 'utf8').split('\n').filter((l) => l !== '');

const outcome = (r: ParseResult): string => (r.kind === 'trades' ? 'trades' : `${r.kind}:${r.reason}`);
const trades = (r: ParseResult): Trade[] => (r.kind === 'trades' ? r.trades : []);

function tally(results: ParseResult[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(outcome(r), (counts.get(outcome(r)) ?? 0) + 1);
  return counts;
}

describe('Kraken v1 trade recording', () => {
  const raw = frames('cryptofeed-v1-trade.jsonl');
  const results = raw.map((f) => parseKrakenMessage(f, 99));
  const all = results.flatMap(trades);

  it('finds 10 trades in 8 frames and ignores the status, subscription and 30 heartbeat frames', () => {
    expect(raw).toHaveLength(49);
    expect(tally(results)).toEqual(
      new Map([
        ['ignored:event:systemStatus', 1],
        ['ignored:event:subscriptionStatus', 10],
        ['ignored:event:heartbeat', 30],
        ['trades', 8],
      ]),
    );
    expect(all).toHaveLength(10);
    expect(new Set(all.map((t) => `${t.symbol} ${t.pair}`))).toEqual(new Set(['XMR/USD XMR-USD', 'SC/EUR SC-EUR']));
  });

  it('keeps the decimals by their text and reads the time string exactly', () => {
    const rows = raw
      .filter((f) => f.startsWith('['))
      .flatMap((f) => (JSON.parse(f) as [number, string[][], string, string])[1]);
    expect(rows).toHaveLength(10);
    rows.forEach((row, i) => {
      const t = all[i] as Trade;
      const [price, volume, time, side] = row as [string, string, string, string];
      const [sec, micro] = time.split('.') as [string, string];
      expect([t.price.toFixed(), t.quantity.toFixed(), t.tradeTime, t.buyerIsMaker]).toEqual([
        price,
        volume,
        Number(sec) * 1000 + Number(micro.slice(0, 3)),
        side === 's',
      ]);
    });
    expect(all[2]).toMatchObject({ symbol: 'SC/EUR', tradeTime: 1618678145920, buyerIsMaker: true, receivedTime: 99 });
    expect(all[2]?.quantity.toString()).toBe('15979.71727919');
    expect(all[2]?.price.toFixed()).toBe('0.042990');
  });

  it('synthesises deterministic ids from the trade time in microseconds', () => {
    expect(all[0]?.tradeId).toBe(1618678142557535);
    // One frame with two XMR/USD trades 1.4 ms apart keeps both ids and their order.
    expect([all[3]?.tradeId, all[4]?.tradeId]).toEqual([1618678150826417, 1618678150827816]);
    expect(trades(parseKrakenMessage(raw[raw.length - 1] as string, 0)).map((t) => t.tradeId)).toEqual(
      trades(parseKrakenMessage(raw[raw.length - 1] as string, 1)).map((t) => t.tradeId),
    );
  });

  it('keeps ids increasing within a frame when two trades share a microsecond', () => {
    const frame = '[993,[["354.04","0.1","1618678150.826417","s","m",""],["354.03","0.2","1618678150.826417","s","m",""],["354.02","0.3","1618678150.826418","s","m",""]],"trade","XMR/USD"]';
    expect(trades(parseKrakenMessage(frame, 0)).map((t) => t.tradeId)).toEqual([1618678150826417, 1618678150826418, 1618678150826419]);
  });
});

describe('Kraken v1 ticker recording', () => {
  it('ignores every frame: ticker arrays, heartbeats and status', () => {
    const raw = frames('cryptofeed-v1-ticker.jsonl');
    expect(raw).toHaveLength(60);
    expect(tally(raw.map((f) => krakenParser.parse(f, 0)))).toEqual(
      new Map([
        ['ignored:event:systemStatus', 1],
        ['ignored:event:subscriptionStatus', 10],
        ['ignored:event:heartbeat', 31],
        ['ignored:non-trade-channel', 18],
      ]),
    );
  });
});

describe('Kraken v2 (documentation examples)', () => {
  const [snapshot, heartbeat] = frames('doc-examples.jsonl') as [string, string];

  it('reads the trade snapshot with JSON-number decimals exact', () => {
    const ts = trades(parseKrakenMessage(snapshot, 5));
    expect(ts.map((t) => [t.symbol, t.pair, t.tradeId, t.price.toFixed(), t.quantity.toFixed(), t.buyerIsMaker, t.tradeTime])).toEqual([
      ['MATIC/USD', 'MATIC-USD', 4665846, '0.5147', '6423.46326', false, Date.parse('2023-09-25T07:48:36.925Z')],
      ['MATIC/USD', 'MATIC-USD', 4665847, '0.5147', '1136.19677815', false, Date.parse('2023-09-25T07:49:36.925Z')],
    ]);
    expect(outcome(parseKrakenMessage(heartbeat, 0))).toBe('ignored:channel:heartbeat');
  });

  it('reads numbers from their text where a double would not give the same decimal back', () => {
    const qty = '123456789.1234567891';
    expect(String(JSON.parse(qty))).not.toBe(qty); // what JSON.parse + Decimal.fromNumber would have stored
    const frame = `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":6.5e4,"qty":${qty},"ord_type":"market","trade_id":1,"timestamp":"2024-01-01T00:00:00.000001Z"}]}`;
    const [t] = trades(parseKrakenMessage(frame, 0));
    expect(t?.quantity.toFixed()).toBe(qty);
    expect(t?.price.toString()).toBe('65000');
    expect(t?.pair).toBe('BTC-USD');
    expect(t?.buyerIsMaker).toBe(true);
  });

  it('ignores acks, status and unknown channels', () => {
    const cases = [
      '{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"MATIC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}',
      '{"channel":"status","type":"update","data":[{"version":"2.0.0","system":"online","api_version":"v2","connection_id":12393906104898154338}]}',
      '{"channel":"shiny","type":"update","data":[]}',
      '{"event":"shiny"}',
      '{"event":"pong","reqid":42}',
    ];
    expect(cases.map((f) => outcome(parseKrakenMessage(f, 0)))).toEqual([
      'ignored:method-response',
      'ignored:channel:status',
      'ignored:channel:other',
      'ignored:event:other',
      'ignored:event:pong',
    ]);
  });
});

describe('Kraken parser on damaged frames', () => {
  const V2 = { symbol: 'BTC/USD', side: 'buy', price: 1, qty: 2, ord_type: 'limit', trade_id: 3, timestamp: '2024-01-01T00:00:00Z' };
  const v2 = (patch: Record<string, unknown>) => JSON.stringify({ channel: 'trade', type: 'update', data: [{ ...V2, ...patch }] });
  const v1 = (row: unknown[], pair = 'XBT/USD') => JSON.stringify([1, [row], 'trade', pair]);

  it('gives each a stable reason and never throws', () => {
    const cases: [string, string][] = [
      ['{"channel":', 'malformed:invalid-json'],
      ['{"a":1,}', 'malformed:invalid-json'],
      ['[1] x', 'malformed:invalid-json'],
      ['['.repeat(100) + ']'.repeat(100), 'malformed:invalid-json'],
      ['"trade"', 'malformed:not-an-object'],
      ['{"foo":1}', 'malformed:unknown-message'],
      ['[1,"trade","XBT/USD"]', 'malformed:wrong-type:frame'],
      ['[1,[],"trade",5]', 'malformed:wrong-type:frame'],
      ['[1,{},"trade","XBT/USD"]', 'malformed:wrong-type:trades'],
      [v1(['1', '2']), 'malformed:wrong-type:trade'],
      [v1([1, '2', '1618678142.557535', 'b', 'l', '']), 'malformed:wrong-type:trade'],
      [v1(['1', '2', '1618678142.557535', 'buy', 'l', '']), 'malformed:bad-value:side'],
      [v1(['1', '2', '2021-04-17', 'b', 'l', '']), 'malformed:bad-time:time'],
      [v1(['x', '2', '1618678142.557535', 'b', 'l', '']), 'malformed:bad-decimal:price'],
      [v1(['1', '0', '1618678142.557535', 'b', 'l', '']), 'malformed:non-positive:volume'],
      [v1(['1', '2', '1618678142.557535', 'b', 'l', ''], 'XBTUSD'), 'malformed:unknown-symbol:pair'],
      [JSON.stringify({ channel: 'trade', type: 'delta', data: [] }), 'malformed:bad-value:type'],
      [JSON.stringify({ channel: 'trade', type: 'update' }), 'malformed:missing-field:data'],
      [JSON.stringify({ channel: 'trade', type: 'update', data: {} }), 'malformed:wrong-type:data'],
      [JSON.stringify({ channel: 'trade', type: 'update', data: [1] }), 'malformed:wrong-type:data'],
      [v2({ price: '1' }), 'malformed:wrong-type:price'],
      [v2({ qty: undefined }), 'malformed:missing-field:qty'],
      [v2({ qty: -2 }), 'malformed:non-positive:qty'],
      [v2({ trade_id: 1.5 }), 'malformed:bad-integer:trade_id'],
      [v2({ side: 'b' }), 'malformed:bad-value:side'],
      [v2({ timestamp: 'yesterday' }), 'malformed:bad-time:timestamp'],
      [v2({ symbol: 'BTC-USD' }), 'malformed:unknown-symbol:symbol'],
      [v2({ pad: 'x'.repeat(MAX_MESSAGE_LENGTH) }), 'malformed:too-large'],
    ];
    for (const [raw, want] of cases) expect([raw.slice(0, 60), outcome(parseKrakenMessage(raw, 0))]).toEqual([raw.slice(0, 60), want]);
  });
});

describe('Kraken subscribe frames', () => {
  it('builds the v1 and v2 trade subscriptions', () => {
    expect(JSON.stringify(krakenV1Subscribe(['XBT/USD', 'XMR/USD']))).toBe(
      '{"event":"subscribe","pair":["XBT/USD","XMR/USD"],"subscription":{"name":"trade"}}',
    );
    expect(JSON.stringify(krakenV2Subscribe(['BTC/USD']))).toBe(
      '{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":true}}',
    );
    expect(krakenV2Subscribe(['BTC/USD'], false).params.snapshot).toBe(false);
  });

  it('refuses empty and malformed pair lists', () => {
    expect(() => krakenV1Subscribe([])).toThrow(ExchangeConfigError);
    expect(() => krakenV2Subscribe(['BTCUSD'])).toThrow(ExchangeConfigError);
  });
});
