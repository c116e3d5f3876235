// Public surface of @candlestream/streams. Everything under internals/ is private.
export { type ClientOverrides, type CommitStep, type ProcessingGuarantee, type StreamsConfig, type StreamsHooks } from './config.js';
export { KStream, type Named } from './dsl/kstream.js';
export { KGroupedStream, TimeWindowedKStream, type Adder, type AggregateStore, type WindowedAggregateStore } from './dsl/kgrouped-stream.js';
export { KTable, WindowedKTable, type EmitMode } from './dsl/ktable.js';
export { StreamsBuilder } from './dsl/streams-builder.js';
export { TimeWindows, type Windowed } from './dsl/time-windows.js';
export { KafkaStreams, type StreamsState, type StreamsStats } from './kafka-streams.js';
export {
  FencedError,
  PoisonRecordError,
  PreflightError,
  StateDirLockedError,
  StreamsConfigError,
  StreamsFatalError,
  TopologyError,
} from './errors.js';
export type { Cancellable, Processor, ProcessorContext, ProcessorSupplier, PunctuationType } from './processor/processor.js';
export type { Headers, KeyValue, RecordMetadata, StreamRecord } from './processor/record.js';
export { Topology, TopologyDescription, type NodeDef, type TimestampExtractor } from './processor/topology.js';
export { Serdes, type Serde } from './serde.js';
export { Stores, type KeyValueStoreSpec, type StoreOptions, type StoreSpec, type WindowStoreSpec } from './state/store-builders.js';
export type { KeyValueEntry, KeyValueStore, StateStore, WindowStore, WindowStoreEntry } from './state/stores.js';
export {
  TestInputTopic,
  TestOutputTopic,
  TopologyTestDriver,
  type ProducedRecord,
  type TestRecord,
  type TopologyTestDriverOptions,
} from './testing/topology-test-driver.js';
