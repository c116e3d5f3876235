import { aborted } from '@candlestream/metrics';
import { describeWs, type RecordConfig } from '../config.js';
import { ProducerMetrics } from '../metrics.js';
import { JsonlRecorder } from '../record/jsonl-recorder.js';
import { humanMs } from '../cli/options.js';
import { log, printBanner, startMetrics } from '../runtime.js';
import { configuredFeed, FeedConnection } from '../ws/feed-connection.js';

/**
 * `producer record`: the exchanges' raw WebSocket frames into rotating JSONL files (one file series
 * per exchange), with the same connection handling as `live` (reconnects, rollover overlap: frames
 * of both connections are kept, replay drops the duplicates). No broker needed.
 */
export async function recordCommand(cfg: RecordConfig, signal: AbortSignal): Promise<void> {
  printBanner('producer record', [
    ...describeWs(cfg.ws),
    `  record      ${cfg.record.dir} (new file every ${cfg.record.maxBytes} bytes or ${humanMs(cfg.record.maxAgeMs)})`,
  ]);
  const metrics = new ProducerMetrics();
  const recorders = cfg.ws.feeds.map(
    (feed) => new JsonlRecorder({ dir: cfg.record.dir, prefix: feed.exchange.toLowerCase(), maxBytes: cfg.record.maxBytes, maxAgeMs: cfg.record.maxAgeMs, log }),
  );
  const connections = cfg.ws.feeds.map((feed, i) => {
    const recorder = recorders[i] as JsonlRecorder;
    return new FeedConnection({
      ...configuredFeed(feed, cfg.ws),
      log,
      metrics,
      onMessage: (raw) => recorder.write(raw),
    });
  });
  const server = await startMetrics(cfg.metricsPort, metrics, () => {
    const feeds = connections.map((c) => c.status());
    return { ok: feeds.every((f) => f.connected) && recorders.every((r) => !r.error), detail: { feeds } };
  });
  for (const c of connections) c.start();
  await Promise.race([
    aborted(signal),
    new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (recorders.some((r) => r.error)) {
          clearInterval(t);
          resolve();
        }
      }, 500);
      t.unref();
    }),
  ]);
  await Promise.all(connections.map((c) => c.stop()));
  try {
    for (const r of recorders) await r.close();
  } finally {
    await server?.close();
  }
  for (const r of recorders) {
    console.log(`recorded ${r.frames} frames to ${r.files.length} file(s)${r.rewritten ? ` (${r.rewritten} had line breaks, written as spaces)` : ''}`);
    for (const f of r.files) console.log(`  ${f}`);
  }
}
