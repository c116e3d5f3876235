import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { quotedString, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from '@candlestream/metrics';
import { noCrash, type CrashHook } from '../testing/crash-points.js';
import { CoverageReader, datasetRoot } from './catalog.js';
import { LakeStateError } from './errors.js';
import { connectUtc, openDuckDB } from './duckdb.js';
import {
  ensureDir,
  existsSync,
  fileSize,
  fsyncPath,
  fsyncPathAsync,
  listDir,
  moveInto,
  removeFile,
  removeTree,
  writeFileDurable,
} from './fs-util.js';
import { batchFileName, JOURNAL_DIR, journalFileName, partitionDir, STAGING_DIR, tpKey, utcDate, type OffsetRange } from './layout.js';
import { BatchDictionaries, StagingBatch, stagingTableDdl, type BatchPart } from './staging-batch.js';

export interface LakeWriterOptions {
  lakeDir: string;
  /** Names this process's staging area; only it is cleaned on start (other instances may be writing). */
  instanceId: string;
  compression?: 'zstd' | 'snappy' | 'uncompressed';
  /**
   * zstd level of batch files (default 1: batch files are short-lived, `merge` rewrites them at
   * DuckDB's default level, and level 1 writes markedly faster at nearly the same size).
   */
  compressionLevel?: number;
  rowGroupSize?: number;
  /** fsync files and directories around each rename (durability against power loss). */
  fsync?: boolean;
  /**
   * Staged files of a batch written at once, each by its own connection, and DuckDB threads per write.
   * A batch's files are small (one row group each), so parallel single-threaded writes use the cores
   * better than one multi-threaded write after another: measured on 2 cores, 2 x 1 thread wrote ~20%
   * more rows/s than 1 x 2 threads. Default: one write per core (at most 4), 1 thread each.
   */
  writeParallelism?: number;
  threads?: number;
  crash?: CrashHook;
  log?: Logger;
}

export interface WrittenFile {
  path: string;
  interval: string;
  date: string;
  bytes: number;
}

export interface PersistResult {
  ranges: OffsetRange[];
  rows: number;
  /** Rows per partition (`topic~partition`). */
  rowsByPartition: Map<string, number>;
  bytes: number;
  files: WrittenFile[];
  seconds: number;
}

interface Journal {
  version: 1;
  range: OffsetRange;
  /** Paths relative to the dataset root. */
  parts: { staged: string; final: string }[];
}

interface StagedFile {
  path: string;
  part: BatchPart;
  date: string;
  bytes: number;
}

const MS_PER_DAY = 86_400_000;

interface Slot {
  table: string;
  conn: DuckDBConnection;
  busy: boolean;
}

/** Two staging tables: one fills while the other is being written out. */
const SLOTS = 2;


/**
 * Writes batches of candles into the lake, exactly once per Kafka offset. The protocol, per flush:
 *
 *   1. stage: DuckDB writes the batch as Parquet under `_staging/<instance>/<flush>/`, one file per
 *      (partition, interval, day), and the files are synced;
 *   2. journal: per Kafka partition, `_journal/<topic>~<p>~<first>~<last>.json` lists the renames
 *      staged -> final (written to a temp name, synced, renamed): from here on the batch WILL land;
 *   3. rename every staged file to `interval=<i>/date=<d>/<topic>~<p>~<first>~<last>.parquet`;
 *   4. delete the journals and the staging directory;
 *   5. (caller) commit the consumed offsets to Kafka.
 *
 * A crash before 2 leaves only staging files, deleted on restart: the batch is consumed again. A
 * crash after 2 is rolled forward on restart (`recover`), so a batch is in the lake entirely or not
 * at all, and batches of a partition complete in offset order. That makes "the offset after the
 * highest one in the lake" a correct resume point even when a crash after 3 but before 5 left the
 * committed offset behind, or when the re-consumed batch would be cut at different offsets (see
 * CompactionJob). File names are deterministic, so a rewrite of the same range replaces the file.
 */
export class LakeWriter {
  readonly root: string;
  private readonly dict = new BatchDictionaries();
  private readonly slots: Slot[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private readonly copyConns: DuckDBConnection[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private flushSeq = 0;
  private readonly crash: CrashHook;
  private readonly fsync: boolean;
  private readonly instanceDir: string;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly opts: LakeWriterOptions,
    /** Reads merged files' coverage (its own connection: the staging ones are busy writing). */
    readonly coverage: CoverageReader,
    private readonly metaConn: DuckDBConnection,
  ) {
    this.root = datasetRoot(opts.lakeDir);
    this.crash = opts.crash ?? noCrash;
    this.fsync = opts.fsync ?? true;
    this.instanceDir = join(STAGING_DIR, opts.instanceId.replace(/[^a-zA-Z0-9._-]/g, '_'));
  }

  static async open(opts: LakeWriterOptions): Promise<LakeWriter> {
    const instance = await openDuckDB({ threads: opts.threads ?? 1 });
    const metaConn = await connectUtc(instance);
    const w = new LakeWriter(instance, opts, new CoverageReader(metaConn), metaConn);
    for (let i = 0; i < SLOTS; i++) {
      const conn = await connectUtc(instance);
      const table = `staging_${i}`;
      await conn.run(stagingTableDdl(table));
      w.slots.push({ table, conn, busy: false });
    }
    const parallelism = opts.writeParallelism ?? Math.min(4, availableParallelism());
    for (let i = 0; i < parallelism; i++) w.copyConns.push(await connectUtc(instance));
    ensureDir(join(w.root, JOURNAL_DIR));
    return w;
  }

  /**
   * Finishes what a crashed process left: rolls every journal forward (whoever wrote it), then drops
   * this instance's staging area. Call before reading resume offsets from the lake.
   */
  recover(): { rolledForward: number; parts: number } {
    let rolledForward = 0;
    let parts = 0;
    for (const name of listDir(join(this.root, JOURNAL_DIR))) {
      if (!name.endsWith('.json')) continue;
      parts += this.rollForward(join(this.root, JOURNAL_DIR, name));
      rolledForward++;
    }
    removeTree(join(this.root, this.instanceDir));
    if (rolledForward > 0) this.opts.log?.info('rolled forward interrupted lake writes', { journals: rolledForward, parts });
    return { rolledForward, parts };
  }

  /** A new batch to fill; waits while both staging tables are in use. */
  async newBatch(): Promise<StagingBatch> {
    let slot = this.slots.find((s) => !s.busy);
    while (!slot) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
      slot = this.slots.find((s) => !s.busy);
    }
    slot.busy = true;
    const appender = await slot.conn.createAppender(slot.table);
    return new StagingBatch(slot.table, slot.conn, appender, this.dict);
  }

  /**
   * Writes the batch into the lake (steps 1-4 above). Persists run one at a time in call order, so
   * the batches of a partition land in offset order; a batch may be filled while another persists.
   */
  persist(batch: StagingBatch): Promise<PersistResult> {
    const run = this.chain.then(() => this.persistNow(batch));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.chain;
    for (const s of this.slots) s.conn.closeSync();
    for (const c of this.copyConns) c.closeSync();
    this.metaConn.closeSync();
    this.instance.closeSync();
  }

  private async persistNow(batch: StagingBatch): Promise<PersistResult> {
    const started = performance.now();
    batch.seal();
    const ranges = batch.ranges();
    try {
      const rowsByPartition = new Map(ranges.map((r) => [tpKey(r.topic, r.partition), batch.rowsOf(r.topic, r.partition)]));
      if (batch.rows === 0) return { ranges, rows: 0, rowsByPartition, bytes: 0, files: [], seconds: (performance.now() - started) / 1000 };
      const flushAbs = join(this.root, this.instanceDir, `${Date.now().toString(36)}-${++this.flushSeq}`);
      const staged = await this.stage(batch, flushAbs);
      await this.crash('after-stage');

      // Step 2: one journal per Kafka partition that has rows in this batch.
      const journals: { path: string; journal: Journal }[] = [];
      for (const range of ranges) {
        const parts = staged
          .filter((s) => s.part.topic === range.topic && s.part.partition === range.partition)
          .map((s) => ({ staged: relative(this.root, s.path), final: join(partitionDir(s.part.interval, s.date), batchFileName(range)) }));
        if (parts.length === 0) continue;
        const journal: Journal = { version: 1, range, parts };
        const tmp = join(flushAbs, journalFileName(range));
        if (this.fsync) writeFileDurable(tmp, JSON.stringify(journal));
        else writeFileSync(tmp, JSON.stringify(journal));
        const path = join(this.root, JOURNAL_DIR, journalFileName(range));
        renameSync(tmp, path);
        journals.push({ path, journal });
      }
      if (this.fsync) fsyncPath(join(this.root, JOURNAL_DIR));
      await this.crash('after-journal');

      // Step 3.
      const files: WrittenFile[] = [];
      const dirs = new Set<string>();
      let first = true;
      for (const { journal } of journals) {
        for (const part of journal.parts) {
          const to = join(this.root, part.final);
          moveInto(join(this.root, part.staged), to);
          dirs.add(dirname(to));
          const s = staged.find((x) => x.path === join(this.root, part.staged))!;
          files.push({ path: to, interval: s.part.interval, date: s.date, bytes: s.bytes });
          if (first) {
            first = false;
            await this.crash('mid-rename');
          }
        }
      }
      if (this.fsync) for (const d of dirs) fsyncPath(d);
      await this.crash('after-rename');

      // Step 4.
      for (const { path } of journals) removeFile(path);
      removeTree(flushAbs);
      const bytes = files.reduce((a, f) => a + f.bytes, 0);
      return { ranges, rows: batch.rows, rowsByPartition, bytes, files, seconds: (performance.now() - started) / 1000 };
    } finally {
      await this.release(batch);
    }
  }

  /**
   * Step 1: one COPY per output file, i.e. per (Kafka partition, interval, UTC day) of the batch, each
   * selecting its rows by the staging table's `part` key. Each write names its own output file instead
   * of leaving names and file counts to DuckDB's partitioned writer, and the writes run in parallel.
   */
  private async stage(batch: StagingBatch, dir: string): Promise<StagedFile[]> {
    ensureDir(dir);
    const d = this.dict;
    const list = (values: readonly string[]): string => `[${values.map(quotedString).join(', ')}]`;
    const compression = this.opts.compression ?? 'zstd';
    const level = compression === 'zstd' ? `, COMPRESSION_LEVEL ${this.opts.compressionLevel ?? 1}` : '';
    const syncs: Promise<void>[] = [];
    const writeOne = async (conn: DuckDBConnection, k: number, part: BatchPart): Promise<StagedFile> => {
      const path = join(dir, `part-${k}.parquet`);
      await conn.run(`COPY (
        SELECT
          (${list(d.exchanges.values)})[exchange_id + 1] AS exchange,
          (${list(d.symbols.values)})[symbol_id + 1] AS symbol,
          (${list(d.pairs.values)})[pair_id + 1] AS pair,
          open_time, close_time, open, high, low, close, volume, quote_volume,
          CAST(trade_count AS BIGINT) AS trade_count,
          taker_buy_volume, taker_buy_quote_volume, vwap, price_change, price_change_percent,
          CAST(first_trade_id AS BIGINT) AS first_trade_id,
          CAST(last_trade_id AS BIGINT) AS last_trade_id,
          ${quotedString(part.topic)} AS kafka_topic,
          CAST(${part.partition} AS INTEGER) AS kafka_partition,
          CAST(kafka_offset AS BIGINT) AS kafka_offset
        FROM ${batch.table} WHERE part = ${k}
      ) TO ${quotedString(path)} (FORMAT parquet, COMPRESSION ${compression}${level}, ROW_GROUP_SIZE ${this.opts.rowGroupSize ?? 122_880})`);
      // Synced in the background: the connection goes on to its next file meanwhile.
      if (this.fsync) {
        const synced = fsyncPathAsync(path);
        synced.catch(() => undefined); // awaited below; not "unhandled" if a COPY fails first
        syncs.push(synced);
      }
      return { path, part, date: utcDate(part.day * MS_PER_DAY), bytes: fileSize(path) };
    };
    // Several files at once, one per writer connection (see writeParallelism).
    const out: StagedFile[] = new Array<StagedFile>(batch.parts.length);
    let next = 0;
    await Promise.all(
      this.copyConns.map(async (conn) => {
        for (let k = next++; k < batch.parts.length; k = next++) out[k] = await writeOne(conn, k, batch.parts[k]!);
      }),
    );
    // Every staged file is on disk before `stage` returns (and so before any journal names it).
    await Promise.all(syncs);
    return out;
  }

  /** Applies one journal's renames (idempotent) and deletes it. Returns how many parts moved. */
  private rollForward(journalPath: string): number {
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    if (journal.version !== 1) throw new LakeStateError(`journal ${journalPath} has unknown version ${String(journal.version)}`);
    let moved = 0;
    const dirs = new Set<string>();
    for (const part of journal.parts) {
      const from = join(this.root, part.staged);
      const to = join(this.root, part.final);
      // A staged file is only ever removed by its rename, so "staged gone" means "already renamed"
      // (the final file may since have been merged away, which is why its absence is fine too).
      if (existsSync(from)) {
        moveInto(from, to);
        dirs.add(dirname(to));
        moved++;
      }
    }
    if (this.fsync) for (const d of dirs) fsyncPath(d);
    removeFile(journalPath);
    return moved;
  }

  private async release(batch: StagingBatch): Promise<void> {
    const slot = this.slots.find((s) => s.table === batch.table)!;
    await slot.conn.run(`TRUNCATE ${slot.table}`);
    slot.busy = false;
    this.slotWaiters.shift()?.();
  }
}
