import type { StateStore } from '../state/stores.js';
import type { RecordMetadata, StreamRecord } from './record.js';

/** Stream time: the largest event time the task has seen. Wall clock: the (virtual, in tests) clock. */
export type PunctuationType = 'stream-time' | 'wall-clock';

export interface Cancellable {
  cancel(): void;
}

/**
 * What a processor can do while it runs: forward records to its children, reach the state stores it
 * was connected to, and schedule punctuations. One context per processor instance and task.
 */
export interface ProcessorContext<VOut> {
  readonly applicationId: string;
  /** Task id: one task per input partition. */
  readonly taskId: string;
  readonly partition: number;
  /** Sends `record` to every child, or only to the child named `childName`. */
  forward(record: StreamRecord<VOut>, childName?: string): void;
  /** A store connected to this processor (`Topology.addStateStore` / the DSL's `stores` option). */
  getStateStore<S extends StateStore>(name: string): S;
  /**
   * Calls `callback` every `intervalMs` of stream time (when stream time reaches the next multiple
   * of the interval, after the record that moved it) or of wall-clock time (checked between batches).
   */
  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable;
  /** The task's stream time, -Infinity before the first record. */
  streamTime(): number;
  currentWallClockTime(): number;
  /** Source of the record being processed; undefined in punctuators and cache flushes. */
  recordMetadata(): RecordMetadata | undefined;
}

/**
 * The low-level processor: `init` once per task after its stores are restored, `process` per record,
 * `close` when the task closes. Throwing from `process` marks the record as poison (dead-letter
 * topic); effects the record already had (forwards, store writes) are kept, as in Kafka Streams.
 */
export interface Processor<VIn, VOut = never> {
  init?(context: ProcessorContext<VOut>): void;
  process(record: StreamRecord<VIn>): void;
  close?(): void;
}

/** Makes a fresh processor per task. */
export type ProcessorSupplier<VIn, VOut = never> = () => Processor<VIn, VOut>;
