import { parseArgs } from 'node:util';
import { ConfigError } from '@candlestream/kafka';

/** One command-line option, with the environment variable that sets it too and its default. */
export interface OptionSpec {
  flag: string;
  env?: string;
  default?: string;
  /** A switch (`--no-<flag>` turns it off); its environment value is 1/0/true/false. */
  boolean?: boolean;
  /** Placeholder shown in the help. */
  arg?: string;
  help: string;
}

export type OptionValues = ReadonlyMap<string, string | boolean | undefined>;

/**
 * Flags first, then the environment, then the default: so a deployment sets variables and a person
 * at a terminal overrides one of them with a flag. Unknown flags are an error (exit 2), not ignored.
 */
export function resolveOptions(
  specs: readonly OptionSpec[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { values: OptionValues; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of specs) {
    options[s.flag] = { type: s.boolean ? 'boolean' : 'string' };
    if (s.boolean) options[`no-${s.flag}`] = { type: 'boolean' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (see --help)`);
  }
  const values = new Map<string, string | boolean | undefined>();
  for (const s of specs) {
    const fromFlag = parsed.values[s.flag];
    const negated = parsed.values[`no-${s.flag}`];
    const fromEnv = s.env ? env[s.env] : undefined;
    if (s.boolean) {
      const envBool = fromEnv === undefined || fromEnv === '' ? undefined : /^(1|true|yes|on)$/i.test(fromEnv);
      values.set(s.flag, negated === true ? false : ((fromFlag as boolean | undefined) ?? envBool ?? (s.default === undefined ? undefined : s.default === 'true')));
    } else {
      const v = (fromFlag as string | undefined) ?? (fromEnv === '' ? undefined : fromEnv) ?? s.default;
      values.set(s.flag, v);
    }
  }
  return { values, positionals: parsed.positionals, help: parsed.values.help === true };
}

export function optionHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.flag}${s.boolean ? '' : ` ${s.arg ?? 'VALUE'}`}`;
    const env = s.env ? ` [${s.env}]` : '';
    const def = s.default !== undefined ? ` (default ${s.default === '' ? 'none' : s.default})` : '';
    return [left, `${s.help}${env}${def}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}

export function str(values: OptionValues, flag: string): string | undefined {
  const v = values.get(flag);
  return typeof v === 'string' ? v : undefined;
}

export function bool(values: OptionValues, flag: string): boolean | undefined {
  const v = values.get(flag);
  return typeof v === 'boolean' ? v : undefined;
}

export function int(values: OptionValues, flag: string, min = 0): number {
  const text = str(values, flag);
  const n = Number(text);
  if (text === undefined || !/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new ConfigError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return n;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `2s`, `5m`, `23.5h`, `1d`; a bare number is milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) throw new ConfigError(`${what} must be a duration like 500ms, 2s, 5m or 23h, got ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] as number));
}

export function duration(values: OptionValues, flag: string): number {
  const text = str(values, flag);
  if (text === undefined) throw new ConfigError(`--${flag} is required`);
  return parseDuration(text, `--${flag}`);
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|k|m|g)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** `64kb`, `100mb`, `1gb`; a bare number is bytes. */
export function parseSize(text: string, what: string): number {
  const m = SIZE_RE.exec(text.trim());
  if (!m) throw new ConfigError(`${what} must be a size like 64kb or 100mb, got ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * (UNIT_BYTES[(m[2] ?? 'b').toLowerCase()] as number));
}

/** A comma- or space-separated list, trimmed, without empties. */
export function list(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

/** A URL with any user:password replaced, for the start-up banner. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^/@\s]+)@/, '//***@');
}

/** 82800000 -> `23h`, 300 -> `300ms`, 1500 -> `1.5s`: durations in the start-up banner. */
export function humanMs(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size) return `${Number((ms / size).toFixed(2))}${unit}`;
  }
  return `${ms}ms`;
}
