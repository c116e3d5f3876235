import { Decimal } from './decimal.js';
import { CsvFormatError, DecimalError } from './errors.js';

/** One data row of a CSV dump: its 1-based line number (for error messages) and its fields. */
export interface CsvRow {
  line: number;
  fields: string[];
}

const NUMERIC_START = /^-?\d/;
const DIGITS = /^\d+$/;

/**
 * The data rows of an exchange CSV dump (plain comma-separated values, no quoting: Binance's files
 * have none). Blank lines and `\r` line ends are tolerated, and so is one header line: a first row
 * whose first field is not a number (Binance's 2017 spot files have no header, some newer ones do).
 */
export function* csvRows(text: string): Generator<CsvRow> {
  const lines = text.split('\n');
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (first) {
      first = false;
      if (!NUMERIC_START.test(fields[0] as string)) continue;
    }
    yield { line: i + 1, fields };
  }
}

/** An exact decimal field; `name` and `line` label the error. */
export function csvDecimal(text: string, name: string, line: number): Decimal {
  try {
    return Decimal.parse(text);
  } catch (e) {
    if (e instanceof DecimalError) throw new CsvFormatError(`${name}: ${e.message}`, line);
    throw e;
  }
}

/** A non-negative integer field that fits a JS number exactly (trade ids, counts). */
export function csvInteger(text: string, name: string, line: number): number {
  const n = Number(text);
  if (!DIGITS.test(text) || !Number.isSafeInteger(n)) {
    throw new CsvFormatError(`${name}: not a non-negative integer: ${JSON.stringify(text)}`, line);
  }
  return n;
}

/**
 * Epoch milliseconds from a dump timestamp: milliseconds (up to 13 digits) in older files,
 * microseconds (16 digits) in Binance spot files from 2025-01-01 on. Microseconds are truncated to
 * the millisecond (floor), which maps a kline close time `open + 59999999 us` to `open + 59999 ms`,
 * as in the millisecond files. 14 and 15 digits are neither and are refused.
 */
export function csvEpochMillis(text: string, name: string, line: number): number {
  if (DIGITS.test(text)) {
    if (text.length <= 13) return Number(text);
    if (text.length === 16) return Number(BigInt(text) / 1000n);
  }
  throw new CsvFormatError(`${name}: not an epoch ms (13 digits) or us (16 digits) timestamp: ${JSON.stringify(text)}`, line);
}

/** `True`/`False` as Python writes them in Binance's dumps; lower case (futures dumps) is accepted too. */
export function csvBoolean(text: string, name: string, line: number): boolean {
  if (text === 'True' || text === 'true') return true;
  if (text === 'False' || text === 'false') return false;
  throw new CsvFormatError(`${name}: expected True or False, got ${JSON.stringify(text)}`, line);
}
