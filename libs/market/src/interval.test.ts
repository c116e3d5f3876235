import { describe, expect, it } from 'vitest';
import { IntervalError } from './errors.js';
import { intervalMs } from './interval.js';

describe('intervalMs', () => {
  it('parses fixed-length intervals', () => {
    expect(intervalMs('1s')).toBe(1_000);
    expect(intervalMs('1m')).toBe(60_000);
    expect(intervalMs('5m')).toBe(300_000);
    expect(intervalMs('15m')).toBe(900_000);
    expect(intervalMs('4h')).toBe(14_400_000);
    expect(intervalMs('1d')).toBe(86_400_000);
    expect(intervalMs('1w')).toBe(604_800_000);
  });

  it('refuses months, zero, and anything not <n><unit>', () => {
    for (const bad of ['1M', '0m', '01m', 'm', '1', '1.5m', ' 1m', '1min', '-1m', '99999999999999w']) {
      expect(() => intervalMs(bad)).toThrow(IntervalError);
    }
  });
});
