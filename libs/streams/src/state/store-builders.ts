import type { Serde } from '../serde.js';

/** Options every store shares. */
export interface StoreOptions {
  /**
   * true (default): updates forwarded downstream by a DSL aggregation are throttled to one per changed
   * key per commit (the latest revision). false: every update is forwarded at once. SQLite and
   * changelog writes are write-behind either way (each changed key once per commit).
   */
  cache?: boolean;
  /** false disables the changelog topic (state is then lost with the local file). Default true. */
  changelog?: boolean;
}

export interface KeyValueStoreSpec<V> {
  readonly kind: 'key-value';
  readonly name: string;
  readonly serde: Serde<V>;
  readonly cache: boolean;
  readonly changelog: boolean;
}

export interface WindowStoreSpec<V> {
  readonly kind: 'window';
  readonly name: string;
  readonly serde: Serde<V>;
  readonly windowSizeMs: number;
  readonly cache: boolean;
  readonly changelog: boolean;
}

export type StoreSpec = KeyValueStoreSpec<unknown> | WindowStoreSpec<unknown>;

const STORE_NAME = /^[A-Za-z0-9._-]{1,100}$/;

function checkName(name: string): string {
  // Store names become file names and part of topic names.
  if (!STORE_NAME.test(name)) throw new TypeError(`store name ${JSON.stringify(name)} must match ${STORE_NAME}`);
  return name;
}

/** Store specs, for `Topology.addStateStore` and `KStream.process(..., { stores })`. */
export const Stores = {
  keyValue<V>(name: string, serde: Serde<V>, opts: StoreOptions = {}): KeyValueStoreSpec<V> {
    return { kind: 'key-value', name: checkName(name), serde, cache: opts.cache ?? true, changelog: opts.changelog ?? true };
  },
  window<V>(name: string, serde: Serde<V>, windowSizeMs: number, opts: StoreOptions = {}): WindowStoreSpec<V> {
    if (!(windowSizeMs > 0)) throw new TypeError(`window store ${name}: window size must be > 0`);
    return { kind: 'window', name: checkName(name), serde, windowSizeMs, cache: opts.cache ?? true, changelog: opts.changelog ?? true };
  },
};
