import { describe, expect, it } from 'vitest';
import { AvroSerde, connectionFromEnv, SchemaIncompatibleError } from '@candlestream/kafka';
import { Decimal, type Trade } from '@candlestream/market';
import { loadSchema, pipelineRegistry, tradeSerde, valueSubject } from '@candlestream/pipeline';
import { uniqueName } from '../support/kafka.js';

const registry = pipelineRegistry(connectionFromEnv().registryUrl);
type Fields = { fields: { name: string }[] };

describe('schema evolution under the FULL (BACKWARD + FORWARD) rule', () => {
  it('accepts an optional field with a default, and old readers still decode new records', async () => {
    const topic = uniqueName('evolve-ok');
    const v1 = await tradeSerde(registry, topic);
    const schema = loadSchema('trade') as Fields;
    const v2Schema = { ...schema, fields: [...schema.fields, { name: 'venue', type: ['null', 'string'], default: null }] };
    const v2 = await AvroSerde.create<Trade & { venue: string | null }>(registry, valueSubject(topic), v2Schema);
    expect(v2.schemaId).not.toBe(v1.schemaId);

    const trade: Trade & { venue: string | null } = {
      exchange: 'KRAKEN', symbol: 'XBT/USD', pair: 'BTC-USD', tradeId: 7, price: Decimal.parse('61234.5'),
      quantity: Decimal.parse('0.00012345'), tradeTime: 1, buyerIsMaker: false, receivedTime: 2, venue: 'spot',
    };
    const bytes = v2.serialize(trade);
    expect(() => v1.deserialize(bytes)).toThrow(/not learned/);
    const back = await v1.deserializeAsync(bytes);
    expect(back.price.equals(trade.price)).toBe(true);
    expect('venue' in back).toBe(false);
  });

  it('rejects removing a required field with a clear SchemaIncompatibleError', async () => {
    const topic = uniqueName('evolve-bad');
    await tradeSerde(registry, topic);
    const schema = loadSchema('trade') as Fields;
    const withoutPrice = { ...schema, fields: schema.fields.filter((f) => f.name !== 'price') };
    const err = await AvroSerde.create(registry, valueSubject(topic), withoutPrice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaIncompatibleError);
    expect((err as Error).message).toContain(valueSubject(topic));
    expect((err as Error).message).toMatch(/incompatible/i);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it('rejects adding a required field without a default (old records could not be read)', async () => {
    const topic = uniqueName('evolve-required');
    await tradeSerde(registry, topic);
    const schema = loadSchema('trade') as Fields;
    const withRequired = { ...schema, fields: [...schema.fields, { name: 'venue', type: 'string' }] };
    await expect(AvroSerde.create(registry, valueSubject(topic), withRequired)).rejects.toThrow(SchemaIncompatibleError);
  });
});
