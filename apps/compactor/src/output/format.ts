import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * TIMESTAMPTZ values print in the process's local zone by default; the lake's times are UTC instants
 * and print as UTC everywhere, like DuckDB itself with `TimeZone = 'UTC'`.
 */
export function printTimestampsInUtc(): void {
  DuckDBTimestampTZValue.timezoneOffsetInMinutes = 0;
}

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

/** A result as plain columns and rows of display values, independent of DuckDB. */
export interface Tabular {
  columns: string[];
  rows: unknown[][];
}

export function fromDuckDB(reader: DuckDBResultReader): Tabular {
  return { columns: reader.columnNames(), rows: reader.getRows() };
}

/**
 * Text of one value. Decimals print exactly at their scale (never through a double), timestamps with
 * time zone in UTC, big integers in full.
 */
export function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return String(v as DuckDBValue);
}

/** JSON value of one DuckDB value: exact decimals and out-of-range integers as strings, times as ISO-8601. */
export function jsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof DuckDBDecimalValue) return v.toString();
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return v.isFinite ? isoFromMicros(v.micros) : v.toString();
  if (v instanceof DuckDBDateValue) return v.toString();
  return String(v as DuckDBValue);
}

function isoFromMicros(micros: bigint): string {
  const ms = micros / 1000n;
  const iso = new Date(Number(ms)).toISOString();
  const rest = micros % 1000n;
  return rest === 0n ? iso : `${iso.slice(0, -1)}${rest.toString().padStart(3, '0')}Z`;
}

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof DuckDBDecimalValue;
}

export function formatTable(t: Tabular): string {
  const cells = t.rows.map((r) => r.map(text));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const right = t.columns.map((_, i) => t.rows.length > 0 && t.rows.every((r) => r[i] === null || isNumeric(r[i])));
  const line = (r: string[]): string => r.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ').trimEnd();
  const out = [line(t.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  out.push(`(${t.rows.length} row${t.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function formatCsv(t: Tabular): string {
  return [t.columns.map(csvCell).join(','), ...t.rows.map((r) => r.map((v) => csvCell(text(v))).join(','))].join('\n') + '\n';
}

export function formatJson(t: Tabular): string {
  const objects = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, jsonValue(r[i])])));
  return JSON.stringify(objects, null, 2) + '\n';
}

export function format(t: Tabular, f: OutputFormat): string {
  return f === 'csv' ? formatCsv(t) : f === 'json' ? formatJson(t) : formatTable(t);
}
