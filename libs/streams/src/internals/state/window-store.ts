import type Database from 'better-sqlite3';
import type { WindowStoreSpec } from '../../state/store-builders.js';
import type { WindowStore, WindowStoreEntry } from '../../state/stores.js';
import type { Checkpoint } from './store-file.js';
import { StoreFile } from './store-file.js';
import { Base, type ChangelogWriter, type StoreRuntime } from './store-runtime.js';

interface Entry<V> {
  key: string;
  start: number;
  value: V | undefined;
  base: Base;
  dirty: boolean;
  emit: boolean;
  timestamp: number;
}

export type WindowFlushListener<V> = (key: string, start: number, value: V | undefined, timestamp: number) => void;

const SCHEMA = 'CREATE TABLE IF NOT EXISTS win (s INTEGER NOT NULL, k TEXT NOT NULL, v BLOB NOT NULL, PRIMARY KEY (s, k)) WITHOUT ROWID';

/** Changelog key of a window: 8-byte big-endian window start, then the UTF-8 key. */
export function encodeWindowKey(key: string, start: number): Buffer {
  const len = Buffer.byteLength(key, 'utf8');
  const buf = Buffer.allocUnsafe(8 + len);
  buf.writeBigInt64BE(BigInt(start), 0);
  buf.write(key, 8, 'utf8');
  return buf;
}

export function decodeWindowKey(buf: Buffer): { key: string; start: number } {
  return { start: Number(buf.readBigInt64BE(0)), key: buf.toString('utf8', 8) };
}

function byStartThenKey<V>(a: WindowStoreEntry<V>, b: WindowStoreEntry<V>): number {
  if (a.start !== b.start) return a.start - b.start;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Window store: SQLite table `win` keyed by (start, key), so that both a point lookup and "all
 * windows starting in a range" (closing windows) are index scans. Same write-behind cache as the
 * key-value store, bucketed by window start.
 */
export class SqliteWindowStore<V> implements WindowStore<V>, StoreRuntime {
  readonly name: string;
  readonly windowSizeMs: number;
  readonly file: StoreFile;
  private readonly cache = new Map<number, Map<string, Entry<V>>>();
  private cacheSize = 0;
  private readonly dirty: Entry<V>[] = [];
  private listener: WindowFlushListener<V> | undefined;
  private readonly stmtGet: Database.Statement;
  private readonly stmtPut: Database.Statement;
  private readonly stmtDelete: Database.Statement;
  private readonly stmtRange: Database.Statement;
  private readonly stmtKeyRange: Database.Statement;

  constructor(
    readonly spec: WindowStoreSpec<V>,
    path: string,
    private readonly changelog: ChangelogWriter | undefined,
    private readonly maxCacheEntries: number,
  ) {
    this.name = spec.name;
    this.windowSizeMs = spec.windowSizeMs;
    this.file = new StoreFile(path, SCHEMA);
    const db = this.file.db;
    this.stmtGet = db.prepare('SELECT v FROM win WHERE s = ? AND k = ?').pluck();
    this.stmtPut = db.prepare('INSERT OR REPLACE INTO win (s, k, v) VALUES (?, ?, ?)');
    this.stmtDelete = db.prepare('DELETE FROM win WHERE s = ? AND k = ?');
    this.stmtRange = db.prepare('SELECT s, k, v FROM win WHERE s >= ? AND s <= ?').raw();
    this.stmtKeyRange = db.prepare('SELECT s, k, v FROM win WHERE s >= ? AND s <= ? AND k = ?').raw();
  }

  setFlushListener(listener: WindowFlushListener<V>): void {
    this.listener = listener;
  }

  fetch(key: string, windowStart: number): V | undefined {
    return this.entry(key, windowStart).value;
  }

  put(key: string, windowStart: number, value: V, timestamp = 0): void {
    const e = this.bucket(windowStart).get(key) ?? this.newEntry(key, windowStart, Base.Unknown);
    e.value = value;
    e.timestamp = timestamp;
    if (this.listener && this.spec.cache) e.emit = true;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.push(e);
    }
  }

  delete(key: string, windowStart: number): void {
    const e = this.entry(key, windowStart);
    e.value = undefined;
    e.emit = false;
    if (!e.dirty && e.base !== Base.Absent) {
      e.dirty = true;
      this.dirty.push(e);
    }
  }

  /** Forwards the pending throttled update of one window now (before it is closed and deleted). */
  emitPending(key: string, windowStart: number): void {
    const e = this.cache.get(windowStart)?.get(key);
    if (e?.emit) {
      e.emit = false;
      this.listener?.(e.key, e.start, e.value, e.timestamp);
    }
  }

  fetchKey(key: string, fromStart: number, toStart: number): WindowStoreEntry<V>[] {
    return this.merge(this.stmtKeyRange.all(clampStart(fromStart), clampStart(toStart), key) as [number, string, Buffer][], fromStart, toStart, key);
  }

  fetchRange(fromStart: number, toStart: number): WindowStoreEntry<V>[] {
    return this.merge(this.stmtRange.all(clampStart(fromStart), clampStart(toStart)) as [number, string, Buffer][], fromStart, toStart);
  }

  all(): WindowStoreEntry<V>[] {
    return this.fetchRange(-Infinity, Infinity);
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
          this.stmtDelete.run(e.start, e.key);
          this.changelog?.(encodeWindowKey(e.key, e.start), null, e.timestamp);
          e.base = Base.Absent;
        }
      } else {
        const bytes = serde.serialize(e.value);
        this.stmtPut.run(e.start, e.key, bytes);
        this.changelog?.(encodeWindowKey(e.key, e.start), bytes, e.timestamp);
        e.base = Base.Present;
      }
      if (e.emit) {
        e.emit = false;
        this.listener?.(e.key, e.start, e.value, e.timestamp);
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
    this.cacheSize = 0;
    this.dirty.length = 0;
  }

  wipe(): void {
    this.file.begin();
    this.file.db.exec('DELETE FROM win');
    this.cache.clear();
    this.cacheSize = 0;
  }

  applyChangelog(key: Buffer, value: Buffer | null): void {
    const { key: k, start } = decodeWindowKey(key);
    if (value === null) this.stmtDelete.run(start, k);
    else this.stmtPut.run(start, k, value);
  }

  close(): void {
    this.cache.clear();
    this.file.close();
  }

  private bucket(start: number): Map<string, Entry<V>> {
    let b = this.cache.get(start);
    if (!b) {
      b = new Map();
      this.cache.set(start, b);
    }
    return b;
  }

  private entry(key: string, start: number): Entry<V> {
    const hit = this.cache.get(start)?.get(key);
    if (hit) return hit;
    const bytes = this.stmtGet.get(start, key) as Buffer | undefined;
    const e = this.newEntry(key, start, bytes === undefined ? Base.Absent : Base.Present);
    if (bytes !== undefined) e.value = this.spec.serde.deserialize(bytes);
    return e;
  }

  private newEntry(key: string, start: number, base: Base): Entry<V> {
    const e: Entry<V> = { key, start, value: undefined, base, dirty: false, emit: false, timestamp: 0 };
    this.bucket(start).set(key, e);
    this.cacheSize++;
    return e;
  }

  /** Drops clean entries when over the bound, oldest window starts first. */
  private evict(): void {
    if (this.cacheSize <= this.maxCacheEntries) return;
    const target = Math.floor(this.maxCacheEntries * 0.9);
    const starts = [...this.cache.keys()].sort((a, b) => a - b);
    for (const s of starts) {
      const b = this.cache.get(s);
      if (!b) continue;
      for (const [k, e] of b) {
        if (!e.dirty) {
          b.delete(k);
          this.cacheSize--;
        }
      }
      if (b.size === 0) this.cache.delete(s);
      if (this.cacheSize <= target) break;
    }
  }

  private merge(rows: [number, string, Buffer][], fromStart: number, toStart: number, onlyKey?: string): WindowStoreEntry<V>[] {
    const out = new Map<string, WindowStoreEntry<V>>();
    for (const [start, key, v] of rows) out.set(`${start}|${key}`, { key, start, value: this.spec.serde.deserialize(v) });
    for (const e of this.dirty) {
      if (e.start < fromStart || e.start > toStart || (onlyKey !== undefined && e.key !== onlyKey)) continue;
      const id = `${e.start}|${e.key}`;
      if (e.value === undefined) out.delete(id);
      else out.set(id, { key: e.key, start: e.start, value: e.value });
    }
    return [...out.values()].sort(byStartThenKey);
  }
}

/** SQLite integers are 64-bit; infinite bounds become the extremes. */
function clampStart(t: number): number {
  if (t === -Infinity) return Number.MIN_SAFE_INTEGER;
  if (t === Infinity) return Number.MAX_SAFE_INTEGER;
  return t;
}
