/**
 * Errors of the Kafka and registry layer. Each names what failed and what to do about it, in one
 * line, because these are the messages people see when the stack is not up.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The broker did not answer within the time given. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
  constructor(
    readonly brokers: string,
    cause?: unknown,
  ) {
    super(
      `cannot reach Kafka at ${brokers}: is the broker up? (local stack: npm run stack:up; or set KAFKA_BROKERS)`,
      { cause },
    );
  }
}

/** The schema registry did not answer, or answered with something that is not a registry. */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
  constructor(
    readonly url: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      `cannot use the schema registry at ${url}: ${detail} (local stack: npm run stack:up; or set SCHEMA_REGISTRY_URL)`,
      { cause },
    );
  }
}

/** The registry refused a schema because it breaks the subject's compatibility rule. */
export class SchemaIncompatibleError extends Error {
  override readonly name = 'SchemaIncompatibleError';
  constructor(
    readonly subject: string,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`schema for subject ${subject} is incompatible with its registered versions: ${detail}`, { cause });
  }
}

/** A record that cannot be encoded or decoded (bad magic byte, truncated payload, value out of range). */
export class SerdeError extends Error {
  override readonly name = 'SerdeError';
  constructor(
    message: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** A topic exists with partitions or configs other than the ones the pipeline needs. */
export class TopicMismatchError extends Error {
  override readonly name = 'TopicMismatchError';
  constructor(
    readonly topic: string,
    readonly problems: string[],
  ) {
    super(`topic ${topic} exists but does not match: ${problems.join('; ')} (fix or delete it, then start again)`);
  }
}

/** An error code from a Kafka protocol response that we sent ourselves. */
export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
