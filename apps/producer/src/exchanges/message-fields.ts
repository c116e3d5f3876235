import { DecimalError, PRICE_SCALE, UnknownSymbolError, normalisePair, Decimal } from '@candlestream/market';
import { MAX_MESSAGE_LENGTH, type ParseResult } from './types.js';

/**
 * Thrown inside a parser to abandon a frame; `guardParse` turns it into a `malformed` result, so it
 * never leaves `parse`. `reason` is the stable metric label.
 */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
  constructor(readonly reason: string) {
    super(`malformed exchange message: ${reason}`);
  }
}

/**
 * Runs a parser body with the checks every exchange shares: the size limit first, and no exception
 * escaping. An error that is not a `MalformedMessageError` is a parser bug; it is reported as
 * `parser-error` rather than thrown, because one odd frame must not crash-loop the producer, and the
 * label makes the bug visible in the metrics.
 */
export function guardParse(raw: string, body: (raw: string) => ParseResult): ParseResult {
  if (raw.length > MAX_MESSAGE_LENGTH) return { kind: 'malformed', reason: 'too-large' };
  try {
    return body(raw);
  } catch (e) {
    return { kind: 'malformed', reason: e instanceof MalformedMessageError ? e.reason : 'parser-error' };
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON.parse for frames whose numbers need no exactness (decimals arrive as strings). */
export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new MalformedMessageError('invalid-json');
  }
}

export function field(o: JsonObject, key: string): unknown {
  const v = o[key];
  if (v === undefined) throw new MalformedMessageError(`missing-field:${key}`);
  return v;
}

export function stringField(o: JsonObject, key: string): string {
  const v = field(o, key);
  if (typeof v !== 'string') throw new MalformedMessageError(`wrong-type:${key}`);
  return v;
}

export function booleanField(o: JsonObject, key: string): boolean {
  const v = field(o, key);
  if (typeof v !== 'boolean') throw new MalformedMessageError(`wrong-type:${key}`);
  return v;
}

export function objectField(o: JsonObject, key: string): JsonObject {
  const v = field(o, key);
  if (!isObject(v)) throw new MalformedMessageError(`wrong-type:${key}`);
  return v;
}

export function arrayField(o: JsonObject, key: string): unknown[] {
  const v = field(o, key);
  if (!Array.isArray(v)) throw new MalformedMessageError(`wrong-type:${key}`);
  return v;
}

/** A JSON number that is a trade id or an epoch-ms time: a non-negative safe integer. */
export function integerField(o: JsonObject, key: string): number {
  const v = field(o, key);
  if (typeof v !== 'number') throw new MalformedMessageError(`wrong-type:${key}`);
  if (!Number.isSafeInteger(v) || v < 0) throw new MalformedMessageError(`bad-integer:${key}`);
  return v;
}

/** A decimal string field; see `positiveDecimal`. */
export function decimalField(o: JsonObject, key: string): Decimal {
  return positiveDecimal(stringField(o, key), key);
}

const DIGITS = /^\d+$/;

/** Integer text (a string trade id, a JSON number's literal) as a non-negative safe integer. */
export function integerText(text: string, key: string): number {
  const n = Number(text);
  if (!DIGITS.test(text) || !Number.isSafeInteger(n)) throw new MalformedMessageError(`bad-integer:${key}`);
  return n;
}

/** Largest magnitude the schemas hold: decimal(38, 10) has 28 integer digits. */
const SCHEMA_LIMIT = 10n ** 38n;

/**
 * Decimal text as an exact, positive Decimal that the trade schema can hold (at most 10 decimals
 * that are not zero, at most 28 integer digits): `bad-decimal:<key>` if it is not a number,
 * `out-of-range:<key>` if the schema cannot hold it, `non-positive:<key>` for 0 or less (a zero
 * price or quantity would corrupt candles: no percent change, no VWAP).
 */
export function positiveDecimal(text: string, key: string): Decimal {
  let d: Decimal;
  try {
    d = Decimal.parse(text);
  } catch (e) {
    if (e instanceof DecimalError) throw new MalformedMessageError(`bad-decimal:${key}`);
    throw e;
  }
  let units: bigint;
  try {
    units = d.unitsAt(PRICE_SCALE);
  } catch (e) {
    if (e instanceof DecimalError) throw new MalformedMessageError(`out-of-range:${key}`);
    throw e;
  }
  if (units >= SCHEMA_LIMIT || units <= -SCHEMA_LIMIT) throw new MalformedMessageError(`out-of-range:${key}`);
  if (units <= 0n) throw new MalformedMessageError(`non-positive:${key}`);
  return d;
}

/** The normalised pair of a symbol read from field `key`; `unknown-symbol:<key>` if it cannot be split. */
export function pairOf(exchange: string, symbol: string, key: string): string {
  try {
    return normalisePair(exchange, symbol);
  } catch (e) {
    if (e instanceof UnknownSymbolError) throw new MalformedMessageError(`unknown-symbol:${key}`);
    throw e;
  }
}
