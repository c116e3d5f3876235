import kafka from '@confluentinc/kafka-javascript';
import type { DeliveryReport, LibrdKafkaError, Message, MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseClientConfig, BrokerUnavailableError, type ConnectionConfig } from '@candlestream/kafka';

const { Producer, CODES } = kafka;

/** Header names on dead-lettered records (values are UTF-8 strings). */
export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  error: 'dlq.error',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  timestamp: 'dlq.source.timestamp',
  app: 'dlq.app',
} as const;

export interface DeadLetterSink {
  send(source: Message, reason: string, error: string): void;
  /** Resolves once everything sent so far is acknowledged by the broker. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sends records that cannot become candles to the dead-letter topic, key and value untouched, with
 * headers naming the reason and the source record. Idempotent producer, acks=all. Records are flushed
 * before the lake batch that skips them lands, so a record is in the lake or in the dead-letter topic
 * once the batch's offsets are committed. (A crash between the two can send it twice: the DLQ is
 * at-least-once; its headers identify duplicates.)
 */
export class DeadLetterProducer implements DeadLetterSink {
  private failed: Error | null = null;

  private constructor(
    private readonly producer: InstanceType<typeof Producer>,
    readonly topic: string,
  ) {}

  static async connect(conn: ConnectionConfig, topic: string, clientId = 'compactor-dlq'): Promise<DeadLetterProducer> {
    const producer = new Producer({
      ...baseClientConfig(conn, clientId),
      'enable.idempotence': true,
      acks: -1,
      'linger.ms': 5,
      dr_cb: true,
    });
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: 10_000 }, (err) => (err ? reject(new BrokerUnavailableError(conn.brokers, err)) : resolve())),
    );
    producer.setPollInterval(50);
    const dlq = new DeadLetterProducer(producer, topic);
    producer.on('delivery-report', (err: LibrdKafkaError | null, _report: DeliveryReport) => {
      if (err) dlq.failed = new Error(`dead-letter delivery to ${topic} failed: ${err.message}`);
    });
    return dlq;
  }

  send(source: Message, reason: string, error: string): void {
    const headers: MessageHeader[] = [
      { [DLQ_HEADERS.reason]: reason },
      { [DLQ_HEADERS.error]: error.slice(0, 1000) },
      { [DLQ_HEADERS.topic]: source.topic },
      { [DLQ_HEADERS.partition]: String(source.partition) },
      { [DLQ_HEADERS.offset]: String(source.offset) },
      { [DLQ_HEADERS.app]: 'compactor' },
    ];
    if (source.timestamp !== undefined) headers.push({ [DLQ_HEADERS.timestamp]: String(source.timestamp) });
    for (;;) {
      try {
        this.producer.produce(this.topic, null, source.value, source.key ?? undefined, Date.now(), undefined, headers);
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== CODES.ERRORS.ERR__QUEUE_FULL) throw err;
        this.producer.poll();
      }
    }
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.producer.flush(30_000, (err) => {
        if (err) return reject(new Error(`dead-letter flush failed: ${err.message}`));
        if (this.failed) return reject(this.failed);
        resolve();
      }),
    );
  }

  close(): Promise<void> {
    // A poll tick while the binding destroys the native handle polls freed memory (SIGSEGV): stop it first.
    this.producer.setPollInterval(0);
    return new Promise((resolve) => this.producer.disconnect(() => resolve()));
  }
}
