import { describe, expect, it } from 'vitest';
import { IndicatorError } from '../errors.js';
import { createEma, updateEma, type EmaState } from './ema.js';

describe('EMA', () => {
  it('seeds with the SMA of the first n closes, then smooths by 2/(n+1)', () => {
    // n = 3, alpha = 0.5: seed (1+2+3)/3 = 2; then 0.5*4 + 0.5*2 = 3; 0.5*5 + 0.5*3 = 4; 0.5*2 + 0.5*4 = 3.
    const s = createEma(3);
    expect([1, 2, 3, 4, 5, 2].map((c) => updateEma(s, c))).toEqual([undefined, undefined, 2, 3, 4, 3]);
  });

  it('matches a hand computation with a non-dyadic alpha', () => {
    // n = 2, alpha = 2/3: seed (2+4)/2 = 3; then 2/3*7 + 1/3*3 = 17/3; then 2/3*1 + 1/3*17/3 = 23/9.
    const s = createEma(2);
    expect(updateEma(s, 2)).toBeUndefined();
    expect(updateEma(s, 4)).toBe(3);
    expect(updateEma(s, 7)).toBeCloseTo(17 / 3, 12);
    expect(updateEma(s, 1)).toBeCloseTo(23 / 9, 12);
  });

  it('resumes identically from its JSON form, warm or not', () => {
    const a = createEma(3);
    updateEma(a, 10);
    const cold = JSON.parse(JSON.stringify(a)) as EmaState;
    expect([11, 12, 16].map((c) => updateEma(cold, c))).toEqual([undefined, 11, 13.5]);
    [11, 12, 16].forEach((c) => updateEma(a, c));
    const warm = JSON.parse(JSON.stringify(a)) as EmaState;
    expect(updateEma(warm, 9.5)).toBe(updateEma(a, 9.5));
    expect(a.seed).toEqual([]);
  });

  it('rejects bad periods and non-finite closes', () => {
    expect(() => createEma(-1)).toThrow(IndicatorError);
    expect(() => updateEma(createEma(2), Number.POSITIVE_INFINITY)).toThrow(IndicatorError);
  });
});
