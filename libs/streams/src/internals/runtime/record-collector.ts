import type { DeliveryReport, LibrdKafkaError, MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { RecordCollectorError } from '../task/record-collector-error.js';
import { ErrorCode, type NativeProducer } from './kafka-clients.js';

/** Errors a single record causes (it goes to the dead-letter topic); every other produce error is the runtime's. */
const RECORD_ERRORS = new Set([10 /* MSG_SIZE_TOO_LARGE */]);

function producerError(err: unknown): unknown {
  const code = (err as LibrdKafkaError).code;
  if (RECORD_ERRORS.has(code)) return err;
  return new RecordCollectorError(`producer refused a record: ${(err as Error).message}`, code, err);
}

interface Pending {
  topic: string;
  partition: number | null;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: MessageHeader[] | undefined;
}

/**
 * Everything the instance produces goes through here: sink outputs, changelog records, dead letters.
 * `send` hands records straight to librdkafka (inside the open transaction); when its queue is full
 * they wait in a backlog that `drain` (commit step 2) pushes out. Delivery reports give each
 * changelog partition's end offset, which becomes the store's checkpoint.
 */
export class RecordCollector {
  private readonly backlog: Pending[] = [];
  private producer: NativeProducer;
  /** Per changelog topic, per partition: next offset after the last delivered record. */
  private readonly changelogEnds = new Map<string, number[]>();
  private changelogSent = 0;
  private changelogDelivered = 0;
  private deliveryError: LibrdKafkaError | undefined;
  /** Records produced since the last commit (a punctuation alone can make a commit necessary). */
  producedSinceCommit = 0;
  readonly producedByTopic = new Map<string, number>();

  constructor(producer: NativeProducer) {
    this.producer = producer;
    this.attach(producer);
  }

  /** Swaps in a re-created producer (after a fatal producer error). */
  replaceProducer(producer: NativeProducer): void {
    this.producer = producer;
    this.backlog.length = 0;
    this.deliveryError = undefined;
    this.changelogSent = this.changelogDelivered = 0;
    this.attach(producer);
  }

  registerChangelog(topic: string): void {
    if (!this.changelogEnds.has(topic)) this.changelogEnds.set(topic, []);
  }

  send(topic: string, partition: number | null, key: Buffer | null, value: Buffer | null, timestamp: number, headers?: MessageHeader[]): void {
    this.producedSinceCommit++;
    this.producedByTopic.set(topic, (this.producedByTopic.get(topic) ?? 0) + 1);
    if (this.changelogEnds.has(topic)) this.changelogSent++;
    if (this.backlog.length === 0) {
      try {
        this.producer.produce(topic, partition, value, key, timestamp, undefined, headers);
        return;
      } catch (err) {
        if ((err as LibrdKafkaError).code !== ErrorCode.QUEUE_FULL) throw producerError(err);
      }
    }
    this.backlog.push({ topic, partition, key, value, timestamp, headers });
  }

  /** Pushes the backlog out, polling the producer while its queue is full. */
  async drain(): Promise<void> {
    while (this.backlog.length > 0) {
      const r = this.backlog[0]!;
      try {
        this.producer.produce(r.topic, r.partition, r.value, r.key, r.timestamp, undefined, r.headers);
        this.backlog.shift();
      } catch (err) {
        if ((err as LibrdKafkaError).code !== ErrorCode.QUEUE_FULL) throw producerError(err);
        this.producer.poll();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  }

  /**
   * Waits (briefly) until every changelog record's delivery report has arrived, so checkpoints see
   * the true end offsets. A late report only makes a checkpoint conservative, never wrong.
   */
  async settleDeliveryReports(maxWaitMs = 200): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    while (this.changelogDelivered < this.changelogSent && Date.now() < deadline) {
      this.producer.poll();
      await new Promise((resolve) => setImmediate(resolve));
      if (this.changelogDelivered < this.changelogSent) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** The first delivery failure since the last call (at-least-once must not commit past it). */
  takeDeliveryError(): LibrdKafkaError | undefined {
    const e = this.deliveryError;
    this.deliveryError = undefined;
    return e;
  }

  changelogEnd(topic: string, partition: number): number | undefined {
    return this.changelogEnds.get(topic)?.[partition];
  }

  /** Sets a changelog partition's known end (after a restore). */
  setChangelogEnd(topic: string, partition: number, offset: number): void {
    const ends = this.changelogEnds.get(topic);
    if (ends) ends[partition] = offset;
  }

  /** Forgets what an aborted transaction sent. */
  reset(): void {
    this.backlog.length = 0;
    this.changelogSent = this.changelogDelivered;
    this.producedSinceCommit = 0;
  }

  private attach(producer: NativeProducer): void {
    producer.on('delivery-report', (err: LibrdKafkaError, report: DeliveryReport) => this.onDelivery(err, report));
  }

  private onDelivery(err: LibrdKafkaError | undefined, report: DeliveryReport): void {
    const ends = this.changelogEnds.get(report.topic);
    if (ends) this.changelogDelivered++;
    if (err) {
      this.deliveryError ??= err;
      return;
    }
    if (ends) {
      const next = report.offset + 1;
      if (!(next <= (ends[report.partition] ?? -1))) ends[report.partition] = next;
    }
  }
}
