import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a store's local state stands relative to its changelog and the task's sources. */
export interface Checkpoint {
  /** Next changelog offset to replay: everything before it is in this file. */
  changelogOffset: number;
  /** Next source offset per topic at the time of the checkpoint (informational). */
  sourceOffsets: Record<string, number>;
  streamTime: number | null;
  /** Wall-clock time of the write: a checkpoint older than the changelog's tombstone retention is not trusted. */
  updatedAt: number;
}

/**
 * One SQLite file: the store's table and its checkpoint row live together so that state and
 * checkpoint commit atomically. WAL mode with synchronous=NORMAL survives a killed process (a power
 * loss may lose the last commits, which the changelog replays). The write transaction is opened
 * lazily by the first write after a commit and stays open until `commit` (commit step 5), so a crash
 * anywhere before that leaves the file exactly at the previous checkpoint.
 */
export class StoreFile {
  readonly db: Database.Database;
  /** False when the file was created now: the store must restore its whole changelog. */
  readonly existed: boolean;
  private inTransaction = false;
  private readonly stmtBegin: Database.Statement;
  private readonly stmtCommit: Database.Statement;
  private readonly stmtRollback: Database.Statement;
  private readonly stmtReadCheckpoint: Database.Statement;
  private readonly stmtWriteCheckpoint: Database.Statement;

  constructor(path: string, schema: string) {
    const memory = path === ':memory:';
    this.existed = !memory && existsSync(path);
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -32000');
    this.db.exec(schema);
    this.db.exec(`CREATE TABLE IF NOT EXISTS checkpoint (
      id INTEGER PRIMARY KEY CHECK (id = 0),
      changelog_offset INTEGER NOT NULL,
      source_offsets TEXT NOT NULL,
      stream_time INTEGER,
      updated_at INTEGER NOT NULL)`);
    this.stmtBegin = this.db.prepare('BEGIN');
    this.stmtCommit = this.db.prepare('COMMIT');
    this.stmtRollback = this.db.prepare('ROLLBACK');
    this.stmtReadCheckpoint = this.db.prepare(
      'SELECT changelog_offset AS changelogOffset, source_offsets AS sourceOffsets, stream_time AS streamTime, updated_at AS updatedAt FROM checkpoint WHERE id = 0',
    );
    this.stmtWriteCheckpoint = this.db.prepare(
      'INSERT OR REPLACE INTO checkpoint (id, changelog_offset, source_offsets, stream_time, updated_at) VALUES (0, ?, ?, ?, ?)',
    );
  }

  /** Opens the write transaction if none is open. */
  begin(): void {
    if (this.inTransaction) return;
    this.stmtBegin.run();
    this.inTransaction = true;
  }

  get dirty(): boolean {
    return this.inTransaction;
  }

  writeCheckpoint(cp: Checkpoint): void {
    this.begin();
    this.stmtWriteCheckpoint.run(
      cp.changelogOffset,
      JSON.stringify(cp.sourceOffsets),
      cp.streamTime === null || !Number.isFinite(cp.streamTime) ? null : cp.streamTime,
      cp.updatedAt,
    );
  }

  commit(): void {
    if (!this.inTransaction) return;
    this.stmtCommit.run();
    this.inTransaction = false;
  }

  rollback(): void {
    if (!this.inTransaction) return;
    this.stmtRollback.run();
    this.inTransaction = false;
  }

  readCheckpoint(): Checkpoint | undefined {
    const row = this.stmtReadCheckpoint.get() as
      | { changelogOffset: number; sourceOffsets: string; streamTime: number | null; updatedAt: number }
      | undefined;
    if (!row) return undefined;
    return { ...row, sourceOffsets: JSON.parse(row.sourceOffsets) as Record<string, number> };
  }

  sizeBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  }

  close(): void {
    this.rollback();
    this.db.close();
  }
}
