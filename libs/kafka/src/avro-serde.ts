import type avro from 'avsc';
import { SerdeError } from './errors.js';
import type { SchemaRegistryClient } from './registry.js';

const MAGIC = 0;
const HEADER = 5;

/**
 * Avro values in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro body.
 * Encoding and decoding are synchronous so that hot loops stay free of promises; a record written
 * with a schema id this process has not seen yet fails with reason `unknown-schema-id` until
 * `learn(id)` has fetched it (then it is read through a writer->reader resolver).
 */
export class AvroSerde<T> {
  private readonly resolvers = new Map<number, avro.Resolver | null>();

  private constructor(
    private readonly registry: SchemaRegistryClient,
    readonly subject: string,
    readonly schemaId: number,
    private readonly type: avro.Type,
  ) {
    this.resolvers.set(schemaId, null);
  }

  /** Registers `schema` under `subject` (TopicNameStrategy: `<topic>-value`) and returns the serde. */
  static async create<T>(registry: SchemaRegistryClient, subject: string, schema: object): Promise<AvroSerde<T>> {
    const id = await registry.register(subject, schema);
    return new AvroSerde<T>(registry, subject, id, registry.parse(JSON.stringify(schema)));
  }

  serialize(value: T): Buffer {
    let body: Buffer;
    try {
      body = this.type.toBuffer(value);
    } catch (err) {
      throw new SerdeError(`cannot encode a value for ${this.subject}: ${(err as Error).message}`, 'encode-failed', err);
    }
    const out = Buffer.allocUnsafe(HEADER + body.length);
    out.writeUInt8(MAGIC, 0);
    out.writeUInt32BE(this.schemaId, 1);
    body.copy(out, HEADER);
    return out;
  }

  /** The schema id in a wire-format buffer (after checking the magic byte). */
  static schemaIdOf(buf: Buffer): number {
    if (buf.length < HEADER) throw new SerdeError(`record of ${buf.length} bytes is too short for the wire format`, 'truncated');
    if (buf.readUInt8(0) !== MAGIC) throw new SerdeError(`unknown magic byte ${buf.readUInt8(0)}`, 'bad-magic-byte');
    return buf.readUInt32BE(1);
  }

  deserialize(buf: Buffer): T {
    const id = AvroSerde.schemaIdOf(buf);
    const resolver = this.resolvers.get(id);
    if (resolver === undefined) {
      throw new SerdeError(`schema id ${id} not learned yet for ${this.subject}`, 'unknown-schema-id');
    }
    try {
      return (resolver ? this.type.fromBuffer(buf.subarray(HEADER), resolver, true) : this.type.fromBuffer(buf.subarray(HEADER))) as T;
    } catch (err) {
      throw new SerdeError(`cannot decode a ${this.subject} record (schema id ${id}): ${(err as Error).message}`, 'decode-failed', err);
    }
  }

  /** True when `deserialize` can read records of this id without a registry round-trip. */
  knows(id: number): boolean {
    return this.resolvers.has(id);
  }

  /** Fetches writer schema `id` and prepares a resolver to our reader schema. */
  async learn(id: number): Promise<void> {
    if (this.resolvers.has(id)) return;
    const writer = await this.registry.typeById(id);
    try {
      this.resolvers.set(id, this.type.createResolver(writer));
    } catch (err) {
      throw new SerdeError(`schema id ${id} cannot be read as ${this.subject}: ${(err as Error).message}`, 'incompatible-writer', err);
    }
  }

  /** deserialize, learning the writer schema first when needed (for code paths that may await). */
  async deserializeAsync(buf: Buffer): Promise<T> {
    const id = AvroSerde.schemaIdOf(buf);
    if (!this.resolvers.has(id)) await this.learn(id);
    return this.deserialize(buf);
  }
}
