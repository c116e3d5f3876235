/**
 * One structured logger for every app: one JSON line per event on stderr (stdout is left to what a
 * command prints for people, e.g. candles). Repeated errors are rate-limited by key so a bad feed
 * cannot flood the log.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Logs at most once per `intervalMs` per key; returns whether it logged. */
  limited(level: Level, key: string, msg: string, fields?: Record<string, unknown>, intervalMs?: number): boolean;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  name: string,
  opts: { level?: Level; write?: (line: string) => void; base?: Record<string, unknown> } = {},
): Logger {
  const min = ORDER[opts.level ?? ((process.env.LOG_LEVEL as Level | undefined) ?? 'info')] ?? ORDER.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = opts.base ?? {};
  const last = new Map<string, number>();
  const log = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ t: new Date().toISOString(), level, logger: name, msg, ...base, ...fields }, replacer));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    limited(level, key, msg, fields, intervalMs = 60_000) {
      const now = Date.now();
      const prev = last.get(key);
      if (prev !== undefined && now - prev < intervalMs) return false;
      last.set(key, now);
      log(level, msg, fields);
      return true;
    },
    child: (fields) => createLogger(name, { ...opts, base: { ...base, ...fields } }),
  };
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
