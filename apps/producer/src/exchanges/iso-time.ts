const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch ms of an RFC 3339 timestamp with up to nanoseconds, as Coinbase (`...35.39625135Z`) and
 * Kraken v2 (`...36.925533Z`) send them. Digits past the millisecond are truncated, not rounded: a
 * trade at .9996 s belongs to that second (and that candle), not to the next one. Done by hand
 * because `Date.parse` is only specified for milliseconds. Returns undefined if not a valid time.
 */
export function isoToEpochMillis(text: string): number | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(base).getUTCDate() !== day) return undefined; // 2023-02-30 and the like
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = m[8] as string;
  const offsetMinutes = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return base + millis - offsetMinutes * 60_000;
}
