import { createLogger, startMetricsServer, type Health, type Logger, type MetricsServer } from '@candlestream/metrics';
import type { ProducerMetrics } from './metrics.js';

export const log: Logger = createLogger('producer');

/** The start-up banner on stderr (stdout is kept for results): what will run, with what. */
export function printBanner(title: string, lines: readonly string[]): void {
  process.stderr.write(`${title}\n${lines.join('\n')}\n`);
}

/** /metrics and /healthz, unless disabled; logs the port actually bound (0 picks a free one). */
export async function startMetrics(port: number | null, metrics: ProducerMetrics, health: () => Health): Promise<MetricsServer | undefined> {
  if (port === null) return undefined;
  const server = await startMetricsServer({ port, registry: metrics.registry, health });
  log.info('metrics server listening', { port: server.port, metrics: `/metrics`, health: '/healthz' });
  return server;
}
