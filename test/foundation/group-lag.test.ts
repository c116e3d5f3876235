import kafka from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { baseClientConfig, groupLag, registerGroupLagGauge } from '@candlestream/kafka';
import { createRegistry } from '@candlestream/metrics';
import { conn, createTopic, TestProducer, uniqueName, withAdmin } from '../support/kafka.js';

const { KafkaConsumer } = kafka;

async function commitOffsets(group: string, topic: string, offsets: Record<number, number>): Promise<void> {
  const consumer = new KafkaConsumer({ ...baseClientConfig(conn, 'lag-test'), 'group.id': group, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.commitSync(Object.entries(offsets).map(([p, offset]) => ({ topic, partition: Number(p), offset })));
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
}

describe('consumer group lag from the broker', () => {
  it('is last stable offset minus committed offset, per partition, and an open transaction is not lag', async () => {
    const topic = uniqueName('lag');
    const group = uniqueName('lag-group');
    await createTopic(topic, 2);
    const producer = await TestProducer.connect({ transactionalId: uniqueName('lag-txn') });
    await producer.begin();
    producer.send(topic, Array.from({ length: 10 }, () => ({ key: 'a', value: Buffer.from('x'), partition: 0 })));
    producer.send(topic, Array.from({ length: 4 }, () => ({ key: 'b', value: Buffer.from('y'), partition: 1 })));
    await producer.commit();
    // Still open while we measure: these must not count.
    await producer.begin();
    producer.send(topic, Array.from({ length: 5 }, () => ({ key: 'a', value: Buffer.from('z'), partition: 0 })));
    await producer.flush();

    await commitOffsets(group, topic, { 0: 3, 1: 4 });
    const lag = await withAdmin((admin) => groupLag(admin, group));
    const byPartition = Object.fromEntries(lag.map((l) => [l.partition, l.lag]));
    // Partition 0: 10 records + 1 commit marker = LSO 11, committed 3 -> 8. Partition 1: LSO 5, committed 4 -> 1
    // (the transaction marker occupies an offset that a consumer never sees, so it drains on the next commit).
    expect(byPartition).toEqual({ 0: 8, 1: 1 });

    const registry = createRegistry('test', { defaultMetrics: false });
    await withAdmin(async (admin) => {
      registerGroupLagGauge(registry, admin, [group]);
      const text = await registry.metrics();
      expect(text).toContain(`candlestream_consumer_group_lag_records{group="${group}",topic="${topic}",partition="0",app="test"} 8`);
    });
    await producer.abort();
    await producer.close();
  });
});
