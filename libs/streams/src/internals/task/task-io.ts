import type { Logger } from '@candlestream/metrics';
import type { Headers } from '../../processor/record.js';

/** A consumed Kafka record as the client hands it over (the native API's `Message` fits). */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key?: Buffer | string | null;
  value: Buffer | null;
  timestamp?: number;
  headers?: Headers;
}

/**
 * What a task needs from whoever runs it: Kafka (the record collector inside the open transaction)
 * or the TopologyTestDriver (in-memory lists). Everything a task emits goes through `send`.
 */
export interface TaskIO {
  readonly applicationId: string;
  readonly logger: Logger;
  /** `partition` null: the producer's partitioner picks by key (murmur2, as Java clients do). */
  send(topic: string, partition: number | null, key: Buffer | null, value: Buffer | null, timestamp: number, headers?: Headers): void;
  /** Wall clock (virtual under the test driver). */
  now(): number;
  /** Dead-letter topic, or undefined when dead-lettering is off (poison records are then logged and skipped). */
  readonly dlqTopic: string | undefined;
  readonly lateTopic: string;
  changelogTopic(store: string): string;
  /** Cache bound per store, in entries. */
  readonly cacheMaxEntries: number;
  /** Path of a store's SQLite file for this task (':memory:' under the test driver). */
  storePath(taskId: string, store: string): string;
}
