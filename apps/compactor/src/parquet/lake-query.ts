import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader } from '@duckdb/node-api';
import { CoverageReader, scanLake, type LakeSnapshot } from './catalog.js';
import { connectUtc, openDuckDB } from './duckdb.js';
import { createCandleViews } from './views.js';

/** DuckDB over the lake with the candle views in place: what `compactor query` runs SQL against. */
export class LakeQuery {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly snapshot: LakeSnapshot,
    readonly views: string[],
  ) {}

  static async open(lakeDir: string, opts: { threads?: number } = {}): Promise<LakeQuery> {
    const instance = await openDuckDB({ threads: opts.threads });
    const conn = await connectUtc(instance);
    const snapshot = await scanLake(lakeDir, new CoverageReader(conn));
    const views = await createCandleViews(conn, snapshot);
    return new LakeQuery(instance, conn, snapshot, views);
  }

  /** Runs one or more statements; the result is the last one's. */
  run(sql: string): Promise<DuckDBResultReader> {
    return this.connection.runAndReadAll(sql);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
