import { readFileSync } from 'node:fs';

/**
 * The .avsc files in the repository's schemas/ folder are the one source of record types. Both
 * src/ and dist/ sit two levels below the repository root's libs/, so one relative path serves both.
 */
export function loadSchema(name: 'trade' | 'candle'): object {
  const url = new URL(`../../../schemas/${name}.avsc`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as object;
}
