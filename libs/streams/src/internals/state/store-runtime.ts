import type { StoreSpec } from '../../state/store-builders.js';
import type { StateStore } from '../../state/stores.js';
import type { Checkpoint, StoreFile } from './store-file.js';

/** Receives a store's changelog records (a Kafka producer in the transaction, or the test driver). */
export type ChangelogWriter = (key: Buffer, value: Buffer | null, timestamp: number) => void;

/** Base of what is known about a key in SQLite: not read yet, present, or absent. */
export const enum Base {
  Unknown = 0,
  Present = 1,
  Absent = 2,
}

/**
 * What the task and the commit sequence need from a store, beyond the public interface. All
 * methods are synchronous: SQLite (better-sqlite3) is synchronous and changelog writes only enqueue.
 */
export interface StoreRuntime extends StateStore {
  readonly spec: StoreSpec;
  readonly file: StoreFile;
  /** Changed keys waiting for the next flush. */
  dirtyCount(): number;
  /**
   * Commit step 1: writes every dirty key once to SQLite (transaction left open) and to the
   * changelog, and forwards throttled updates to the flush listener.
   */
  flush(): void;
  /** Commit step 5: checkpoint in the same SQLite transaction, then COMMIT. */
  commitLocal(cp: Checkpoint): void;
  /** Forgets everything since the last commit: cache and open SQLite transaction. */
  rollback(): void;
  /** Restore: deletes all local rows (full restore). */
  wipe(): void;
  /** Restore: applies one changelog record to SQLite (the caller holds the transaction). */
  applyChangelog(key: Buffer, value: Buffer | null): void;
  close(): void;
}
