import type { Trade } from '@candlestream/market';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCoinbaseMessage } from '../../apps/producer/src/exchanges/coinbase.js';
import { parseKrakenMessage } from '../../apps/producer/src/exchanges/kraken.js';
import type { ParseResult } from '../../apps/producer/src/exchanges/types.js';
import { createTopic, readTopic, uniqueName } from '../support/kafka.js';
import { FakeExchange, type MarketFrame } from './support/fake-exchange.js';
import { dataLines, expectExactlyTrades, headersOf, serdeFor } from './support/expect-trades.js';
import { ProducerProcess } from './support/producer-process.js';

const tradesOf = (lines: string[], parse: (raw: string, t: number) => ParseResult): Trade[] =>
  lines.flatMap((l) => {
    const r = parse(l, 0);
    return r.kind === 'trades' ? r.trades : [];
  });

/**
 * One `producer live` process with two exchanges on the same connection manager, each against its
 * own local server replaying a recording: Coinbase's Exchange feed (subscribe message, `matches`,
 * last_match repeats) and Kraken's API v1 (subscribe event, heartbeats, batched trade arrays). Each
 * server drops its connection once and re-sends recent frames on reconnect.
 */
describe('producer live: Coinbase and Kraken', () => {
  const coinbaseLines = dataLines('ws/coinbase/cryptofeed-exchange-feed-matches-ticker.jsonl');
  const krakenLines = dataLines('ws/kraken/cryptofeed-v1-trade.jsonl');
  const coinbaseAll = tradesOf(coinbaseLines, parseCoinbaseMessage);
  const gapTrade = coinbaseAll.find((t) => t.symbol === 'DASH-BTC' && t.tradeId === 923_563) as Trade;
  const coinbaseExpected = coinbaseAll.filter((t) => t !== gapTrade);
  const krakenExpected = tradesOf(krakenLines, parseKrakenMessage);
  const coinbaseBad = { text: '{"type":"match","trade_id":5,"product_id":"SKL-USD","side":"sideways","size":"1","price":"1","time":"2021-04-17T16:43:53.864119Z"}', reason: 'bad-value:side' };
  const krakenBad = { text: '[993,[["abc","1.0","1618678142.557535","b","l",""]],"trade","XMR/USD"]', reason: 'bad-decimal:price' };
  const coinbaseFrames: MarketFrame[] = coinbaseLines
    .filter((l) => !(l.includes('"trade_id":923563,') && l.includes('"type":"match"')))
    .flatMap((text, i) => (i === 60 ? [{ text: coinbaseBad.text, once: true }, { text }] : [{ text }]));
  const krakenFrames: MarketFrame[] = krakenLines.flatMap((text, i) => (i === 12 ? [{ text: krakenBad.text, once: true }, { text }] : [{ text }]));
  const topic = uniqueName('trades-cb-kr');
  const dlq = uniqueName('dlq-cb-kr');
  const servers: FakeExchange[] = [];
  let producer: ProducerProcess | undefined;

  afterAll(async () => {
    await producer?.stop('SIGKILL');
    await Promise.all(servers.map((s) => s.close()));
  });

  it('subscribes, drops duplicates after reconnects, reports the gap, dead-letters bad frames per exchange', async () => {
    expect(coinbaseExpected).toHaveLength(106);
    expect(krakenExpected).toHaveLength(10);
    await createTopic(topic, 4);
    await createTopic(dlq, 1);
    const coinbase = await FakeExchange.start({ protocol: 'coinbase', frames: coinbaseFrames, batch: 3, intervalMs: 15, resend: 30, dropAt: [120] });
    const kraken = await FakeExchange.start({ protocol: 'kraken-v1', frames: krakenFrames, batch: 1, intervalMs: 20, resend: 10, dropAt: [30] });
    servers.push(coinbase, kraken);
    const products = [...new Set(coinbaseAll.map((t) => t.symbol))];
    const pairs = ['WAVES/EUR', 'XMR/USD', 'KSM/XBT', 'GRT/ETH', 'SC/EUR', 'ETH/CHF', 'OCEAN/XBT', 'OMG/USD', 'XBT/CHF', 'ADA/XBT'];
    producer = ProducerProcess.start(['live', '--backoff-initial', '100ms', '--backoff-max', '500ms', '--gap-grace', '500ms', '--metrics-port', '0'], {
      EXCHANGES: 'coinbase,kraken',
      COINBASE_FEED: 'exchange',
      COINBASE_WS_URL: coinbase.url,
      COINBASE_SYMBOLS: products.join(','),
      KRAKEN_API: 'v1',
      KRAKEN_WS_URL: kraken.url,
      KRAKEN_SYMBOLS: pairs.join(','),
      TRADES_TOPIC: topic,
      PRODUCER_DLQ_TOPIC: dlq,
    });
    await Promise.all([coinbase.done, kraken.done]);
    const total = coinbaseExpected.length + krakenExpected.length;
    await producer.waitFor('all trades acknowledged', async () => {
      const s = await producer?.scrape();
      return (s?.get('candlestream_trades_produced_total') ?? 0) >= total ? s : undefined;
    });
    // Reported while running, once the grace period has passed.
    await producer.waitForLog('trade id gap: trades missing');
    const m = await producer.scrape();
    expect((await producer.stop('SIGTERM')).code, producer.stderr.slice(-2000)).toBe(0);

    // Subscriptions as each exchange expects them.
    const cbSub = JSON.parse(coinbase.connections[0]?.subscribe[0] ?? '{}') as { type: string; channels: string[]; product_ids: string[] };
    expect(cbSub).toEqual({ type: 'subscribe', product_ids: products, channels: ['matches', 'heartbeat'] });
    expect(JSON.parse(kraken.connections[0]?.subscribe[0] ?? '{}')).toEqual({ event: 'subscribe', pair: pairs, subscription: { name: 'trade' } });
    for (const s of servers) expect(s.connections.filter((c) => c.closedBy === 'drop')).toHaveLength(1);

    const records = await readTopic(topic);
    const serde = await serdeFor(topic);
    expectExactlyTrades(records, serde, [...coinbaseExpected, ...krakenExpected]);
    for (const ex of ['COINBASE', 'KRAKEN']) {
      expect(m.get('candlestream_ws_reconnects_total', { exchange: ex }), ex).toBeGreaterThanOrEqual(1);
      expect(m.get('candlestream_duplicates_dropped_total', { exchange: ex }), ex).toBeGreaterThan(0);
    }
    expect(m.get('candlestream_ignored_messages_total', { exchange: 'KRAKEN', reason: 'event:heartbeat' })).toBeGreaterThan(0);
    expect(m.get('candlestream_ignored_messages_total', { exchange: 'COINBASE', reason: 'type:ticker' })).toBeGreaterThan(0);

    const gaps = producer.logs().filter((l) => l.msg === 'trade id gap: trades missing');
    expect(gaps.map((g) => [g.exchange, g.symbol, g.from, g.to])).toEqual([['COINBASE', 'DASH-BTC', 923_563, 923_563]]);
    expect(m.get('candlestream_trade_gaps_total', { exchange: 'COINBASE', symbol: 'DASH-BTC' })).toBe(1);

    expect(m.get('candlestream_malformed_messages_total', { exchange: 'COINBASE', reason: coinbaseBad.reason })).toBe(1);
    expect(m.get('candlestream_malformed_messages_total', { exchange: 'KRAKEN', reason: krakenBad.reason })).toBe(1);
    const dead = (await readTopic(dlq)).map((r) => ({ value: r.value?.toString(), reason: headersOf(r)['dlq.error.reason'], exchange: headersOf(r)['dlq.exchange'] }));
    expect(dead.sort((a, b) => String(a.exchange).localeCompare(String(b.exchange)))).toEqual([
      { value: coinbaseBad.text, reason: coinbaseBad.reason, exchange: 'COINBASE' },
      { value: krakenBad.text, reason: krakenBad.reason, exchange: 'KRAKEN' },
    ]);
  });
});
