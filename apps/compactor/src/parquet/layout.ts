import { createHash } from 'node:crypto';

/**
 * Where things live in the lake, and how file names encode what a file holds. Everything the
 * exactly-once protocol needs to know after a crash is derived from these names (and, for merged
 * files, from the coverage stored in their Parquet footer), so the format is defined in one place.
 *
 *   <lake>/candles/interval=<i>/date=<YYYY-MM-DD>/<topic>~<partition>~<first>~<last>.parquet   batch file
 *   <lake>/candles/interval=<i>/date=<YYYY-MM-DD>/merged~<hash>.parquet                       merged file
 *   <lake>/candles/_staging/<instance>/<flush>/...                                           files being written
 *   <lake>/candles/_journal/<topic>~<partition>~<first>~<last>.json                          renames to roll forward
 *
 * Kafka topic names only use [a-zA-Z0-9._-], so `~` never occurs inside a topic. Offsets are
 * zero-padded to 19 digits (int64) so names sort in offset order.
 */
export const DATASET = 'candles';
export const STAGING_DIR = '_staging';
export const JOURNAL_DIR = '_journal';
export const LOCK_DIR = '_locks';
export const PARQUET_EXT = '.parquet';
export const TMP_EXT = '.tmp';

/** One Kafka partition's contiguous offset range (both ends inclusive). */
export interface OffsetRange {
  topic: string;
  partition: number;
  first: number;
  last: number;
}

export type LakeFileName =
  | { kind: 'batch'; range: OffsetRange }
  | { kind: 'merged'; id: string };

const OFFSET_DIGITS = 19;
const TOPIC_RE = /^[a-zA-Z0-9._-]+$/;
const BATCH_RE = /^([a-zA-Z0-9._-]+)~(\d+)~(\d{19})~(\d{19})\.parquet$/;
const MERGED_RE = /^merged~([0-9a-f]{16})\.parquet$/;
const INTERVAL_RE = /^[0-9]+[a-zA-Z]+$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export const tpKey = (topic: string, partition: number): string => `${topic}~${partition}`;

export function isValidTopic(topic: string): boolean {
  return TOPIC_RE.test(topic) && topic.length <= 249;
}

/** Interval values become directory names, so only `<n><unit>` (1m, 5m, 1h, 1d) is accepted. */
export function isValidInterval(interval: string): boolean {
  return INTERVAL_RE.test(interval) && interval.length <= 16;
}

function pad(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset} is not a non-negative safe integer`);
  return offset.toString().padStart(OFFSET_DIGITS, '0');
}

export function batchFileName(r: OffsetRange): string {
  if (!isValidTopic(r.topic)) throw new RangeError(`topic ${JSON.stringify(r.topic)} is not a Kafka topic name`);
  if (r.last < r.first) throw new RangeError(`offset range ${r.first}..${r.last} is empty`);
  return `${r.topic}~${r.partition}~${pad(r.first)}~${pad(r.last)}${PARQUET_EXT}`;
}

/** The journal of one batch of one partition: same key as its files, `.json`. */
export function journalFileName(r: OffsetRange): string {
  return batchFileName(r).slice(0, -PARQUET_EXT.length) + '.json';
}

export function parseJournalFileName(name: string): OffsetRange | null {
  if (!name.endsWith('.json')) return null;
  const parsed = parseLakeFileName(name.slice(0, -'.json'.length) + PARQUET_EXT);
  return parsed?.kind === 'batch' ? parsed.range : null;
}

/**
 * A merged file is named by a hash of the names it replaced: a merge retried after a crash with the
 * same inputs writes the same name (idempotent), and a later merge that adds new inputs gets a new one.
 */
export function mergedFileName(inputNames: readonly string[]): string {
  const h = createHash('sha256');
  for (const n of [...inputNames].sort()) h.update(n).update('\n');
  return `merged~${h.digest('hex').slice(0, 16)}${PARQUET_EXT}`;
}

export function parseLakeFileName(name: string): LakeFileName | null {
  const b = BATCH_RE.exec(name);
  if (b) {
    const range = { topic: b[1]!, partition: Number(b[2]), first: Number(b[3]), last: Number(b[4]) };
    if (!Number.isSafeInteger(range.first) || !Number.isSafeInteger(range.last) || range.last < range.first) return null;
    return { kind: 'batch', range };
  }
  const m = MERGED_RE.exec(name);
  if (m) return { kind: 'merged', id: m[1]! };
  return null;
}

/** `interval=<i>/date=<d>`: the Hive partition directory of one interval and UTC day. */
export function partitionDir(interval: string, date: string): string {
  if (!isValidInterval(interval)) throw new RangeError(`interval ${JSON.stringify(interval)} is not <n><unit>`);
  if (!DATE_RE.test(date)) throw new RangeError(`date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  return `interval=${interval}/date=${date}`;
}

export function parsePartitionDir(intervalDir: string, dateDir: string): { interval: string; date: string } | null {
  if (!intervalDir.startsWith('interval=') || !dateDir.startsWith('date=')) return null;
  const interval = intervalDir.slice('interval='.length);
  const date = dateDir.slice('date='.length);
  return isValidInterval(interval) && DATE_RE.test(date) ? { interval, date } : null;
}

/** The UTC calendar day of an epoch-ms instant, as the `date=` partition value. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
