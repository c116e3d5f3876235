import { resolve } from 'node:path';
import { ConfigError, ensureTopics, KafkaAdmin, type ConnectionConfig } from '@candlestream/kafka';
import { createLogger, createRegistry, startMetricsServer, type Level } from '@candlestream/metrics';
import { pipelineRegistry } from '@candlestream/pipeline';
import { CompactionJob } from '../../job/compaction-job.js';
import { compactorMetrics } from '../../job/metrics.js';
import { CandleConsumer } from '../../kafka/candle-consumer.js';
import { CandleDecoder } from '../../kafka/candle-decoder.js';
import { DeadLetterProducer } from '../../kafka/dead-letter.js';
import { LakeWriter } from '../../parquet/lake-writer.js';
import { isValidTopic } from '../../parquet/layout.js';
import { crashHookFromEnv } from '../../testing/crash-points.js';
import { helpText, printableConfig, resolveOptions } from '../options.js';
import { RUN_OPTIONS } from '../specs.js';
import type { CommandIo } from './io.js';

export interface RunConfig {
  conn: ConnectionConfig;
  topics: string[];
  groupId: string;
  instanceId: string;
  lakeDir: string;
  dlqTopic: string;
  flushRows: number;
  flushBytes: number;
  flushIntervalMs: number;
  rowGroupSize: number;
  fsync: boolean;
  metricsPort: number;
  lagIntervalMs: number;
  untilCaughtUp: boolean;
  logLevel: Level;
}

export const RUN_HELP = helpText(
  'compactor run [options]',
  'Consume final candles (read_committed) and write them exactly once into the Parquet lake.',
  RUN_OPTIONS,
);

export function runConfig(argv: string[], env: NodeJS.ProcessEnv): { config: RunConfig; printable: Record<string, unknown>; help: boolean } {
  const r = resolveOptions(RUN_OPTIONS, argv, env);
  if (r.positionals.length > 0) throw new ConfigError(`run takes no arguments, got ${r.positionals.join(' ')}`);
  const v = r.values;
  const topics = v.topics as string[];
  if (topics.length === 0) throw new ConfigError('--topics must name at least one topic');
  for (const t of [...topics, v['dlq-topic'] as string]) if (!isValidTopic(t)) throw new ConfigError(`${JSON.stringify(t)} is not a valid topic name`);
  if ((v['flush-rows'] as number) < 1) throw new ConfigError('--flush-rows must be at least 1');
  const brokers = v.brokers as string;
  const registryUrl = (v.registry as string).replace(/\/+$/, '');
  if (!/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/.test(brokers)) throw new ConfigError(`--brokers must be host:port[,host:port...], got ${JSON.stringify(brokers)}`);
  if (!/^https?:\/\//.test(registryUrl)) throw new ConfigError(`--registry must be an http(s) URL, got ${JSON.stringify(registryUrl)}`);
  return {
    help: r.help,
    printable: printableConfig(RUN_OPTIONS, r),
    config: {
      conn: { brokers, registryUrl },
      topics,
      groupId: v.group as string,
      instanceId: v['instance-id'] as string,
      lakeDir: resolve(v.lake as string),
      dlqTopic: v['dlq-topic'] as string,
      flushRows: v['flush-rows'] as number,
      flushBytes: v['flush-bytes'] as number,
      flushIntervalMs: v['flush-interval-ms'] as number,
      rowGroupSize: v['row-group-size'] as number,
      fsync: v.fsync as boolean,
      metricsPort: v['metrics-port'] as number,
      lagIntervalMs: v['lag-interval-ms'] as number,
      untilCaughtUp: v['until-caught-up'] as boolean,
      logLevel: v['log-level'] as Level,
    },
  };
}

/** Wiring and lifecycle of `compactor run`; the logic is in CompactionJob and LakeWriter. */
export async function runCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const { config, printable, help } = runConfig(argv, env);
  if (help) {
    io.out(RUN_HELP + '\n');
    return 0;
  }
  const log = createLogger('compactor', { level: config.logLevel });
  log.info('config', { command: 'run', config: printable });

  const admin = await KafkaAdmin.connect(config.conn, { clientId: 'compactor-admin' });
  const cleanup: [string, () => Promise<void> | void][] = [['admin', () => admin.close()]];
  const closeAll = async (): Promise<void> => {
    for (const [name, close] of cleanup.reverse()) {
      log.debug('closing', { name });
      await Promise.resolve(close()).catch((err: unknown) => log.warn('close failed', { name, error: (err as Error).message }));
    }
  };
  try {
    const existing = new Set(await admin.listTopics());
    const missing = config.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new ConfigError(`topic(s) ${missing.join(', ')} do not exist: start the processor (it creates them) or fix --topics`);
    }
    await ensureTopics(admin, [{ name: config.dlqTopic, partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } }]);

    const registry = pipelineRegistry(config.conn.registryUrl);
    await registry.ping();
    const decoder = await CandleDecoder.create(registry, config.topics);

    const metricsRegistry = createRegistry('compactor');
    const metrics = compactorMetrics(metricsRegistry);
    const crash = crashHookFromEnv(env);
    const writer = await LakeWriter.open({
      lakeDir: config.lakeDir,
      instanceId: config.instanceId,
      rowGroupSize: config.rowGroupSize,
      fsync: config.fsync,
      crash,
      log,
    });
    cleanup.push(['lake writer', () => writer.close()]);
    writer.recover();
    const dlq = await DeadLetterProducer.connect(config.conn, config.dlqTopic);
    cleanup.push(['dead-letter producer', () => dlq.close()]);

    const job = new CompactionJob(
      {
        lakeDir: config.lakeDir,
        flushRows: config.flushRows,
        flushBytes: config.flushBytes,
        flushIntervalMs: config.flushIntervalMs,
        lagIntervalMs: config.lagIntervalMs,
        untilCaughtUp: config.untilCaughtUp,
      },
      { writer, decoder, dlq, metrics, log, crash, watermarks: (topic, partitions) => admin.watermarks(topic, partitions, true) },
    );
    const server = await startMetricsServer({ port: config.metricsPort, registry: metricsRegistry, health: () => job.health() });
    cleanup.push(['metrics server', () => server.close()]);
    log.info('metrics server listening', { port: server.port });

    const consumer = await CandleConsumer.connect({
      conn: config.conn,
      groupId: config.groupId,
      instanceId: config.instanceId,
      topics: config.topics,
      maxPollRecords: Math.min(config.flushRows, 20_000),
      handler: job,
      log,
    });
    cleanup.push(['consumer', () => consumer.close()]);
    job.attach(consumer);

    const onSignal = (sig: string): void => {
      log.info('stopping: writing what was read, then committing', { signal: sig });
      job.stop();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    await job.run();
    log.info('stopped');
    return 0;
  } finally {
    await closeAll();
  }
}
