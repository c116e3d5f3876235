import type { ConnectionConfig } from '@candlestream/kafka';
import { createLogger, type Logger } from '@candlestream/metrics';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { StreamsConfigError } from './errors.js';

export type ProcessingGuarantee = 'exactly_once_v2' | 'at_least_once';

/** The points of the commit sequence (see README), for fault-injection tests. */
export type CommitStep = 'flushed' | 'offsets-sent' | 'kafka-committed' | 'local-committed';

/** Test seams. Not for production use: they run synchronously inside the commit path. */
export interface StreamsHooks {
  /** Called after each step of each commit; `commit` counts commits of this instance from 1. */
  onCommitStep?(step: CommitStep, commit: number): void;
}

export type ClientOverrides = Record<string, string | number | boolean>;

/** Everything a `KafkaStreams` instance can be told; only the first three are required. */
export interface StreamsConfig {
  /** Consumer group id, prefix of internal topics (`<applicationId>-<store>-changelog`, `-dlq`, `-late`). */
  applicationId: string;
  connection: ConnectionConfig;
  /** Local state: one SQLite file per store and task under `<stateDir>/<applicationId>/<sub-topology>_<partition>/`. */
  stateDir: string;
  /** Default `exactly_once_v2`. */
  processingGuarantee?: ProcessingGuarantee;
  /** Longest time between commits while records flow; a quiet batch commits at once. Default 100. */
  commitIntervalMs?: number;
  /** Static membership id. Default: derived from applicationId and the absolute stateDir. */
  groupInstanceId?: string;
  /** Default 45000: a restarted static member gets its partitions back without waiting for this. */
  sessionTimeoutMs?: number;
  /** Default 1000 (librdkafka's 3000 makes rebalances slower to notice). */
  heartbeatIntervalMs?: number;
  /** Default 300000. Restores count against it: the consumer is not polled while a task restores. */
  maxPollIntervalMs?: number;
  /** Default 10000, as Kafka Streams under EOS: a crashed instance's open transaction blocks readers this long at most. */
  transactionTimeoutMs?: number;
  /** Most records per consumed batch. Default 5000: bigger batches promote more short-lived objects to V8's old space (measured: 20000 costs ~150 MB more RSS and no throughput). */
  maxBatchRecords?: number;
  /** How long one consume waits for a first record. Default 20. */
  consumeTimeoutMs?: number;
  /** Cache bound per store and task, in entries. Default 100000. */
  cacheMaxEntries?: number;
  /** Dirty entries across the tasks that force an early commit. Default 200000. */
  maxDirtyEntries?: number;
  /**
   * Live mode only: a task with no record for `idleMs` advances stream time to wall clock minus
   * `maxOutOfOrdernessMs`, so the last window of a quiet partition closes. Off by default:
   * replays must not depend on the wall clock.
   */
  idleAdvance?: { idleMs: number; maxOutOfOrdernessMs: number };
  /** Send poison records to `<applicationId>-dlq`. Default true. */
  deadLetterQueue?: boolean;
  /** Checkpoints older than this restore the whole changelog (compaction may have dropped tombstones). Default 24 h. */
  checkpointMaxAgeMs?: number;
  /** prom-client registry for the metrics (a private one by default). */
  registry?: Registry;
  logger?: Logger;
  /** Extra librdkafka settings, applied last. */
  consumerConfig?: ClientOverrides;
  producerConfig?: ClientOverrides;
  hooks?: StreamsHooks;
}

export interface ResolvedStreamsConfig {
  readonly applicationId: string;
  readonly connection: ConnectionConfig;
  readonly stateDir: string;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly eos: boolean;
  readonly commitIntervalMs: number;
  readonly groupInstanceId: string;
  readonly transactionalId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly transactionTimeoutMs: number;
  readonly maxBatchRecords: number;
  readonly consumeTimeoutMs: number;
  readonly cacheMaxEntries: number;
  readonly maxDirtyEntries: number;
  readonly idleAdvance: { idleMs: number; maxOutOfOrdernessMs: number } | undefined;
  readonly deadLetterQueue: boolean;
  readonly checkpointMaxAgeMs: number;
  readonly registry: Registry | undefined;
  readonly logger: Logger;
  readonly consumerConfig: ClientOverrides;
  readonly producerConfig: ClientOverrides;
  readonly hooks: StreamsHooks;
}

const APP_ID = /^[A-Za-z0-9._-]{1,150}$/;

function positiveInt(name: string, value: number | undefined, dflt: number): number {
  const v = value ?? dflt;
  if (!Number.isSafeInteger(v) || v <= 0) throw new StreamsConfigError(`${name} must be a positive integer, got ${String(value)}`);
  return v;
}

/** Validates once and fills in the defaults (all of them here, in one place). */
export function resolveStreamsConfig(c: StreamsConfig): ResolvedStreamsConfig {
  if (!APP_ID.test(c.applicationId ?? '')) {
    throw new StreamsConfigError(`applicationId must match ${APP_ID} (it names the group and internal topics), got ${JSON.stringify(c.applicationId)}`);
  }
  if (!c.connection?.brokers) throw new StreamsConfigError('connection.brokers is required (see connectionFromEnv)');
  if (!c.stateDir) throw new StreamsConfigError('stateDir is required');
  const guarantee = c.processingGuarantee ?? 'exactly_once_v2';
  if (guarantee !== 'exactly_once_v2' && guarantee !== 'at_least_once') {
    throw new StreamsConfigError(`processingGuarantee must be exactly_once_v2 or at_least_once, got ${String(guarantee)}`);
  }
  const stateDir = resolve(c.stateDir);
  const groupInstanceId =
    c.groupInstanceId ?? `${c.applicationId}-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`;
  if (!APP_ID.test(groupInstanceId)) throw new StreamsConfigError(`groupInstanceId must match ${APP_ID}, got ${JSON.stringify(groupInstanceId)}`);
  const sessionTimeoutMs = positiveInt('sessionTimeoutMs', c.sessionTimeoutMs, 45_000);
  const heartbeatIntervalMs = positiveInt('heartbeatIntervalMs', c.heartbeatIntervalMs, Math.min(1000, Math.floor(sessionTimeoutMs / 3)));
  if (heartbeatIntervalMs * 3 > sessionTimeoutMs) {
    throw new StreamsConfigError(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be at most a third of sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  if (c.idleAdvance && (!(c.idleAdvance.idleMs > 0) || !(c.idleAdvance.maxOutOfOrdernessMs >= 0))) {
    throw new StreamsConfigError('idleAdvance needs idleMs > 0 and maxOutOfOrdernessMs >= 0');
  }
  return {
    applicationId: c.applicationId,
    connection: c.connection,
    stateDir,
    processingGuarantee: guarantee,
    eos: guarantee === 'exactly_once_v2',
    commitIntervalMs: positiveInt('commitIntervalMs', c.commitIntervalMs, 100),
    groupInstanceId,
    transactionalId: `${c.applicationId}:${groupInstanceId}`,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: positiveInt('maxPollIntervalMs', c.maxPollIntervalMs, 300_000),
    transactionTimeoutMs: positiveInt('transactionTimeoutMs', c.transactionTimeoutMs, 10_000),
    maxBatchRecords: positiveInt('maxBatchRecords', c.maxBatchRecords, 5_000),
    consumeTimeoutMs: positiveInt('consumeTimeoutMs', c.consumeTimeoutMs, 20),
    cacheMaxEntries: positiveInt('cacheMaxEntries', c.cacheMaxEntries, 100_000),
    maxDirtyEntries: positiveInt('maxDirtyEntries', c.maxDirtyEntries, 200_000),
    idleAdvance: c.idleAdvance,
    deadLetterQueue: c.deadLetterQueue ?? true,
    checkpointMaxAgeMs: positiveInt('checkpointMaxAgeMs', c.checkpointMaxAgeMs, 24 * 3600_000),
    registry: c.registry,
    logger: c.logger ?? createLogger('streams'),
    consumerConfig: c.consumerConfig ?? {},
    producerConfig: c.producerConfig ?? {},
    hooks: c.hooks ?? {},
  };
}

/** The resolved config as printed at start (nothing secret in it; client overrides shown as keys only). */
export function describeConfig(c: ResolvedStreamsConfig): Record<string, unknown> {
  return {
    applicationId: c.applicationId,
    brokers: c.connection.brokers,
    stateDir: c.stateDir,
    processingGuarantee: c.processingGuarantee,
    commitIntervalMs: c.commitIntervalMs,
    groupInstanceId: c.groupInstanceId,
    transactionalId: c.eos ? c.transactionalId : null,
    sessionTimeoutMs: c.sessionTimeoutMs,
    transactionTimeoutMs: c.transactionTimeoutMs,
    maxBatchRecords: c.maxBatchRecords,
    cacheMaxEntries: c.cacheMaxEntries,
    idleAdvance: c.idleAdvance ?? null,
    deadLetterQueue: c.deadLetterQueue,
    consumerOverrides: Object.keys(c.consumerConfig),
    producerOverrides: Object.keys(c.producerConfig),
  };
}
