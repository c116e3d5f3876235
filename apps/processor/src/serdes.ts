import { AvroSerde } from '@candlestream/kafka';
import { decodeCandleState, encodeCandleState, type CandleState } from '@candlestream/market';
import type { Serde } from '@candlestream/streams';

/**
 * An Avro serde as the streams library wants it: synchronous, with `prepare` fetching a writer schema
 * this process has not met yet (a producer that registered a newer version). A bad magic byte or a
 * truncated record throws in `prepare`, which the library treats as a poison record.
 */
export function avroStreamsSerde<T>(avro: AvroSerde<T>): Serde<T> {
  return {
    serialize: (value) => avro.serialize(value),
    deserialize: (data) => avro.deserialize(data),
    prepare(data) {
      const id = AvroSerde.schemaIdOf(data);
      return avro.knows(id) ? undefined : avro.learn(id);
    },
  };
}

/** Candle aggregation state in the window stores and their changelogs: a compact exact text. */
export const candleStateSerde: Serde<CandleState> = {
  serialize: (state) => Buffer.from(encodeCandleState(state), 'utf8'),
  deserialize: (data) => decodeCandleState(data.toString('utf8')),
};
