import { describe, expect, it } from 'vitest';
import { connectionFromEnv } from '@candlestream/kafka';
import { Decimal, type Trade } from '@candlestream/market';
import { candleSerde, pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { createTopic, readTopic, TestProducer, uniqueName } from '../support/kafka.js';

const registry = pipelineRegistry(connectionFromEnv().registryUrl);

/** Trades with awkward decimals: many digits, trailing zeros, the schema's full scale, big integers. */
function trades(n: number): Trade[] {
  return Array.from({ length: n }, (_, i) => ({
    exchange: 'BINANCE',
    symbol: 'BTCUSDT',
    pair: 'BTC-USDT',
    tradeId: 1_000_000_000 + i,
    price: Decimal.parse(`${40000 + i}.${String(i).padStart(10, '7')}`.slice(0, 16)),
    quantity: Decimal.parse(i % 3 === 0 ? '0.0000000001' : `${i}.1234567890`),
    tradeTime: 1_723_161_255_343 + i,
    buyerIsMaker: i % 2 === 0,
    receivedTime: 1_723_161_256_000 + i,
  }));
}

describe('Avro trades through the real broker and registry', () => {
  it('registers both schemas and round-trips 100 trades field by field, decimals to the last digit', async () => {
    const topic = uniqueName('trades-roundtrip');
    await createTopic(topic, 2);
    const serde = await tradeSerde(registry, topic);
    const candles = await candleSerde(registry, uniqueName('candles-roundtrip'));
    expect(serde.schemaId).toBeGreaterThan(0);
    expect(candles.schemaId).not.toBe(serde.schemaId);
    // Registering the same schema again gives the same id (one canonical text).
    expect((await tradeSerde(registry, topic)).schemaId).toBe(serde.schemaId);

    const sent = trades(100);
    const producer = await TestProducer.connect();
    producer.send(topic, sent.map((t) => ({ key: `${t.exchange}:${t.symbol}`, value: serde.serialize(t) })));
    await producer.flush();
    await producer.close();

    const got = (await readTopic(topic, { isolation: 'read_uncommitted' })).map((m) => serde.deserialize(m.value!));
    expect(got).toHaveLength(100);
    got.sort((a, b) => a.tradeId - b.tradeId);
    for (const [i, t] of got.entries()) {
      const want = sent[i]!;
      expect({ ...t, price: t.price.toString(), quantity: t.quantity.toString() }).toEqual({
        ...want,
        price: want.price.toString(),
        quantity: want.quantity.toString(),
      });
      expect(t.price.equals(want.price)).toBe(true);
      expect(t.quantity.toFixed(10)).toBe(want.quantity.toFixed(10));
    }
  });
});
