import kafka from '@confluentinc/kafka-javascript';
import type { DeliveryReport, LibrdKafkaError, MessageHeader } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import { baseClientConfig, BrokerUnavailableError, type ConnectionConfig } from '@candlestream/kafka';
import type { Logger } from '@candlestream/metrics';
import type { Inc, ProducerMetrics } from '../metrics.js';

const { Producer, CODES } = kafka;
const QUEUE_FULL = CODES.ERRORS.ERR__QUEUE_FULL;
const TX_CALL_TIMEOUT_MS = 30_000;

/**
 * `all`: a delivery report per record: `trades_produced_total` counts acknowledgements and
 * `produce_latency_seconds` is observed. `errors`: reports for failures only. Success reports are
 * dispatched to JavaScript one by one, and measured on this machine they cap the client at ~190k
 * records/s (a no-op handler; 440k/s without them), so bulk replays use `errors`: records are then
 * counted as produced when librdkafka takes them, failures are still reported, and `flush` proves
 * that all the others were acknowledged.
 */
export type DeliveryReports = 'all' | 'errors';

export interface KafkaSinkOptions {
  conn: ConnectionConfig;
  clientId: string;
  /** Records not acknowledged within this time fail (librdkafka retries until then). */
  deliveryTimeoutMs: number;
  lingerMs: number;
  batchNumMessages: number;
  compression: 'lz4' | 'zstd' | 'none';
  /** Local queue bound; beyond it `send` parks records and retries (backpressure). */
  queueMaxMessages: number;
  deliveryReports: DeliveryReports;
  /**
   * Transactional producer with this `transactional.id` (idempotence implied): `connect` runs
   * initTransactions (fencing an older producer with the same id and aborting its open transaction)
   * and begins the first transaction; `commitTransaction` commits it and begins the next.
   */
  transactionalId?: string;
  /** Extra librdkafka properties (tests, tuning). */
  extra?: Record<string, string | number | boolean>;
}

/** One record for the broker. Keys made by `key()` have their records counted as produced. */
export interface OutgoingRecord {
  topic: string;
  key: Buffer;
  value: Buffer;
  timestamp: number;
  headers?: MessageHeader[];
}

/** Records that were not delivered when the sink was flushed. */
export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
  constructor(
    readonly failed: number,
    readonly undelivered: number,
    detail: string,
  ) {
    super(`${failed + undelivered} records not delivered (${failed} failed after retries, ${undelivered} unacknowledged): ${detail}`);
  }
}

/**
 * The idempotent producer on the client's native (librdkafka) API: the one hot path of the app.
 *
 * Ordering and no duplicates per partition come from idempotence (acks=all, librdkafka retries until
 * `deliveryTimeoutMs`). A record that still fails is never dropped silently: it is counted
 * (`delivery_errors_total{topic,code}`), logged (rate-limited per error code) and remembered, and
 * `flush` then throws, so a replay exits non-zero. When librdkafka's local queue is full, `produce`
 * throws ERR__QUEUE_FULL: the record is parked and retried after polling, and callers that can slow
 * down (replay) wait on `whenWritable`.
 */
export class KafkaSink {
  private readonly backlog: OutgoingRecord[] = [];
  private drainTimer: NodeJS.Timeout | undefined;
  private writableWaiters: (() => void)[] = [];
  /** `all` mode: counters by key text (a report carries a copy of the key). */
  private readonly producedByKeyText = new Map<string, Inc>();
  /** `errors` mode: counters by key buffer identity (keys come from `key()`). */
  private readonly producedByKey = new Map<Buffer, Inc>();
  private readonly reportAll: boolean;
  private nextLatencySample = 0;
  /** Records taken by librdkafka. */
  enqueued = 0;
  /** Records acknowledged (in `errors` mode: known only after a successful flush). */
  delivered = 0;
  failed = 0;
  private lastError: string | undefined;
  fatalError: LibrdKafkaError | undefined;

  private constructor(
    private readonly producer: InstanceType<typeof Producer>,
    private readonly metrics: ProducerMetrics,
    private readonly log: Logger,
    deliveryReports: DeliveryReports,
    readonly transactional: boolean,
  ) {
    this.reportAll = deliveryReports === 'all';
    producer.on('delivery-report', (err, report) => this.onDelivery(err, report));
    producer.on('event.error', (err: LibrdKafkaError) => {
      if (err.isFatal) {
        this.fatalError ??= err;
        log.error('kafka producer fatal error: records can no longer be produced', { code: err.code, error: err.message });
      } else {
        log.limited('warn', `kafka-error:${err.code}`, 'kafka client error (librdkafka retries)', { code: err.code, error: err.message });
      }
    });
  }

  static async connect(opts: KafkaSinkOptions, metrics: ProducerMetrics, log: Logger): Promise<KafkaSink> {
    // librdkafka wants message.timeout.ms <= transaction.timeout.ms; brokers cap the latter at
    // transaction.max.timeout.ms (15 min by default).
    const txTimeoutMs = Math.min(900_000, Math.max(60_000, opts.deliveryTimeoutMs));
    const producer = new Producer({
      ...baseClientConfig(opts.conn, opts.clientId),
      'enable.idempotence': true,
      acks: -1,
      'linger.ms': opts.lingerMs,
      'batch.num.messages': opts.batchNumMessages,
      'batch.size': 4_000_000,
      'compression.type': opts.compression,
      'queue.buffering.max.messages': opts.queueMaxMessages,
      'queue.buffering.max.kbytes': 2_097_151,
      'message.timeout.ms': Math.min(opts.deliveryTimeoutMs, txTimeoutMs),
      ...(opts.transactionalId ? { 'transactional.id': opts.transactionalId, 'transaction.timeout.ms': txTimeoutMs } : {}),
      // The Java clients' partitioner, so every client of the pipeline maps a key to the same partition.
      partitioner: 'murmur2_random',
      dr_cb: true,
      'delivery.report.only.error': opts.deliveryReports === 'errors',
      ...opts.extra,
    });
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: 10_000 }, (err) => (err ? reject(new BrokerUnavailableError(opts.conn.brokers, err)) : resolve())),
    );
    producer.setPollInterval(20);
    const sink = new KafkaSink(producer, metrics, log, opts.deliveryReports, opts.transactionalId !== undefined);
    if (opts.transactionalId) {
      try {
        await sink.call((cb) => producer.initTransactions(TX_CALL_TIMEOUT_MS, cb));
        await sink.call((cb) => producer.beginTransaction(cb));
      } catch (err) {
        await sink.close();
        throw err;
      }
    }
    return sink;
  }

  /**
   * Transactional sink: delivers every record handed over so far (parked ones first) and commits them
   * in one transaction, then begins the next. A failure aborts the transaction (when it can be) and
   * throws: its records are then not visible to read_committed consumers.
   */
  async commitTransaction(): Promise<void> {
    if (!this.transactional) throw new Error('commitTransaction on a sink without a transactional id');
    while (this.backlog.length > 0) await this.whenWritable();
    try {
      await this.call((cb) => this.producer.commitTransaction(TX_CALL_TIMEOUT_MS, cb));
    } catch (err) {
      if ((err as { isTxnRequiresAbort?: boolean }).isTxnRequiresAbort === true) {
        await this.call((cb) => this.producer.abortTransaction(TX_CALL_TIMEOUT_MS, cb)).catch(() => undefined);
      }
      throw err;
    }
    this.producer.poll();
    await this.call((cb) => this.producer.beginTransaction(cb));
  }

  private call(fn: (cb: (err: LibrdKafkaError | null | undefined) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => fn((err) => (err ? reject(err as unknown as Error) : resolve())));
  }

  /** The key buffer for `key`, made once and reused; its records increment `produced`. */
  key(key: string, produced?: Inc): Buffer {
    const buf = Buffer.from(key, 'utf8');
    if (produced) {
      this.producedByKeyText.set(buf.toString('latin1'), produced);
      this.producedByKey.set(buf, produced);
    }
    return buf;
  }

  /** Records handed over and not yet known to be acknowledged or failed (parked ones included). */
  get outstanding(): number {
    return this.enqueued - this.delivered - this.failed + this.backlog.length;
  }

  get parked(): number {
    return this.backlog.length;
  }

  /** Hands a record to librdkafka, or parks it when the local queue is full. Never throws for that. */
  send(rec: OutgoingRecord): void {
    if (this.backlog.length > 0 || !this.tryProduce(rec)) {
      this.backlog.push(rec);
      this.scheduleDrain();
    }
  }

  /** Resolves when no record is parked: a producing loop awaits this before reading on. */
  whenWritable(): Promise<void> {
    if (this.backlog.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /** Delivers everything handed over so far; throws `DeliveryFailedError` if any record was not. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.backlog.length > 0 && Date.now() < deadline) {
      await Promise.race([this.whenWritable(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
    const left = Math.max(0, deadline - Date.now());
    const err = await new Promise<LibrdKafkaError | undefined>((resolve) => this.producer.flush(left, (e) => resolve(e ?? undefined)));
    // librdkafka's queue is empty, but its reports may still be queued for the JS thread: take them
    // while they keep coming.
    let seen = -1;
    let quietSince = Date.now();
    while (Date.now() < deadline + 5_000) {
      const now = this.delivered + this.failed;
      if (this.reportAll && now >= this.enqueued) break;
      if (now !== seen) {
        seen = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince > (this.reportAll ? 1_000 : 100)) break;
      this.producer.poll();
      await new Promise((r) => setTimeout(r, 5));
    }
    if (!this.reportAll && !err) this.delivered = this.enqueued - this.failed;
    const undelivered = this.outstanding;
    if (err || this.failed > 0 || undelivered > 0) {
      throw new DeliveryFailedError(this.failed, undelivered, this.lastError ?? err?.message ?? 'flush timed out');
    }
  }

  async close(): Promise<void> {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.producer.setPollInterval(0);
    await new Promise<void>((resolve) => this.producer.disconnect(5_000, () => resolve()));
  }

  private tryProduce(rec: OutgoingRecord): boolean {
    let opaque: number | undefined;
    if (this.reportAll) {
      // Latency is sampled (at most one record a millisecond): an opaque per record costs a handle.
      const now = performance.now();
      if (now >= this.nextLatencySample) {
        opaque = now;
        this.nextLatencySample = now + 1;
      }
    }
    try {
      this.producer.produce(rec.topic, null, rec.value, rec.key, rec.timestamp, opaque, rec.headers);
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === QUEUE_FULL) return false;
      // Refused outright (fatal producer, record too large, ...): a failed delivery, not a crash.
      this.enqueued++;
      this.fail(rec.topic, rec.key, code ?? 'produce', (e as Error).message);
      return true;
    }
    this.enqueued++;
    if (!this.reportAll) this.producedByKey.get(rec.key)?.inc();
    return true;
  }

  private scheduleDrain(): void {
    if (this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      this.producer.poll();
      while (this.backlog.length > 0) {
        if (!this.tryProduce(this.backlog[0] as OutgoingRecord)) break;
        this.backlog.shift();
      }
      if (this.backlog.length > 0) this.scheduleDrain();
      else {
        const waiters = this.writableWaiters;
        this.writableWaiters = [];
        for (const w of waiters) w();
      }
    }, 2);
  }

  private fail(topic: string, key: Buffer | string | null | undefined, code: number | string, message: string): void {
    this.failed++;
    this.lastError = `${message} (code ${code}, topic ${topic})`;
    this.metrics.deliveryErrors.inc({ topic, code: String(code) });
    this.log.limited('error', `delivery:${code}`, 'record not delivered after retries (logged once a minute per error code; see delivery_errors_total)', {
      topic,
      key: key?.toString() ?? null,
      code,
      error: message,
      failedSoFar: this.failed,
    });
  }

  private onDelivery(err: LibrdKafkaError | null, report: DeliveryReport): void {
    if (err) {
      this.fail(report.topic, report.key, err.code, err.message);
      return;
    }
    this.delivered++;
    if (typeof report.opaque === 'number') this.metrics.produceLatency.observe((performance.now() - report.opaque) / 1000);
    if (report.key) this.producedByKeyText.get(report.key.toString('latin1'))?.inc();
  }
}
