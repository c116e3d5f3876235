import { readFileSync } from 'node:fs';
import type { Message } from '@confluentinc/kafka-javascript/types/rdkafka.js';
import type { AvroSerde } from '@candlestream/kafka';
import type { Trade } from '@candlestream/market';
import { pipelineRegistry, tradeSerde } from '@candlestream/pipeline';
import { expect } from 'vitest';
import { conn } from '../../support/kafka.js';

/** shared/data beside the repository (CI clones it as a sibling); never copied into the repo. */
export const DATA = new URL('../../../../shared/data/', import.meta.url);

export function dataLines(path: string): string[] {
  return readFileSync(new URL(path, DATA), 'utf8').split('\n').filter((l) => l !== '');
}

export function dataPath(path: string): string {
  return new URL(path, DATA).pathname;
}

export const idKey = (t: Pick<Trade, 'symbol' | 'tradeId'>): string => `${t.symbol}#${t.tradeId}`;

export function serdeFor(topic: string): Promise<AvroSerde<Trade>> {
  return tradeSerde(pipelineRegistry(conn.registryUrl), topic);
}

/**
 * The topic holds exactly the expected trades, once each: same count, same (symbol, id) set, and
 * every field equal (decimals compared exactly), the key `<EXCHANGE>:<SYMBOL>` and the record
 * timestamp the trade time.
 */
export function expectExactlyTrades(messages: readonly Message[], serde: AvroSerde<Trade>, expected: readonly Trade[]): Trade[] {
  const got = messages.map((m) => serde.deserialize(m.value as Buffer));
  const byId = new Map(expected.map((t) => [idKey(t), t]));
  expect(byId.size, 'expected trades are unique').toBe(expected.length);
  const seen = new Set<string>();
  const dupes: string[] = [];
  const unexpected: string[] = [];
  const mismatches: string[] = [];
  for (const [i, t] of got.entries()) {
    const k = idKey(t);
    if (seen.has(k)) dupes.push(k);
    seen.add(k);
    const want = byId.get(k);
    if (!want) {
      unexpected.push(k);
      continue;
    }
    const m = messages[i] as Message;
    const diffs = [
      m.key?.toString() === `${want.exchange}:${want.symbol}` ? '' : `key ${m.key?.toString()}`,
      m.timestamp === want.tradeTime ? '' : `timestamp ${m.timestamp}`,
      t.exchange === want.exchange ? '' : `exchange ${t.exchange}`,
      t.pair === want.pair ? '' : `pair ${t.pair}`,
      t.tradeTime === want.tradeTime ? '' : `tradeTime ${t.tradeTime} vs ${want.tradeTime}`,
      t.buyerIsMaker === want.buyerIsMaker ? '' : `buyerIsMaker ${t.buyerIsMaker}`,
      t.price.equals(want.price) ? '' : `price ${t.price.toString()} vs ${want.price.toString()}`,
      t.quantity.equals(want.quantity) ? '' : `quantity ${t.quantity.toString()} vs ${want.quantity.toString()}`,
    ].filter((d) => d !== '');
    if (diffs.length > 0) mismatches.push(`${k}: ${diffs.join(', ')}`);
  }
  // One assertion per kind of problem (an expect per field of 50k trades takes seconds).
  expect(mismatches.slice(0, 10), 'fields that differ').toEqual([]);
  expect(dupes.slice(0, 10), 'duplicates in the topic').toEqual([]);
  expect(unexpected.slice(0, 10), 'trades that should not be there').toEqual([]);
  const missing = expected.filter((t) => !seen.has(idKey(t))).map(idKey);
  expect(missing.slice(0, 10), 'missing trades').toEqual([]);
  expect(got).toHaveLength(expected.length);
  return got;
}

/** Headers of a Kafka message as a plain object of strings. */
export function headersOf(m: Message): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) out[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  return out;
}
