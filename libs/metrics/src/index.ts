export { createLogger, type Level, type Logger } from './logger.js';
export { counter, createRegistry, gauge, getOrCreate, histogram, LATENCY_BUCKETS, PREFIX } from './registry.js';
export { aborted, runMain } from './main.js';
export { startMetricsServer, type Health, type HttpRoute, type MetricsServer } from './server.js';
