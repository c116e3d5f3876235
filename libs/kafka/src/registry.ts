import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { RegistryUnavailableError, SchemaIncompatibleError, SerdeError } from './errors.js';

export type LogicalTypes = Record<string, new (schema: avro.Schema, opts?: avro.ForSchemaOptions) => avro.types.LogicalType>;

/**
 * Talks to a Confluent-compatible schema registry (Redpanda's, Confluent's, Apicurio's ccompat API).
 * Schemas are registered in one canonical text (Apicurio does not canonicalise, so two spellings of
 * one schema would get two ids) and parsed with the caller's logical types, so a decimal decodes to
 * the caller's exact decimal type.
 */
export class SchemaRegistryClient {
  private readonly client: SchemaRegistry;
  private readonly types = new Map<number, avro.Type>();

  constructor(
    readonly url: string,
    private readonly logicalTypes: LogicalTypes = {},
  ) {
    this.client = new SchemaRegistry(
      { host: url, retry: { retries: 2, initialRetryTimeInSecs: 0.2 } },
      { [SchemaType.AVRO]: { logicalTypes: logicalTypes as avro.ForSchemaOptions['logicalTypes'] } },
    );
  }

  /** Fails with one actionable line when the registry is not there. */
  async ping(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/subjects`, { signal: AbortSignal.timeout(5000) });
    } catch (err) {
      throw new RegistryUnavailableError(this.url, describeFetchError(err), err);
    }
    if (!res.ok) throw new RegistryUnavailableError(this.url, `GET /subjects answered HTTP ${res.status}`);
  }

  parse(schemaText: string): avro.Type {
    return avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, { logicalTypes: this.logicalTypes as avro.ForSchemaOptions['logicalTypes'] });
  }

  /**
   * Registers `schema` under `subject` and returns its id; registering the same schema again returns
   * the same id. The subject's rule is FULL (BACKWARD and FORWARD): new readers must read old records
   * (replays, changelogs) and old readers must read new records (a producer upgraded before the
   * processor), so adding an optional field with a default passes and removing a required field fails.
   * The rule is set explicitly per subject because registries differ in their defaults (Apicurio
   * reports NONE for a subject without a rule of its own, Redpanda falls back to its global BACKWARD).
   */
  async register(subject: string, schema: object): Promise<number> {
    const text = canonicalSchemaText(schema);
    await this.setCompatibility(subject, COMPATIBILITY.FULL);
    try {
      const { id } = await this.client.register(
        { type: SchemaType.AVRO, schema: text },
        { subject, compatibility: COMPATIBILITY.FULL },
      );
      this.types.set(id, this.parse(text));
      return id;
    } catch (err) {
      throw this.translate(err, subject);
    }
  }

  private async setCompatibility(subject: string, compatibility: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/config/${encodeURIComponent(subject)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility }),
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      throw new RegistryUnavailableError(this.url, describeFetchError(err), err);
    }
    if (!res.ok) {
      throw new RegistryUnavailableError(this.url, `PUT /config/${subject} answered HTTP ${res.status}: ${await res.text()}`);
    }
  }

  /** The writer schema of `id`, cached; unknown ids fail with a SerdeError. */
  async typeById(id: number): Promise<avro.Type> {
    const known = this.types.get(id);
    if (known) return known;
    try {
      const type = (await this.client.getSchema(id)) as unknown as avro.Type;
      this.types.set(id, type);
      return type;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw new SerdeError(`schema id ${id} is not in the registry at ${this.url}`, 'unknown-schema-id', err);
      throw this.translate(err, `id ${id}`);
    }
  }

  cachedType(id: number): avro.Type | undefined {
    return this.types.get(id);
  }

  private translate(err: unknown, what: string): Error {
    const status = (err as { status?: number }).status;
    const message = err instanceof Error ? err.message : String(err);
    if (status === 409 || /incompatible/i.test(message)) return new SchemaIncompatibleError(what, message, err);
    if (status === undefined) return new RegistryUnavailableError(this.url, describeFetchError(err), err);
    return new RegistryUnavailableError(this.url, `HTTP ${status} for ${what}: ${message}`, err);
  }
}

/** One text per schema: JSON without insignificant whitespace, keys in the order of the .avsc file. */
export function canonicalSchemaText(schema: object): string {
  return JSON.stringify(schema);
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  if ((err as Error).name === 'TimeoutError') return 'no answer within 5 s';
  const message = err instanceof Error ? err.message : String(err);
  return cause?.message ? `${message}: ${cause.message}` : message;
}
