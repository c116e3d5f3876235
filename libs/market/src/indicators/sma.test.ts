import { describe, expect, it } from 'vitest';
import { IndicatorError } from '../errors.js';
import { createSma, updateSma, type SmaState } from './sma.js';

describe('SMA', () => {
  it('averages the last n closes once n were seen', () => {
    const s = createSma(3);
    expect([1, 2, 3, 4, 5, 9].map((c) => updateSma(s, c))).toEqual([undefined, undefined, 2, 3, 4, 6]);
  });

  it('resumes identically from its JSON form', () => {
    const a = createSma(3);
    [10, 11, 12, 13].forEach((c) => updateSma(a, c));
    const b = JSON.parse(JSON.stringify(a)) as SmaState;
    expect(updateSma(b, 20)).toBe(15); // (12 + 13 + 20) / 3
    expect(updateSma(a, 20)).toBe(15);
  });

  it('rejects bad periods and non-finite closes', () => {
    expect(() => createSma(0)).toThrow(IndicatorError);
    expect(() => createSma(2.5)).toThrow(IndicatorError);
    expect(() => updateSma(createSma(2), Number.NaN)).toThrow(IndicatorError);
  });
});
