import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Decimal} from '@candlestream/market';
import { parseBinanceTradesCsv, parseKlineCsv, type Candle, type Kline } from '@candlestream/market';
import { candleSerde, pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { AppProcess, eventually } from '../support/apps.js';
import { conn, createTopic, endOffsets, readTopic, TestProducer, uniqueName } from '../support/kafka.js';
import { rollUp5m } from '../support/klines.js';

const DATA = new URL('../../../shared/data/binance/', import.meta.url);
const KEY = 'BINANCE:BTCUSDT';
const stateDir = mkdtempSync(join(tmpdir(), 'processor-klines-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const registry = pipelineRegistry(conn.registryUrl);

function expectEqualToKline(c: Candle, k: Kline): void {
  const pairs: [string, Decimal, Decimal][] = [
    ['open', c.open, k.open], ['high', c.high, k.high], ['low', c.low, k.low], ['close', c.close, k.close],
    ['volume', c.volume, k.volume], ['quoteVolume', c.quoteVolume, k.quoteVolume],
    ['takerBuyVolume', c.takerBuyVolume, k.takerBuyBaseVolume], ['takerBuyQuoteVolume', c.takerBuyQuoteVolume, k.takerBuyQuoteVolume],
  ];
  for (const [field, ours, theirs] of pairs) {
    expect(ours.equals(theirs), `${c.interval} ${new Date(c.openTime).toISOString()} ${field}: ${ours.toString()} vs ${theirs.toString()}`).toBe(true);
  }
  expect(c.tradeCount, `${c.interval} ${c.openTime} trade count`).toBe(k.tradeCount);
}

describe('processor on the real Binance sample, through Kafka, exactly once', () => {
  it('publishes 1m and 5m candles equal to the official klines, every field, every minute with trades', async () => {
    const input = uniqueName('trades-klines');
    await createTopic(input, 4);
    const trades = parseBinanceTradesCsv(readFileSync(new URL('trades/BTCUSDT-trades-2017-08-17.csv', DATA), 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 });
    const last = trades[trades.length - 1]!;
    // The next day's first trade moves stream time past the sample's last window, as live trading would.
    trades.push({ ...last, tradeId: last.tradeId + 1, tradeTime: Date.UTC(2017, 7, 18, 0, 10) });
    const serde = await tradeSerde(registry, input);
    const producer = await TestProducer.connect();
    for (const t of trades) producer.send(input, [{ key: KEY, value: serde.serialize(t) }], t.tradeTime);
    await producer.flush();
    await producer.close();

    const from1m = await endOffsets('candles.1m');
    const from5m = await endOffsets('candles.5m');
    const started = Date.now();
    const app = AppProcess.start('processor', [], {
      INPUT_TOPIC: input, APPLICATION_ID: uniqueName('klines-app'), STATE_DIR: stateDir, GRACE_MS: '0', METRICS_PORT: '0',
    });
    try {
      const c1 = await candleSerde(registry, 'candles.1m');
      const c5 = await candleSerde(registry, 'candles.5m');
      const readCandles = async (topic: string, from: Record<number, number>, serde: typeof c1) =>
        (await readTopic(topic, { from })).filter((m) => m.key?.toString() === KEY).map((m) => serde.deserialize(m.value!)).filter((c) => c.openTime < Date.UTC(2017, 7, 18));
      const oneMinute = await eventually(async () => {
        if (Date.now() > started + 85_000) throw new Error(`no 831 candles yet; processor output:\n${app.tail(60)}`);
        if (app.exited) throw new Error(`processor exited:\n${app.tail()}`);
        const got = await readCandles('candles.1m', from1m, c1);
        return got.length >= 831 ? got : undefined;
      }, 90_000, '831 final 1m candles');
      const fiveMinute = await eventually(async () => {
        const got = await readCandles('candles.5m', from5m, c5);
        return got.length >= 222 ? got : undefined;
      }, 30_000, '222 final 5m candles');

      const klines = parseKlineCsv(readFileSync(new URL('klines/1m/BTCUSDT-1m-2017-08-17.csv', DATA), 'utf8'));
      const byMinute = new Map(klines.map((k) => [k.openTime, k]));
      expect(oneMinute).toHaveLength(831);
      expect(new Set(oneMinute.map((c) => c.openTime)).size).toBe(831);
      for (const c of oneMinute) expectEqualToKline(c, byMinute.get(c.openTime)!);
      const by5m = rollUp5m(klines);
      expect(fiveMinute).toHaveLength(by5m.size);
      expect(new Set(fiveMinute.map((c) => c.openTime)).size).toBe(222);
      for (const c of fiveMinute) expectEqualToKline(c, by5m.get(c.openTime)!);
    } finally {
      expect(await app.stop('SIGTERM')).toBe(0);
    }
  });
});
