import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Naming conventions shared by every app: `candlestream_` prefix, units in the name, `_total` on
 * counters, histograms in seconds, and an `app` label on every series so one Prometheus query can
 * compare the producer, processor and compactor.
 */
export const PREFIX = 'candlestream_';

/** Latency buckets in seconds, from 1 ms to 30 s: commits and end-to-end latency both fit. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createRegistry(app: string, opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return registry;
}

type Labels<L extends string> = readonly L[];

export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: Labels<L> = []): Counter<L> {
  if (!name.endsWith('_total')) throw new Error(`counter ${name} must end with _total`);
  return new Counter({ name: PREFIX + name, help, labelNames, registers: [registry] });
}

/** `collect`, when given, runs before each scrape (values computed on demand, e.g. lag from the broker). */
export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: Labels<L> = [],
  collect?: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  return new Gauge({ name: PREFIX + name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: Labels<L> = [],
  buckets: number[] = LATENCY_BUCKETS,
): Histogram<L> {
  if (!name.endsWith('_seconds')) throw new Error(`histogram ${name} must be in seconds (name ends with _seconds)`);
  return new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers: [registry] });
}

/** The existing metric of that name in `registry` or a new one: for libraries sharing an app's registry. */
export function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(PREFIX + name) as T | undefined) ?? create();
}
