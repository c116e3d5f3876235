import { AvroSerde, SerdeError, type SchemaRegistryClient } from '@candlestream/kafka';
import type { Candle } from '@candlestream/market';
import { candleSerde } from '@candlestream/pipeline';
import type { CandleDecoding } from '../job/compaction-job.js';

/**
 * Avro (Confluent wire format) -> Candle, one serde per topic (subjects follow TopicNameStrategy).
 * Decoding is synchronous; a writer schema id seen for the first time is fetched from the registry
 * once, then the record is decoded again. A registry that is down is not a poison record: that error
 * propagates and stops the job instead of dead-lettering good records.
 */
export class CandleDecoder implements CandleDecoding {
  private constructor(private readonly serdes: Map<string, AvroSerde<Candle>>) {}

  static async create(registry: SchemaRegistryClient, topics: readonly string[]): Promise<CandleDecoder> {
    const serdes = new Map<string, AvroSerde<Candle>>();
    for (const t of topics) serdes.set(t, await candleSerde(registry, t));
    return new CandleDecoder(serdes);
  }

  /** Throws SerdeError (poison record, with a `reason`) or a registry error (infrastructure). */
  async decode(topic: string, value: Buffer): Promise<Candle> {
    const serde = this.serdes.get(topic);
    if (!serde) throw new SerdeError(`no decoder for topic ${topic}`, 'unknown-topic');
    try {
      return serde.deserialize(value);
    } catch (err) {
      if (!(err instanceof SerdeError) || err.reason !== 'unknown-schema-id') throw err;
    }
    await serde.learn(AvroSerde.schemaIdOf(value));
    return serde.deserialize(value);
  }

  /** The synchronous fast path: undefined when the writer schema must be learned first. */
  tryDecode(topic: string, value: Buffer): Candle | undefined {
    const serde = this.serdes.get(topic);
    if (!serde) return undefined;
    try {
      return serde.deserialize(value);
    } catch (err) {
      if (err instanceof SerdeError && err.reason === 'unknown-schema-id') return undefined;
      throw err;
    }
  }
}
