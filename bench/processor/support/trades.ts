import { readFileSync } from 'node:fs';
import { Decimal, parseBinanceTradesCsv, type Trade } from '@candlestream/market';
import { pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { conn, createTopic, TestProducer } from '../../../test/support/kafka.js';

const SAMPLE = new URL('../../../../shared/data/binance/trades/BTCUSDT-trades-2017-08-17.csv', import.meta.url);
const RECORDING = new URL('../../../../shared/data/ws/binance/hftbacktest-spot-trade-btcusdt-ethusdt.jsonl', import.meta.url);

/**
 * Two real inputs of very different density. `sparse`: the 2017 day, BTCUSDT's first on Binance,
 * about 4 trades per 1m candle, so per-candle work dominates. `dense`: the 2024 WebSocket recording of
 * BTCUSDT (about 1,900 trades a minute), closer to today's markets, so per-trade work dominates.
 */
export type Density = 'sparse' | 'dense';

function baseTrades(density: Density): Trade[] {
  if (density === 'sparse') return parseBinanceTradesCsv(readFileSync(SAMPLE, 'utf8'), { symbol: 'BTCUSDT', receivedTime: 0 });
  return readFileSync(RECORDING, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"s":"BTCUSDT"'))
    .map((l) => {
      const d = (JSON.parse(l) as { data: { t: number; p: string; q: string; T: number; m: boolean } }).data;
      return { exchange: 'BINANCE', symbol: 'BTCUSDT', pair: 'BTC-USDT', tradeId: d.t, price: Decimal.parse(d.p), quantity: Decimal.parse(d.q), tradeTime: d.T, buyerIsMaker: d.m, receivedTime: d.T };
    });
}

/**
 * Loads `topic` with about `count` real trades: the chosen input once per synthetic symbol
 * (B000USDT, B001USDT, ...), interleaved by trade time, Avro-encoded with the registered schema.
 * Returns the number of records written.
 */
export async function loadSampleTrades(topic: string, count: number, partitions = 4, density: Density = 'sparse'): Promise<number> {
  await createTopic(topic, partitions);
  const sample = baseTrades(density);
  const symbols = Math.ceil(count / sample.length);
  const serde = await tradeSerde(pipelineRegistry(conn.registryUrl), topic);
  const producer = await TestProducer.connect();
  let n = 0;
  for (const t of sample) {
    for (let s = 0; s < symbols; s++) {
      const symbol = `B${String(s).padStart(3, '0')}USDT`;
      const trade: Trade = { ...t, symbol };
      producer.send(topic, [{ key: `BINANCE:${symbol}`, value: serde.serialize(trade) }], t.tradeTime);
      n++;
    }
    if (n % 200_000 < symbols) await producer.flush();
  }
  await producer.flush();
  await producer.close();
  return n;
}
