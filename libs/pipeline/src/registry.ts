import { SchemaRegistryClient } from '@candlestream/kafka';
import { LOGICAL_TYPES } from './decimal-logical-type.js';

/** A registry client that decodes Avro decimals into exact `Decimal`s. */
export function pipelineRegistry(url: string): SchemaRegistryClient {
  return new SchemaRegistryClient(url, LOGICAL_TYPES);
}
