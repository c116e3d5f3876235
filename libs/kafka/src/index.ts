export { KafkaAdmin } from './admin.js';
export { AvroSerde } from './avro-serde.js';
export { baseClientConfig, baseConsumerConfig, connectionFromEnv, DEFAULT_BROKERS, DEFAULT_REGISTRY_URL, type ConnectionConfig } from './config.js';
export type { TopicConfigs } from './describe-configs.js';
export { groupLag, type PartitionLag } from './lag.js';
export { registerGroupLagGauge } from './lag-metrics.js';
export {
  BrokerUnavailableError,
  ConfigError,
  KafkaProtocolError,
  RegistryUnavailableError,
  SchemaIncompatibleError,
  SerdeError,
  TopicMismatchError,
} from './errors.js';
export { canonicalSchemaText, SchemaRegistryClient, type LogicalTypes } from './registry.js';
export { ensureTopics, type EnsureResult, type TopicSpec } from './topics.js';
