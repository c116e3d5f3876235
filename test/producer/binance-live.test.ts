import { parseBinanceMessage } from '../../apps/producer/src/exchanges/binance.js';
import type { Trade } from '@candlestream/market';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, readTopic, uniqueName } from '../support/kafka.js';
import { FakeExchange, type MarketFrame } from './support/fake-exchange.js';
import { dataLines, expectExactlyTrades, headersOf, idKey, serdeFor } from './support/expect-trades.js';
import { ProducerProcess } from './support/producer-process.js';

/**
 * `producer live` against a local Binance combined-stream server replaying the recorded main file
 * (24,544 trades): protocol pings, a dropped connection (the server re-sends recent trades on
 * reconnect), a connection age limit the client must roll over before (with overlap), trades the
 * test removed (gaps) and bad frames (dead letters). Every trade must reach the topic exactly once.
 */
describe('producer live: Binance', () => {
  const lines = dataLines('ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl');
  const trades = lines.map((l) => {
    const r = parseBinanceMessage(l, 0);
    if (r.kind !== 'trades') throw new Error('fixture');
    return r.trades[0] as Trade;
  });
  const btc = trades.filter((t) => t.symbol === 'BTCUSDT');
  const eth = trades.filter((t) => t.symbol === 'ETHUSDT');
  // Removed from the market: the producer must report exactly these as gaps.
  const removed = [...btc.slice(5000, 5003), eth[3000] as Trade];
  const removedIds = new Set(removed.map(idKey));
  const bad: { text: string; reason: string }[] = [
    { text: 'not json at all', reason: 'invalid-json' },
    { text: '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161300000,"s":"BTCUSDT","t":1,"q":"0.1","T":1723161300000,"m":true,"M":true}}', reason: 'missing-field:p' },
    { text: '{"stream":"ethusdt@trade","data":{"e":"trade","E":1723161300000,"s":"ETHUSDT","t":2,"p":"-5.0","q":"0.1","T":1723161300000,"m":false,"M":true}}', reason: 'non-positive:p' },
  ];
  const frames: MarketFrame[] = [];
  for (const [i, line] of lines.entries()) {
    if (removedIds.has(idKey(trades[i] as Trade))) continue;
    if (i === 2000) frames.push({ text: (bad[0] as { text: string }).text, once: true });
    if (i === 12_000) frames.push({ text: (bad[1] as { text: string }).text, once: true });
    if (i === 20_000) frames.push({ text: (bad[2] as { text: string }).text, once: true });
    if (i === 100) frames.push({ text: '{"result":null,"id":1}' }); // a subscription ack: ignored, not dead-lettered
    frames.push({ text: line });
  }
  const expected = trades.filter((t) => !removedIds.has(idKey(t)));
  const topic = uniqueName('trades-binance');
  const dlq = uniqueName('producer-dlq');
  let server: FakeExchange | undefined;
  let producer: ProducerProcess | undefined;

  afterAll(async () => {
    await producer?.stop('SIGKILL');
    await server?.close();
  });

  it('delivers every trade exactly once across a drop and forced rollovers, reports the gaps, dead-letters bad frames', async () => {
    await createTopic(topic, 4);
    await createTopic(dlq, 1);
    const started = Date.now();
    server = await FakeExchange.start({
      protocol: 'binance',
      frames,
      batch: 40,
      intervalMs: 10,
      pingIntervalMs: 150,
      maxConnectionAgeMs: 3_000, // the "24 h" limit, shortened
      resend: 200,
      dropAt: [9_000],
    });
    producer = ProducerProcess.start(
      ['live', '--rollover', '2s', '--overlap', '300ms', '--backoff-initial', '100ms', '--backoff-max', '1s', '--gap-grace', '1s', '--metrics-port', '0'],
      { BINANCE_WS_URL: server.url, SYMBOLS: 'BTCUSDT,ETHUSDT', EXCHANGES: 'binance', TRADES_TOPIC: topic, PRODUCER_DLQ_TOPIC: dlq },
    );
    await producer.waitForLog('connected');
    const health = await producer.health();
    expect(health.status).toBe(200);

    await server.done;
    const produced = await producer.waitFor('all trades acknowledged', async () => {
      const m = await producer?.scrape();
      const n = m?.get('candlestream_trades_produced_total', { exchange: 'BINANCE' }) ?? 0;
      return n >= expected.length ? m : undefined;
    }, 60_000);
    const exit = await producer.stop('SIGTERM');
    expect(exit.code, producer.stderr.slice(-2000)).toBe(0);
    expect(producer.stderr).not.toMatch(/^error:/m);

    // Exactly once, field for field.
    const serde = await serdeFor(topic);
    expectExactlyTrades(await readTopic(topic), serde, expected);

    // The connection story: one drop, rollovers with two connections open at once, pings answered.
    const conns = server.connections;
    expect(conns.every((c) => c.path === '/stream?streams=btcusdt@trade/ethusdt@trade')).toBe(true);
    expect(conns.filter((c) => c.closedBy === 'drop').length).toBeGreaterThanOrEqual(1);
    expect(server.maxConcurrent).toBeGreaterThanOrEqual(2);
    expect(conns.filter((c) => c.closedBy === 'age-limit'), 'the client rolls over before the limit').toEqual([]);
    expect(conns.reduce((n, c) => n + c.pongs, 0)).toBeGreaterThan(0);
    expect(produced.get('candlestream_ws_reconnects_total', { exchange: 'BINANCE' })).toBeGreaterThanOrEqual(1);
    expect(produced.get('candlestream_ws_rollovers_total', { exchange: 'BINANCE' })).toBeGreaterThanOrEqual(1);
    expect(produced.get('candlestream_ws_last_ping_timestamp_seconds', { exchange: 'BINANCE' })).toBeGreaterThan(started / 1000);
    expect(produced.get('candlestream_duplicates_dropped_total', { exchange: 'BINANCE' })).toBeGreaterThan(0);
    expect(produced.get('candlestream_trades_received_total', { exchange: 'BINANCE' })).toBe(
      expected.length + produced.get('candlestream_duplicates_dropped_total', { exchange: 'BINANCE' }),
    );

    // Gaps: exactly where trades were removed, in the log and the metrics.
    const gapLogs = producer.logs().filter((l) => l.msg === 'trade id gap: trades missing');
    const btcRemoved = removed.filter((t) => t.symbol === 'BTCUSDT').map((t) => t.tradeId);
    const ethRemoved = (eth[3000] as Trade).tradeId;
    expect(gapLogs.map((l) => ({ symbol: l.symbol, from: l.from, to: l.to, missing: l.missing })).sort((a, b) => String(a.symbol).localeCompare(String(b.symbol)))).toEqual([
      { symbol: 'BTCUSDT', from: Math.min(...btcRemoved), to: Math.max(...btcRemoved), missing: 3 },
      { symbol: 'ETHUSDT', from: ethRemoved, to: ethRemoved, missing: 1 },
    ]);
    expect(produced.get('candlestream_trade_gaps_total', { exchange: 'BINANCE', symbol: 'BTCUSDT' })).toBe(1);
    expect(produced.get('candlestream_trades_missing_total', { exchange: 'BINANCE', symbol: 'BTCUSDT' })).toBe(3);
    expect(produced.get('candlestream_trade_gaps_total', { exchange: 'BINANCE', symbol: 'ETHUSDT' })).toBe(1);

    // Bad frames: counted by reason, dead-lettered raw with headers; the connection stayed up.
    for (const b of bad) expect(produced.get('candlestream_malformed_messages_total', { exchange: 'BINANCE', reason: b.reason }), b.reason).toBe(1);
    expect(produced.get('candlestream_ignored_messages_total', { exchange: 'BINANCE', reason: 'subscription-ack' })).toBeGreaterThanOrEqual(1);
    const dead = await readTopic(dlq);
    expect(dead.map((m) => m.value?.toString()).sort()).toEqual(bad.map((b) => b.text).sort());
    for (const m of dead) {
      const h = headersOf(m);
      expect(h['dlq.error.reason']).toBe(bad.find((b) => b.text === m.value?.toString())?.reason);
      expect(h['dlq.exchange']).toBe('BINANCE');
      expect(Number(h['dlq.received.time'])).toBeGreaterThanOrEqual(started);
      expect(Number(h['dlq.received.time'])).toBeLessThanOrEqual(Date.now());
      expect(m.key?.toString()).toBe('BINANCE');
    }
    expect(producer.logs().filter((l) => l.msg.startsWith('malformed message'))).toHaveLength(bad.length);
  });
});
