#!/usr/bin/env node
import { ensureTopics, KafkaAdmin, registerGroupLagGauge } from '@candlestream/kafka';
import { aborted, createLogger, createRegistry, runMain, startMetricsServer } from '@candlestream/metrics';
import { candleSerde, candleTopic, candleUpdatesTopic, initPipeline, pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { KafkaStreams, type Serde } from '@candlestream/streams';
import type { Candle } from '@candlestream/market';
import { describeConfig, loadConfig, PROCESSOR_USAGE } from './config.js';
import { candleMetrics } from './candle-metrics.js';
import { candleQueryRoute } from './queries.js';
import { avroStreamsSerde } from './serdes.js';
import { buildCandleTopology, buildSpreadTopology, spreadRepartitionTopic, spreadsApplicationId } from './topology.js';

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
  const serdes = {
    trade: avroStreamsSerde(await tradeSerde(registry, cfg.inputTopic)),
    candle: (topic: string) => candleSerdes.get(topic) ?? candleSerdes.get(candleTopic('1m'))!,
  };

  registerGroupLagGauge(metrics, admin, 'all');
  const common = {
    connection: cfg.conn,
    stateDir: cfg.stateDir,
    processingGuarantee: cfg.exactlyOnce ? ('exactly_once_v2' as const) : ('at_least_once' as const),
    commitIntervalMs: cfg.commitIntervalMs,
    registry: metrics,
    logger: log,
    ...(cfg.idleAdvanceMs !== null ? { idleAdvance: { idleMs: cfg.idleAdvanceMs, maxOutOfOrdernessMs: cfg.graceMs } } : {}),
  };
  const streams = new KafkaStreams(buildCandleTopology(cfg, serdes, { onClosed: candleMetrics(metrics) }), { ...common, applicationId: cfg.applicationId });
  const spreads = new KafkaStreams(buildSpreadTopology(cfg, serdes), { ...common, applicationId: spreadsApplicationId(cfg.applicationId) });
  log.info('topology', { candles: streams.describe(), spreads: spreads.describe() });
  const server = await startMetricsServer({
    port: cfg.metricsPort,
    registry: metrics,
    health: () => {
      const up = (s: KafkaStreams) => s.state === 'running' || s.state === 'rebalancing';
      return { ok: up(streams) && up(spreads), detail: { candles: streams.state, spreads: spreads.state, tasks: streams.stats().tasks } };
    },
    routes: [candleQueryRoute(streams, cfg.intervals)],
  });
  process.stderr.write(`processor: /metrics, /healthz and /candles/<EXCHANGE>:<SYMBOL>?interval=1m on :${server.port}\n`);

  // Listen before starting: a signal during start-up must stop the app too, not be lost.
  const stopped = aborted(signal);
  await Promise.all([streams.start(), spreads.start()]);
  // Ends when asked to stop, or when the library stops on its own (fenced, fatal error).
  await Promise.race([stopped, streams.done(), spreads.done()]);
  const failed = streams.state === 'failed' || spreads.state === 'failed';
  await Promise.all([streams.close(), spreads.close()]);
  await server.close();
  admin.close();
  if (failed) throw new Error('the stream processor failed; see the log above');
});
