import { Decimal, type Trade } from '@candlestream/market';
import { createLogger } from '@candlestream/metrics';
import { describe, expect, it } from 'vitest';
import { binanceParser } from '../exchanges/binance.js';
import { TradeIdTracker } from '../exchanges/gaps.js';
import type { OutgoingRecord } from '../kafka/kafka-sink.js';
import { ProducerMetrics } from '../metrics.js';
import { GapReporter } from './gap-reporter.js';
import { TradeIngest, type RecordSink } from './trade-ingest.js';

class FakeSink implements RecordSink {
  readonly records: OutgoingRecord[] = [];
  key(key: string): Buffer {
    return Buffer.from(key);
  }
  send(rec: OutgoingRecord): void {
    this.records.push(rec);
  }
}

const frame = (id: number, time = 1_723_161_255_342 + id, price = '61837.63000000') =>
  JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: time + 1, s: 'BTCUSDT', t: id, p: price, q: '0.02000000', T: time, m: true, M: true } });

type Serde = ConstructorParameters<typeof TradeIngest>[0]['serde'];
// A stand-in for the Avro serde: the ingest only needs serialize().
const fakeSerde: Serde = { serialize: (t: Trade) => Buffer.from(`${t.symbol}#${t.tradeId}`) };

function setup(graceMs = 0, serde: Serde = fakeSerde) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('test', { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const metrics = new ProducerMetrics();
  const tracker = new TradeIdTracker();
  const gaps = new GapReporter(tracker, metrics, log, graceMs);
  const sink = new FakeSink();
  const ingest = new TradeIngest({ topic: 'trades', dlqTopic: 'dlq', serde, sink, metrics, log, tracker, gaps, consecutiveIds: new Set(['BINANCE']), observeLag: true });
  return { ingest, sink, metrics, gaps, lines };
}

describe('TradeIngest', () => {
  it('produces each trade once, keyed <EXCHANGE>:<SYMBOL> with the trade time as timestamp, and counts duplicates', async () => {
    const { ingest, sink, metrics } = setup();
    for (const id of [1, 2, 3, 2, 3, 4, 1]) ingest.frame(binanceParser, frame(id), 1_723_161_300_000, 'ws:BINANCE');
    expect(sink.records.map((r) => r.value.toString())).toEqual(['BTCUSDT#1', 'BTCUSDT#2', 'BTCUSDT#3', 'BTCUSDT#4']);
    expect(sink.records[0]).toMatchObject({ topic: 'trades', timestamp: 1_723_161_255_343 });
    expect(sink.records[0]?.key.toString()).toBe('BINANCE:BTCUSDT');
    expect(ingest.stats).toMatchObject({ frames: 7, trades: 7, duplicates: 3, published: 4 });
    expect(await metrics.value('trades_received_total', { exchange: 'BINANCE', symbol: 'BTCUSDT' })).toBe(7);
    expect(await metrics.value('duplicates_dropped_total', { symbol: 'BTCUSDT' })).toBe(3);
    const lag = await metrics.registry.getSingleMetric('candlestream_ws_message_lag_seconds')?.get();
    expect(lag?.values.find((v) => (v as { metricName?: string }).metricName === 'candlestream_ws_message_lag_seconds_count')?.value).toBe(7);
  });

  it('dead-letters malformed frames raw, with reason, exchange, received time and source headers, logging once per reason', async () => {
    const { ingest, sink, metrics, lines } = setup();
    for (let i = 0; i < 3; i++) ingest.frame(binanceParser, '{not json', 1000 + i, 'ws:BINANCE');
    ingest.frame(binanceParser, frame(7, 5, '0'), 2000, 'ws:BINANCE');
    ingest.frame(binanceParser, '{"result":null,"id":1}', 3000, 'ws:BINANCE');
    const dead = sink.records.filter((r) => r.topic === 'dlq');
    expect(dead.map((r) => r.value.toString())).toEqual(['{not json', '{not json', '{not json', frame(7, 5, '0')]);
    expect(dead[0]?.headers).toEqual([{ 'dlq.error.reason': 'invalid-json' }, { 'dlq.exchange': 'BINANCE' }, { 'dlq.received.time': '1000' }, { 'dlq.source': 'ws:BINANCE' }]);
    expect(dead[0]?.key.toString()).toBe('BINANCE');
    expect(dead[3]?.headers?.[0]).toEqual({ 'dlq.error.reason': 'non-positive:p' });
    expect(await metrics.value('malformed_messages_total', { reason: 'invalid-json' })).toBe(3);
    expect(await metrics.value('ignored_messages_total', { reason: 'subscription-ack' })).toBe(1);
    expect(lines.filter((l) => String(l.msg).startsWith('malformed')).map((l) => l.reason)).toEqual(['invalid-json', 'non-positive:p']);
  });

  it('dead-letters a trade the Avro schema cannot hold instead of throwing', () => {
    const failing: Serde = {
      serialize: () => {
        throw Object.assign(new Error('1.00000000001 has more than 10 decimals'), { reason: 'decimal-scale' });
      },
    };
    const { ingest: strict, sink } = setup(0, failing);
    const t: Trade = { exchange: 'BINANCE', symbol: 'BTCUSDT', pair: 'BTC-USDT', tradeId: 1, price: Decimal.parse('1.00000000001'), quantity: Decimal.parse('1'), tradeTime: 1, buyerIsMaker: false, receivedTime: 2 };
    strict.trade(t, '1,1.00000000001,1,1,1,False,True', 'replay:x.csv');
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]?.headers?.[0]).toEqual({ 'dlq.error.reason': 'encode-failed' });
    expect(sink.records[0]?.value.toString()).toBe('1,1.00000000001,1,1,1,False,True');
  });

  it('reports a gap once it outlives the grace period, with the missing range, and not the part filled meanwhile', async () => {
    const { ingest, metrics, gaps, lines } = setup(60_000);
    for (const id of [10, 11, 15, 16]) ingest.frame(binanceParser, frame(id), 0, 'ws:BINANCE');
    gaps.check(Date.now());
    expect(gaps.reported).toEqual([]);
    ingest.frame(binanceParser, frame(12), 0, 'ws:BINANCE'); // a lagging connection fills part of it
    gaps.check(Date.now() + 60_001);
    expect(gaps.reported).toEqual([{ exchange: 'BINANCE', symbol: 'BTCUSDT', from: 13, to: 14, missing: 2 }]);
    expect(lines.filter((l) => l.msg === 'trade id gap: trades missing')).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', from: 13, to: 14, missing: 2 })]);
    expect(await metrics.value('trade_gaps_total')).toBe(1);
    expect(await metrics.value('trades_missing_total')).toBe(2);
    gaps.check(Date.now() + 120_000, true);
    expect(gaps.reported).toHaveLength(1);
  });

  it('does not report a gap an overlapping connection fills in time', () => {
    const { ingest, gaps } = setup(1000);
    for (const id of [1, 2, 5, 3, 4, 5, 6]) ingest.frame(binanceParser, frame(id), 0, 'ws:BINANCE');
    gaps.check(Date.now(), true);
    expect(gaps.reported).toEqual([]);
    expect(ingest.stats.published).toBe(6);
  });
});
