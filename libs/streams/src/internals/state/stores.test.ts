import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Serdes } from '../../serde.js';
import { Stores } from '../../state/store-builders.js';
import { SqliteKeyValueStore } from './key-value-store.js';
import { decodeWindowKey, encodeWindowKey, SqliteWindowStore } from './window-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streams-stores-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Log = { key: Buffer; value: Buffer | null }[];
const cp = (changelogOffset: number) => ({ changelogOffset, sourceOffsets: { in: 7 }, streamTime: 42, updatedAt: 1 });

describe('SqliteKeyValueStore', () => {
  it('writes behind: nothing reaches SQLite or the changelog before flush, each changed key once after', () => {
    const log: Log = [];
    const path = join(dir, 'kv.sqlite');
    const store = new SqliteKeyValueStore(Stores.keyValue('kv', Serdes.json<number>()), path, (key, value) => log.push({ key, value }), 1000);
    store.put('a', 1);
    store.put('a', 2);
    store.put('b', 3);
    store.delete('b');
    store.put('c', 4);
    expect(store.get('a')).toBe(2);
    expect(log).toEqual([]);
    store.flush();
    expect(log.map((r) => [r.key.toString(), r.value?.toString() ?? null])).toEqual([
      ['a', '2'],
      ['b', null], // put blindly (no read), so SQLite might have had it: the delete is written
      ['c', '4'],
    ]);
    store.commitLocal(cp(3));
    store.get('d'); // read: known absent
    store.put('d', 1);
    store.delete('d');
    store.flush();
    expect(log).toHaveLength(3); // created and deleted within one interval: never written
    store.delete('a');
    store.flush();
    expect(log.at(-1)).toEqual({ key: Buffer.from('a'), value: null });
    store.rollback(); // the delete of a is forgotten
    expect(store.get('a')).toBe(2);
    store.close();
    const reopened = new SqliteKeyValueStore(Stores.keyValue('kv', Serdes.json<number>()), path, undefined, 1000);
    expect(reopened.file.existed).toBe(true);
    expect(reopened.all()).toEqual([
      { key: 'a', value: 2 },
      { key: 'c', value: 4 },
    ]);
    expect(reopened.file.readCheckpoint()).toEqual(cp(3));
    reopened.close();
  });

  it('an uncommitted flush is lost with the process: the file stays at the last checkpoint', () => {
    const path = join(dir, 'kv.sqlite');
    const store = new SqliteKeyValueStore(Stores.keyValue('kv', Serdes.json<number>()), path, undefined, 1000);
    store.put('a', 1);
    store.flush();
    store.commitLocal(cp(1));
    store.put('a', 99);
    store.flush(); // SQLite transaction open, as between commit steps 1 and 5
    const other = new SqliteKeyValueStore(Stores.keyValue('kv', Serdes.json<number>()), path, undefined, 1000);
    expect(other.get('a')).toBe(1);
    other.close();
    store.close(); // closing without commit rolls back
    const again = new SqliteKeyValueStore(Stores.keyValue('kv', Serdes.json<number>()), path, undefined, 1000);
    expect(again.get('a')).toBe(1);
    again.close();
  });

  it('restores from changelog records and evicts clean entries past its bound', () => {
    const store = new SqliteKeyValueStore(Stores.keyValue('kv', Serdes.json<number>()), join(dir, 'kv.sqlite'), undefined, 10);
    store.file.begin();
    for (let i = 0; i < 100; i++) store.applyChangelog(Buffer.from(`k${i}`), Buffer.from(String(i)));
    store.applyChangelog(Buffer.from('k5'), null);
    store.commitLocal(cp(101));
    for (let i = 0; i < 100; i++) store.get(`k${i}`);
    store.put('new', 1);
    store.flush();
    expect(store.get('k5')).toBeUndefined();
    expect(store.get('k99')).toBe(99);
    expect(store.approximateNumEntries()).toBe(100);
    store.close();
  });
});

describe('SqliteWindowStore', () => {
  it('encodes changelog keys as start + key', () => {
    expect(decodeWindowKey(encodeWindowKey('BTC:ÜSD', 1_700_000_000_000))).toEqual({ key: 'BTC:ÜSD', start: 1_700_000_000_000 });
  });

  it('ranges merge the cache and SQLite, ordered by (start, key)', () => {
    const store = new SqliteWindowStore(Stores.window('w', Serdes.json<number>(), 60_000), join(dir, 'w.sqlite'), undefined, 1000);
    store.put('b', 0, 1);
    store.put('a', 60_000, 2);
    store.flush();
    store.commitLocal(cp(2));
    store.put('a', 0, 3);
    store.delete('a', 60_000);
    expect(store.fetchRange(0, 60_000)).toEqual([
      { key: 'a', start: 0, value: 3 },
      { key: 'b', start: 0, value: 1 },
    ]);
    expect(store.fetchKey('a', -Infinity, Infinity)).toEqual([{ key: 'a', start: 0, value: 3 }]);
    store.close();
  });
});
