import type Database from 'better-sqlite3';
import type { KeyValueStoreSpec } from '../../state/store-builders.js';
import type { KeyValueEntry, KeyValueStore } from '../../state/stores.js';
import type { Checkpoint } from './store-file.js';
import { StoreFile } from './store-file.js';
import { Base, type ChangelogWriter, type StoreRuntime } from './store-runtime.js';

interface Entry<V> {
  key: string;
  /** undefined: deleted or absent. */
  value: V | undefined;
  base: Base;
  dirty: boolean;
  /** A throttled update is waiting to be forwarded at the next flush. */
  emit: boolean;
  timestamp: number;
}

export type KeyValueFlushListener<V> = (key: string, value: V | undefined, timestamp: number) => void;

const SCHEMA = 'CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID';

/**
 * Key-value store: SQLite table `kv` behind a write-behind cache. Reads go cache -> SQLite (and are
 * cached, negative results included); writes stay in the cache until the commit's flush writes each
 * changed key once.
 */
export class SqliteKeyValueStore<V> implements KeyValueStore<V>, StoreRuntime {
  readonly name: string;
  readonly file: StoreFile;
  private readonly cache = new Map<string, Entry<V>>();
  private readonly dirty: Entry<V>[] = [];
  private listener: KeyValueFlushListener<V> | undefined;
  private readonly stmtGet: Database.Statement;
  private readonly stmtPut: Database.Statement;
  private readonly stmtDelete: Database.Statement;
  private readonly stmtAll: Database.Statement;
  private readonly stmtRange: Database.Statement;
  private readonly stmtCount: Database.Statement;

  constructor(
    readonly spec: KeyValueStoreSpec<V>,
    path: string,
    private readonly changelog: ChangelogWriter | undefined,
    private readonly maxCacheEntries: number,
  ) {
    this.name = spec.name;
    this.file = new StoreFile(path, SCHEMA);
    const db = this.file.db;
    this.stmtGet = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
    this.stmtPut = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
    this.stmtDelete = db.prepare('DELETE FROM kv WHERE k = ?');
    this.stmtAll = db.prepare('SELECT k, v FROM kv').raw();
    this.stmtRange = db.prepare('SELECT k, v FROM kv WHERE k >= ? AND k <= ?').raw();
    this.stmtCount = db.prepare('SELECT count(*) FROM kv').pluck();
  }

  /** Throttled updates (cache on) are handed to `listener` at flush, once per changed key. */
  setFlushListener(listener: KeyValueFlushListener<V>): void {
    this.listener = listener;
  }

  get(key: string): V | undefined {
    return this.entry(key).value;
  }

  put(key: string, value: V, timestamp = 0): void {
    const e = this.cache.get(key) ?? this.newEntry(key, Base.Unknown);
    e.value = value;
    e.timestamp = timestamp;
    if (this.listener && this.spec.cache) e.emit = true;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.push(e);
    }
  }

  delete(key: string): void {
    const e = this.entry(key);
    e.value = undefined;
    e.emit = this.listener !== undefined && this.spec.cache;
    if (!e.dirty && e.base !== Base.Absent) {
      e.dirty = true;
      this.dirty.push(e);
    }
  }

  all(): KeyValueEntry<V>[] {
    return this.merge(this.stmtAll.all() as [string, Buffer][], () => true);
  }

  range(from: string, to: string): KeyValueEntry<V>[] {
    return this.merge(this.stmtRange.all(from, to) as [string, Buffer][], (k) => k >= from && k <= to);
  }

  approximateNumEntries(): number {
    return this.all().length;
  }

  dirtyCount(): number {
    return this.dirty.length;
  }

  flush(): void {
    if (this.dirty.length === 0) return;
    this.file.begin();
    const { serde } = this.spec;
    for (const e of this.dirty) {
      e.dirty = false;
      if (e.value === undefined) {
        if (e.base !== Base.Absent) {
          this.stmtDelete.run(e.key);
          this.changelog?.(Buffer.from(e.key, 'utf8'), null, e.timestamp);
          e.base = Base.Absent;
        }
      } else {
        const bytes = serde.serialize(e.value);
        this.stmtPut.run(e.key, bytes);
        this.changelog?.(Buffer.from(e.key, 'utf8'), bytes, e.timestamp);
        e.base = Base.Present;
      }
      if (e.emit) {
        e.emit = false;
        this.listener?.(e.key, e.value, e.timestamp);
      }
    }
    this.dirty.length = 0;
    this.evict();
  }

  commitLocal(cp: Checkpoint): void {
    this.file.writeCheckpoint(cp);
    this.file.commit();
  }

  rollback(): void {
    this.file.rollback();
    this.cache.clear();
    this.dirty.length = 0;
  }

  wipe(): void {
    this.file.begin();
    this.file.db.exec('DELETE FROM kv');
    this.cache.clear();
  }

  applyChangelog(key: Buffer, value: Buffer | null): void {
    if (value === null) this.stmtDelete.run(key.toString('utf8'));
    else this.stmtPut.run(key.toString('utf8'), value);
  }

  close(): void {
    this.cache.clear();
    this.file.close();
  }

  private entry(key: string): Entry<V> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const bytes = this.stmtGet.get(key) as Buffer | undefined;
    const e = this.newEntry(key, bytes === undefined ? Base.Absent : Base.Present);
    if (bytes !== undefined) e.value = this.spec.serde.deserialize(bytes);
    return e;
  }

  private newEntry(key: string, base: Base): Entry<V> {
    const e: Entry<V> = { key, value: undefined, base, dirty: false, emit: false, timestamp: 0 };
    this.cache.set(key, e);
    return e;
  }

  /** Drops clean entries, oldest first, when the cache is over its bound (dirty ones wait for the flush). */
  private evict(): void {
    if (this.cache.size <= this.maxCacheEntries) return;
    const target = Math.floor(this.maxCacheEntries * 0.9);
    for (const [k, e] of this.cache) {
      if (this.cache.size <= target) break;
      if (!e.dirty) this.cache.delete(k);
    }
  }

  private merge(rows: [string, Buffer][], inRange: (k: string) => boolean): KeyValueEntry<V>[] {
    const out = new Map<string, V>();
    for (const [k, v] of rows) out.set(k, this.spec.serde.deserialize(v));
    for (const e of this.dirty) {
      if (!inRange(e.key)) continue;
      if (e.value === undefined) out.delete(e.key);
      else out.set(e.key, e.value);
    }
    return [...out].map(([key, value]) => ({ key, value })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
