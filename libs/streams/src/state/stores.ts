/**
 * State store interfaces. Implementations are SQLite files (one per store and task) with a
 * write-behind cache: reads see every write at once, SQLite and the changelog see each changed key
 * once per commit. Keys are strings; values go through the store's serde.
 */
export interface StateStore {
  readonly name: string;
}

export interface KeyValueEntry<V> {
  key: string;
  value: V;
}

export interface KeyValueStore<V> extends StateStore {
  get(key: string): V | undefined;
  /** `timestamp` is the event time of the write; it becomes the timestamp of a cached update. */
  put(key: string, value: V, timestamp?: number): void;
  delete(key: string): void;
  /** Every entry, in key order. Materialises the result: meant for punctuators and tests, not per record. */
  all(): KeyValueEntry<V>[];
  /** Entries with `from <= key <= to`, in key order. */
  range(from: string, to: string): KeyValueEntry<V>[];
  /** Exact count (a SQL count plus the cache): not for hot paths. */
  approximateNumEntries(): number;
}

export interface WindowStoreEntry<V> {
  key: string;
  /** Window start, epoch milliseconds. */
  start: number;
  value: V;
}

export interface WindowStore<V> extends StateStore {
  readonly windowSizeMs: number;
  fetch(key: string, windowStart: number): V | undefined;
  put(key: string, windowStart: number, value: V, timestamp?: number): void;
  delete(key: string, windowStart: number): void;
  /** Windows of `key` with `fromStart <= start <= toStart`, by start. */
  fetchKey(key: string, fromStart: number, toStart: number): WindowStoreEntry<V>[];
  /** Windows of all keys with `fromStart <= start <= toStart`, ordered by (start, key). */
  fetchRange(fromStart: number, toStart: number): WindowStoreEntry<V>[];
  all(): WindowStoreEntry<V>[];
}
