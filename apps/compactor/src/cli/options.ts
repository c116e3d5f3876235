import { parseArgs } from 'node:util';
import { ConfigError } from '@candlestream/kafka';

/**
 * Command-line options declared once: flag, environment variable, default and help. A value comes
 * from the flag, else the environment, else the default; `resolve` also records where each came from
 * so the configuration printed at start says so.
 */
export interface OptionSpec {
  flag: string;
  env?: string;
  kind: 'string' | 'int' | 'bool' | 'list';
  default?: string | number | boolean | string[] | (() => string);
  help: string;
  choices?: readonly string[];
  /** Printed masked. */
  secret?: boolean;
  /** Help shows this instead of the default value (e.g. a computed one). */
  defaultText?: string;
}

export type OptionValue = string | number | boolean | string[] | undefined;

export interface Resolved {
  values: Record<string, OptionValue>;
  sources: Record<string, 'flag' | 'env' | 'default'>;
  positionals: string[];
  help: boolean;
}

export function resolveOptions(specs: readonly OptionSpec[], argv: string[], env: NodeJS.ProcessEnv): Resolved {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const s of specs) {
    options[s.flag] = { type: s.kind === 'bool' ? 'boolean' : 'string' };
    if (s.kind === 'bool') options[`no-${s.flag}`] = { type: 'boolean' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  const values: Record<string, OptionValue> = {};
  const sources: Record<string, 'flag' | 'env' | 'default'> = {};
  for (const s of specs) {
    let raw: string | boolean | undefined = flags[s.flag];
    let source: 'flag' | 'env' | 'default' = 'flag';
    if (s.kind === 'bool' && flags[`no-${s.flag}`]) raw = false;
    if (raw === undefined && s.env && env[s.env] !== undefined && env[s.env] !== '') {
      raw = env[s.env]!;
      source = 'env';
    }
    if (raw === undefined) {
      source = 'default';
      const d = typeof s.default === 'function' ? s.default() : s.default;
      values[s.flag] = d;
    } else {
      values[s.flag] = convert(s, raw);
    }
    sources[s.flag] = source;
  }
  return { values, sources, positionals: parsed.positionals, help: flags.help === true };
}

function convert(s: OptionSpec, raw: string | boolean): OptionValue {
  const where = `--${s.flag}${s.env ? ` (${s.env})` : ''}`;
  switch (s.kind) {
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
    case 'int': {
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${where} must be a non-negative integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'list': {
      const list = String(raw)
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (s.choices) for (const x of list) checkChoice(s, x, where);
      return list;
    }
    default: {
      const v = String(raw);
      if (s.choices) checkChoice(s, v, where);
      return v;
    }
  }
}

function checkChoice(s: OptionSpec, v: string, where: string): void {
  if (!s.choices!.includes(v)) throw new ConfigError(`${where} must be one of ${s.choices!.join(', ')}, got ${JSON.stringify(v)}`);
}

/** Masks secrets and credentials inside URLs (`http://user:pass@host` -> `http://user:****@host`). */
export function maskValue(spec: OptionSpec, v: OptionValue): OptionValue {
  if (v === undefined) return v;
  if (spec.secret) return '****';
  if (typeof v === 'string') return maskUrlCredentials(v);
  if (Array.isArray(v)) return v.map(maskUrlCredentials);
  return v;
}

export function maskUrlCredentials(s: string): string {
  return s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@/\s]*@/gi, '$1:****@');
}

/** The effective configuration as printed at start: every option, masked, with where it came from. */
export function printableConfig(specs: readonly OptionSpec[], r: Resolved): Record<string, { value: OptionValue; from: string }> {
  const out: Record<string, { value: OptionValue; from: string }> = {};
  for (const s of specs) {
    out[s.flag] = { value: maskValue(s, r.values[s.flag]), from: r.sources[s.flag] === 'env' ? `env ${s.env}` : r.sources[s.flag]! };
  }
  return out;
}

export function helpText(usage: string, summary: string, specs: readonly OptionSpec[], extra = ''): string {
  const rows = specs.map((s) => {
    const flag = s.kind === 'bool' ? `--[no-]${s.flag}` : `--${s.flag} <${s.kind === 'int' ? 'n' : s.kind === 'list' ? 'a,b' : 'value'}>`;
    const def = s.defaultText ?? (typeof s.default === 'function' ? undefined : s.default === undefined ? undefined : JSON.stringify(s.default));
    const notes = [s.env ? `env ${s.env}` : '', def !== undefined ? `default ${def}` : '', s.choices ? `one of ${s.choices.join('|')}` : '']
      .filter(Boolean)
      .join('; ');
    return { flag, text: `${s.help}${notes ? ` (${notes})` : ''}` };
  });
  const width = Math.max(...rows.map((r) => r.flag.length), 10);
  return [
    `Usage: ${usage}`,
    '',
    summary,
    '',
    'Options:',
    ...rows.map((r) => `  ${r.flag.padEnd(width)}  ${r.text}`),
    `  ${'-h, --help'.padEnd(width)}  Show this help`,
    extra ? `\n${extra}` : '',
  ].join('\n');
}
