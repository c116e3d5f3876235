import { describe, expect, it } from 'vitest';
import { ConfigError } from '@candlestream/kafka';
import { DuckDBDecimalValue, DuckDBTimestampTZValue } from '@duckdb/node-api';
import { main } from '../main.js';
import { formatCsv, formatJson, formatTable } from '../output/format.js';
import { runConfig } from './commands/run.js';
import { maskUrlCredentials, printableConfig, resolveOptions } from './options.js';
import { RUN_OPTIONS } from './specs.js';

describe('run configuration', () => {
  it('takes flags over environment over defaults, and says which', () => {
    const { config, printable } = runConfig(['--flush-rows', '500', '--no-fsync'], { COMPACTOR_FLUSH_ROWS: '9', LAKE_DIR: '/data/lake', COMPACTOR_TOPICS: 'a.1m, b.5m' });
    expect(config.flushRows).toBe(500);
    expect(config.fsync).toBe(false);
    expect(config.lakeDir).toBe('/data/lake');
    expect(config.topics).toEqual(['a.1m', 'b.5m']);
    expect(config.groupId).toBe('compactor');
    expect(printable['flush-rows']).toEqual({ value: 500, from: 'flag' });
    expect(printable.lake).toEqual({ value: '/data/lake', from: 'env LAKE_DIR' });
    expect(printable.group).toEqual({ value: 'compactor', from: 'default' });
  });

  it('refuses bad values with the flag and variable named', () => {
    expect(() => runConfig(['--flush-rows', 'many'], {})).toThrow(/--flush-rows \(COMPACTOR_FLUSH_ROWS\) must be a non-negative integer/);
    expect(() => runConfig([], { COMPACTOR_FSYNC: 'maybe' })).toThrow(ConfigError);
    expect(() => runConfig(['--topics', 'bad/topic'], {})).toThrow(/not a valid topic name/);
    expect(() => runConfig(['--bogus'], {})).toThrow(ConfigError);
  });

  it('masks credentials in what it prints', () => {
    expect(maskUrlCredentials('https://user:s3cret@registry.example:8081/apis')).toBe('https://user:****@registry.example:8081/apis');
    const r = resolveOptions(RUN_OPTIONS, [], { SCHEMA_REGISTRY_URL: 'http://u:p@h:1' });
    expect(printableConfig(RUN_OPTIONS, r).registry!.value).toBe('http://u:****@h:1');
  });
});

describe('main', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), readStdin: () => Promise.resolve('') } };
  };

  it('prints usage and per-command help', async () => {
    const a = io();
    expect(await main(['--help'], {}, a.io)).toBe(0);
    expect(a.out.join('')).toContain('Commands:');
    for (const cmd of ['run', 'merge', 'query', 'tail']) {
      const b = io();
      expect(await main([cmd, '--help'], {}, b.io)).toBe(0);
      expect(b.out.join('')).toContain(`Usage: compactor ${cmd}`);
    }
  });

  it('exits 2 on usage errors', async () => {
    const a = io();
    expect(await main(['frobnicate'], {}, a.io)).toBe(2);
    const b = io();
    expect(await main(['query'], {}, b.io)).toBe(2);
    expect(b.err.join('')).toContain('no SQL given');
    const c = io();
    expect(await main(['tail'], {}, c.io)).toBe(2);
    expect(c.err.join('')).toContain('--symbol is required');
  });
});

describe('output formats', () => {
  const t = {
    columns: ['symbol', 'vwap', 'n', 'at'],
    rows: [
      ['BTC,USDT', new DuckDBDecimalValue(123456789012345678901234567890n, 38, 20), 3n, new DuckDBTimestampTZValue(1_709_942_400_000_000n)],
      ['ETH', new DuckDBDecimalValue(-1n, 38, 10), 12n, null],
    ],
  };

  it('keeps decimals exact in every format', () => {
    expect(formatCsv(t)).toContain('"BTC,USDT",1234567890.12345678901234567890,3,');
    expect(JSON.parse(formatJson(t))).toEqual([
      { symbol: 'BTC,USDT', vwap: '1234567890.12345678901234567890', n: 3, at: '2024-03-09T00:00:00.000Z' },
      { symbol: 'ETH', vwap: '-0.0000000001', n: 12, at: null },
    ]);
    const table = formatTable(t).split('\n');
    expect(table[0]).toMatch(/^symbol\s+\|\s+vwap \| +n \| at$/);
    expect(table[3]).toContain('         -0.0000000001 | 12 |');
    expect(table.at(-2)).toBe('(2 rows)');
  });
});
