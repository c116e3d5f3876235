import type { MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';

/** Kafka headers as the client gives them: a list of one-entry objects, in order. */
export type Headers = MessageHeader[];

/**
 * A record flowing through a topology. Keys are UTF-8 strings (or null); values are whatever the
 * source serde and the processors make of them. `timestamp` is event time in epoch milliseconds.
 */
export interface StreamRecord<V> {
  readonly key: string | null;
  readonly value: V;
  readonly timestamp: number;
  readonly headers?: Headers;
}

export interface KeyValue<V> {
  key: string | null;
  value: V;
}

/** Where the record being processed came from (undefined inside punctuators). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}
