#!/usr/bin/env node
import { ensureTopics, KafkaAdmin, registerGroupLagGauge } from '@candlestream/kafka';
import { createLogger, createRegistry, runMain, startMetricsServer } from '@candlestream/metrics';
import { candleSerde, candleTopic, candleUpdatesTopic, initPipeline, pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { KafkaStreams, type Serde } from '@candlestream/streams';
import type { Candle } from '@candlestream/market';
import { describeConfig, loadConfig, PROCESSOR_USAGE } from './config.js';
import { candleMetrics } from './candle-metrics.js';
import { candleQueryRoute } from './queries.js';
import { avroStreamsSerde } from './serdes.js';
import { buildCandleTopology, spreadRepartitionTopic } from './topology.js';

runMain(async (signal) => {
  const cfg = loadConfig(process.argv.slice(2));
  if (cfg === 'help') {
    console.log(PROCESSOR_USAGE);
    return;
  }
  const log = createLogger('processor');
  process.stderr.write(`processor starting\n${describeConfig(cfg)}\n`);

  await initPipeline(cfg.conn, cfg.partitions);
  const admin = await KafkaAdmin.connect(cfg.conn);
  const [input] = await admin.describeTopics([cfg.inputTopic]);
  const partitions = input?.partitions.length ?? cfg.partitions;
  // Co-partitioned with the input: task n reads trades[n] and the re-keyed candles of partition n.
  await ensureTopics(admin, [{ name: spreadRepartitionTopic(cfg.applicationId), partitions, config: { 'retention.ms': '-1', 'cleanup.policy': 'delete' } }]);

  const registry = pipelineRegistry(cfg.conn.registryUrl);
  const candleTopics = cfg.intervals.flatMap((i) => [candleTopic(i), candleUpdatesTopic(i)]);
  const candleSerdes = new Map<string, Serde<Candle>>();
  for (const t of candleTopics) candleSerdes.set(t, avroStreamsSerde(await candleSerde(registry, t)));
  const metrics = createRegistry('processor');
  const topology = buildCandleTopology(
    cfg,
    {
      trade: avroStreamsSerde(await tradeSerde(registry, cfg.inputTopic)),
      candle: (topic) => candleSerdes.get(topic) ?? candleSerdes.get(candleTopic('1m'))!,
    },
    { onClosed: candleMetrics(metrics) },
  );

  registerGroupLagGauge(metrics, admin, 'all');
  const streams = new KafkaStreams(topology, {
    applicationId: cfg.applicationId,
    connection: cfg.conn,
    stateDir: cfg.stateDir,
    processingGuarantee: cfg.exactlyOnce ? 'exactly_once_v2' : 'at_least_once',
    commitIntervalMs: cfg.commitIntervalMs,
    registry: metrics,
    logger: log,
    ...(cfg.idleAdvanceMs !== null ? { idleAdvance: { idleMs: cfg.idleAdvanceMs, maxOutOfOrdernessMs: cfg.graceMs } } : {}),
  });
  log.info('topology', { description: streams.describe() });
  const server = await startMetricsServer({
    port: cfg.metricsPort,
    registry: metrics,
    health: () => ({ ok: streams.state === 'running' || streams.state === 'rebalancing', detail: { state: streams.state, tasks: streams.stats().tasks } }),
    routes: [candleQueryRoute(streams, cfg.intervals)],
  });
  process.stderr.write(`processor: /metrics, /healthz and /candles/<EXCHANGE>:<SYMBOL>?interval=1m on :${server.port}\n`);

  await streams.start();
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  // Ends when asked to stop, or when the library stops on its own (fenced, fatal error).
  await Promise.race([stopped, streams.done()]);
  const failed = streams.state === 'failed';
  await streams.close();
  await server.close();
  admin.close();
  if (failed) throw new Error('the stream processor failed; see the log above');
});
