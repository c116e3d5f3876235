import { describe, expect, it } from 'vitest';
import { createTopic, readTopic, TestProducer, uniqueName } from '../support/kafka.js';

describe('Kafka transactions on the local broker', () => {
  it('shows a read_committed consumer only the committed transaction', async () => {
    const topic = uniqueName('txn');
    await createTopic(topic, 1);
    const producer = await TestProducer.connect({ transactionalId: uniqueName('txn-producer') });
    const rec = (v: string) => ({ key: 'k', value: Buffer.from(v) });

    await producer.begin();
    producer.send(topic, [rec('committed-1'), rec('committed-2')]);
    await producer.commit();

    await producer.begin();
    producer.send(topic, [rec('aborted-1'), rec('aborted-2'), rec('aborted-3')]);
    await producer.flush();
    await producer.abort();

    await producer.begin();
    producer.send(topic, [rec('committed-3')]);
    await producer.commit();
    await producer.close();

    const committed = (await readTopic(topic, { isolation: 'read_committed' })).map((m) => m.value!.toString());
    expect(committed).toEqual(['committed-1', 'committed-2', 'committed-3']);
    const everything = (await readTopic(topic, { isolation: 'read_uncommitted' })).map((m) => m.value!.toString());
    expect(everything).toEqual(['committed-1', 'committed-2', 'aborted-1', 'aborted-2', 'aborted-3', 'committed-3']);
  });
});
