import { SerdeError } from '@candlestream/kafka';

/**
 * How values cross the wire and the stores. Synchronous on purpose: the processing loop runs a
 * whole consumed batch without awaiting. A serde that sometimes needs I/O first (an Avro serde
 * meeting an unknown writer schema id) implements `prepare`: it returns a promise for the records
 * that need it, `undefined` for the others, and the loop awaits only those.
 */
export interface Serde<T> {
  serialize(value: T): Buffer;
  deserialize(data: Buffer): T;
  /** Called before `deserialize`; a promise means "await me first". Throwing marks the record as poison. */
  prepare?(data: Buffer): Promise<void> | undefined;
}

const stringSerde: Serde<string> = {
  serialize: (value) => Buffer.from(value, 'utf8'),
  deserialize: (data) => data.toString('utf8'),
};

const bufferSerde: Serde<Buffer> = {
  serialize: (value) => value,
  deserialize: (data) => data,
};

const jsonSerde: Serde<unknown> = {
  serialize: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
  deserialize(data) {
    try {
      return JSON.parse(data.toString('utf8')) as unknown;
    } catch (err) {
      throw new SerdeError(`cannot decode JSON: ${(err as Error).message}`, 'decode-failed', err);
    }
  },
};

/** Built-in serdes. Keys are always UTF-8 strings, so these are for values. */
export const Serdes = {
  string: (): Serde<string> => stringSerde,
  buffer: (): Serde<Buffer> => bufferSerde,
  /** JSON text; a malformed record fails with `SerdeError` (reason `decode-failed`). */
  json: <T>(): Serde<T> => jsonSerde as Serde<T>,
};
