import { AvroSerde, type SchemaRegistryClient } from '@candlestream/kafka';
import type { Candle, Trade } from '@candlestream/market';
import { loadSchema } from './schemas.js';

/** Subjects follow TopicNameStrategy: `<topic>-value`. Keys are plain UTF-8 `<EXCHANGE>:<SYMBOL>`. */
export const valueSubject = (topic: string): string => `${topic}-value`;

export function tradeSerde(registry: SchemaRegistryClient, topic: string): Promise<AvroSerde<Trade>> {
  return AvroSerde.create<Trade>(registry, valueSubject(topic), loadSchema('trade'));
}

export function candleSerde(registry: SchemaRegistryClient, topic: string): Promise<AvroSerde<Candle>> {
  return AvroSerde.create<Candle>(registry, valueSubject(topic), loadSchema('candle'));
}
