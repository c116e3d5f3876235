import { createLogger, createRegistry } from '@candlestream/metrics';
import { describe, expect, it } from 'vitest';
import { KafkaSink } from '../../apps/producer/src/kafka/kafka-sink.js';
import { ProducerMetrics } from '../../apps/producer/src/metrics.js';
import { conn, createTopic, readTopic, uniqueName } from '../support/kafka.js';

const quiet = createLogger('test', { write: () => undefined });

describe('KafkaSink (native producer)', () => {
  it('parks records when librdkafka\'s queue is full, retries them in order, and delivers every one', async () => {
    const topic = uniqueName('sink-queue-full');
    await createTopic(topic, 2);
    const metrics = new ProducerMetrics(createRegistry('test', { defaultMetrics: false }));
    const sink = await KafkaSink.connect(
      { conn, clientId: 'test-sink', deliveryTimeoutMs: 30_000, lingerMs: 5, batchNumMessages: 1000, compression: 'lz4', queueMaxMessages: 200, deliveryReports: 'all' },
      metrics,
      quiet,
    );
    try {
      const keys = [sink.key('BINANCE:BTCUSDT', metrics.symbol('BINANCE', 'BTCUSDT').produced), sink.key('BINANCE:ETHUSDT', metrics.symbol('BINANCE', 'ETHUSDT').produced)];
      const n = 20_000;
      let maxParked = 0;
      // All at once, without yielding: the 200-record queue overflows at once.
      for (let i = 0; i < n; i++) {
        sink.send({ topic, key: keys[i % 2] as Buffer, value: Buffer.from(String(i)), timestamp: 1_700_000_000_000 + i });
        maxParked = Math.max(maxParked, sink.parked);
      }
      expect(maxParked).toBeGreaterThan(n / 2);
      await sink.whenWritable();
      await sink.flush(30_000);
      expect([sink.enqueued, sink.delivered, sink.failed]).toEqual([n, n, 0]);
      expect(await metrics.value('trades_produced_total')).toBe(n);
      const latency = await metrics.registry.getSingleMetric('candlestream_produce_latency_seconds')?.get();
      expect(latency?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value).toBeGreaterThan(0);
    } finally {
      await sink.close();
    }
    // Per key, the order of sending survived the parking.
    const records = await readTopic(topic);
    expect(records).toHaveLength(20_000);
    for (const key of ['BINANCE:BTCUSDT', 'BINANCE:ETHUSDT']) {
      const seq = records.filter((r) => r.key?.toString() === key).map((r) => Number(r.value?.toString()));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
      expect(seq).toHaveLength(10_000);
    }
  });
});
