import { describe, expect, it } from 'vitest';
import { createRsi, updateRsi, type RsiState } from './rsi.js';

// StockCharts ChartSchool's RSI worked example (spreadsheet cs-rsi.xls, QQQQ daily closes). The page's
// table shows the closes rounded to 2 decimals, but the spreadsheet computes on these 4-decimal values;
// the published RSI column (first value 70.53) is only reproduced from them.
const CLOSES = [
  44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931, 46.0328, 45.614,
  46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548,
  44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
];
const PUBLISHED_RSI = [
  70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.3,
  33.08, 37.77,
];

function run(closes: readonly number[], state: RsiState = createRsi(14)): (number | undefined)[] {
  return closes.map((c) => updateRsi(state, c));
}

describe('RSI (Wilder)', () => {
  it('reproduces the published StockCharts RSI(14) column to 2 decimals', () => {
    const out = run(CLOSES);
    expect(out.slice(0, 14)).toEqual(Array(14).fill(undefined));
    expect(out.slice(14).map((v) => (v as number).toFixed(2))).toEqual(PUBLISHED_RSI.map((v) => v.toFixed(2)));
  });

  it('gives 70.46, not 70.53, on the closes rounded to 2 decimals as the page displays them', () => {
    const rounded = CLOSES.map((c) => Math.round(c * 100) / 100);
    expect(rounded.slice(0, 5)).toEqual([44.34, 44.09, 44.15, 43.61, 44.33]);
    expect((run(rounded)[14] as number).toFixed(2)).toBe('70.46');
  });

  it('resumes identically from its JSON form mid-warm-up and warm', () => {
    for (const cut of [5, 20]) {
      const state = createRsi(14);
      run(CLOSES.slice(0, cut), state);
      const restored = JSON.parse(JSON.stringify(state)) as RsiState;
      expect(run(CLOSES.slice(cut), restored)).toEqual(run(CLOSES).slice(cut));
    }
  });

  it('is 100 without losses and 50 without any movement', () => {
    expect(run([1, 2, 3, 4], createRsi(3))[3]).toBe(100);
    expect(run([5, 4, 3, 2], createRsi(3))[3]).toBe(0);
    expect(run([7, 7, 7, 7], createRsi(3))[3]).toBe(50);
  });
});
