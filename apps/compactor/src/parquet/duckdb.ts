import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * An in-memory DuckDB for the compactor's own work. TimeZone is pinned to UTC so TIMESTAMPTZ values,
 * `date_trunc` and date partitions mean the same on every host, whatever its local zone.
 */
export async function openDuckDB(opts: { threads?: number; memoryLimit?: string } = {}): Promise<DuckDBInstance> {
  const config: Record<string, string> = {};
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  return DuckDBInstance.create(':memory:', config);
}

export async function connectUtc(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return conn;
}
