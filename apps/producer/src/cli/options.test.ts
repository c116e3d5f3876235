import { ConfigError } from '@candlestream/kafka';
import { describe, expect, it } from 'vitest';
import { humanMs, list, maskUrl, optionHelp, parseDuration, parseSize, resolveOptions, type OptionSpec } from './options.js';

const SPECS: OptionSpec[] = [
  { flag: 'topic', env: 'TRADES_TOPIC', default: 'trades', help: 'topic' },
  { flag: 'speed', env: 'REPLAY_SPEED', help: 'speed' },
  { flag: 'progress', env: 'REPLAY_PROGRESS', boolean: true, help: 'bar' },
];

describe('resolveOptions', () => {
  it('takes a flag over the environment over the default', () => {
    expect(resolveOptions(SPECS, [], {}).values.get('topic')).toBe('trades');
    expect(resolveOptions(SPECS, [], { TRADES_TOPIC: 'env' }).values.get('topic')).toBe('env');
    expect(resolveOptions(SPECS, ['--topic', 'flag'], { TRADES_TOPIC: 'env' }).values.get('topic')).toBe('flag');
    expect(resolveOptions(SPECS, ['--topic=eq'], {}).values.get('topic')).toBe('eq');
    expect(resolveOptions(SPECS, [], { TRADES_TOPIC: '' }).values.get('topic')).toBe('trades');
  });

  it('reads switches from flags, --no- flags and 1/0/true/false variables; undefined when unset', () => {
    expect(resolveOptions(SPECS, [], {}).values.get('progress')).toBeUndefined();
    expect(resolveOptions(SPECS, ['--progress'], {}).values.get('progress')).toBe(true);
    expect(resolveOptions(SPECS, ['--no-progress'], { REPLAY_PROGRESS: '1' }).values.get('progress')).toBe(false);
    expect(resolveOptions(SPECS, [], { REPLAY_PROGRESS: 'true' }).values.get('progress')).toBe(true);
    expect(resolveOptions(SPECS, [], { REPLAY_PROGRESS: '0' }).values.get('progress')).toBe(false);
  });

  it('keeps positionals, sees --help, and refuses unknown flags with a ConfigError', () => {
    const r = resolveOptions(SPECS, ['a.csv', '--speed', 'x10', 'b.jsonl'], {});
    expect(r.positionals).toEqual(['a.csv', 'b.jsonl']);
    expect(resolveOptions(SPECS, ['--help'], {}).help).toBe(true);
    expect(() => resolveOptions(SPECS, ['--nope'], {})).toThrow(ConfigError);
  });

  it('prints each option with its variable and default', () => {
    const help = optionHelp(SPECS);
    expect(help).toMatch(/--topic VALUE\s+topic \[TRADES_TOPIC\] \(default trades\)/);
    expect(help).toMatch(/--progress\s+bar \[REPLAY_PROGRESS\]/);
  });
});

describe('values', () => {
  it('parses durations and sizes, refusing anything else', () => {
    expect(['250ms', '2s', '1.5s', '5m', '23h', '1d', '40'].map((d) => parseDuration(d, 'x'))).toEqual([250, 2000, 1500, 300_000, 82_800_000, 86_400_000, 40]);
    expect(() => parseDuration('2 weeks', 'x')).toThrow(ConfigError);
    expect(['64kb', '100mb', '1gb', '512'].map((s) => parseSize(s, 'x'))).toEqual([65_536, 104_857_600, 1_073_741_824, 512]);
    expect(() => parseSize('-1mb', 'x')).toThrow(ConfigError);
  });

  it('splits lists, masks URL credentials, formats durations', () => {
    expect(list(' BTCUSDT, ETHUSDT  SOLUSDT,')).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(maskUrl('https://user:secret@registry:8081/x')).toBe('https://***@registry:8081/x');
    expect([82_800_000, 5000, 1500, 300, 0].map(humanMs)).toEqual(['23h', '5s', '1.5s', '300ms', '0']);
  });
});
