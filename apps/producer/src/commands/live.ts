import { aborted } from '@candlestream/metrics';
import type { LiveConfig } from '../config.js';
import { describeKafka, describeWs } from '../config.js';
import { TradeIdTracker } from '../exchanges/gaps.js';
import { GapReporter } from '../ingest/gap-reporter.js';
import { TradeIngest } from '../ingest/trade-ingest.js';
import { KafkaSink } from '../kafka/kafka-sink.js';
import { preflight } from '../kafka/preflight.js';
import { ProducerMetrics } from '../metrics.js';
import { JsonlRecorder } from '../record/jsonl-recorder.js';
import { humanMs } from '../cli/options.js';
import { log, printBanner, startMetrics } from '../runtime.js';
import { configuredFeed, FeedConnection } from '../ws/feed-connection.js';

/**
 * `producer live`: every configured exchange's WebSocket feed into the trades topic until SIGTERM or
 * SIGINT, then: stop reading, report still-open gaps, flush the producer, exit 0 (non-zero if
 * records could not be delivered). Optionally records the raw frames as it goes.
 */
export async function liveCommand(cfg: LiveConfig, signal: AbortSignal): Promise<void> {
  const reports = cfg.deliveryReports ?? 'all';
  printBanner('producer live', [
    ...describeWs(cfg.ws),
    ...describeKafka(cfg, reports),
    `  record      ${cfg.record ? `${cfg.record.dir} (new file every ${cfg.record.maxBytes} bytes or ${humanMs(cfg.record.maxAgeMs)})` : 'off'}`,
  ]);
  const metrics = new ProducerMetrics();
  const serde = await preflight(cfg, log);
  const sink = await KafkaSink.connect({ ...cfg.sink, deliveryReports: reports, conn: cfg.conn, clientId: 'candlestream-producer' }, metrics, log);
  const tracker = new TradeIdTracker();
  const gaps = new GapReporter(tracker, metrics, log, cfg.gapGraceMs);
  const ingest = new TradeIngest({
    topic: cfg.topic,
    dlqTopic: cfg.dlqTopic,
    serde,
    sink,
    metrics,
    log,
    tracker,
    gaps,
    consecutiveIds: new Set(cfg.ws.feeds.filter((f) => f.consecutiveIds).map((f) => f.exchange)),
    observeLag: true,
  });
  const recorders: JsonlRecorder[] = [];
  const connections = cfg.ws.feeds.map((feed) => {
    const recorder = cfg.record
      ? new JsonlRecorder({ dir: cfg.record.dir, prefix: feed.exchange.toLowerCase(), maxBytes: cfg.record.maxBytes, maxAgeMs: cfg.record.maxAgeMs, log })
      : undefined;
    if (recorder) recorders.push(recorder);
    const source = `ws:${feed.exchange}`;
    return new FeedConnection({
      ...configuredFeed(feed, cfg.ws),
      log,
      metrics,
      onMessage: (raw, receivedTime) => {
        recorder?.write(raw);
        ingest.frame(feed.parser, raw, receivedTime, source);
      },
    });
  });
  const server = await startMetrics(cfg.metricsPort, metrics, () => {
    const feeds = connections.map((c) => c.status());
    return {
      ok: !sink.fatalError && feeds.every((f) => f.connected),
      detail: { feeds, produced: sink.delivered, failed: sink.failed, outstanding: sink.outstanding, gaps: gaps.reported.length },
    };
  });

  for (const c of connections) c.start();
  let fatal: Error | undefined;
  let wake = (): void => undefined;
  const done = Promise.race([aborted(signal), new Promise<void>((resolve) => (wake = resolve))]);
  let lastStatus = Date.now();
  const tick = setInterval(() => {
    gaps.check(Date.now());
    if (sink.fatalError) {
      fatal = new Error(`the Kafka producer failed and cannot go on: ${sink.fatalError.message}`);
      wake();
    }
    if (Date.now() - lastStatus >= 60_000) {
      lastStatus = Date.now();
      log.info('status', { ...ingest.stats, delivered: sink.delivered, failed: sink.failed, outstanding: sink.outstanding, feeds: connections.map((c) => c.status()) });
    }
  }, 1000);
  await done;
  clearInterval(tick);

  log.info('stopping: closing connections, then flushing the producer');
  await Promise.all(connections.map((c) => c.stop()));
  gaps.check(Date.now(), true);
  try {
    await sink.flush(cfg.flushTimeoutMs);
    for (const r of recorders) await r.close();
    log.info('stopped', { ...ingest.stats, delivered: sink.delivered });
  } finally {
    await sink.close();
    await server?.close();
  }
  if (fatal) throw fatal;
}
