import { describe, expect, it } from 'vitest';
import { Decimal } from './decimal.js';
import { DecimalError } from './errors.js';

describe('Decimal', () => {
  it('parses exchange strings exactly and prints them back', () => {
    expect(Decimal.parse('4261.48000000').toFixed()).toBe('4261.48000000');
    expect(Decimal.parse('4261.48000000').toString()).toBe('4261.48');
    expect(Decimal.parse('-0.00100000').toString()).toBe('-0.001');
    expect(Decimal.parse('.5').toString()).toBe('0.5');
    expect(Decimal.parse('1.5e-7').toFixed(10)).toBe('0.0000001500');
    expect(Decimal.parse('12e3').toString()).toBe('12000');
    expect(Decimal.parse('0').toString()).toBe('0');
  });

  it('rejects what is not a number', () => {
    for (const bad of ['', '.', 'abc', '1.2.3', 'NaN', '1,5', '--1']) {
      expect(() => Decimal.parse(bad)).toThrow(DecimalError);
    }
  });

  it('adds and multiplies without float drift', () => {
    let sum = Decimal.ZERO;
    for (let i = 0; i < 10; i++) sum = sum.add(Decimal.parse('0.1'));
    expect(sum.equals(Decimal.parse('1'))).toBe(true);
    expect(Decimal.parse('4261.48').mul(Decimal.parse('0.075575')).toString()).toBe('322.061351');
  });

  it('compares by value across scales', () => {
    expect(Decimal.parse('1.50').equals(Decimal.parse('1.5'))).toBe(true);
    expect(Decimal.parse('1.5').compare(Decimal.parse('1.49999999'))).toBe(1);
    expect(Decimal.parse('-2').compare(Decimal.parse('1'))).toBe(-1);
  });

  it('refuses to drop digits unless asked to round, then rounds half to even', () => {
    expect(() => Decimal.parse('1.005').rescale(2)).toThrow(DecimalError);
    expect(Decimal.parse('1.005').rescale(2, 'half-even').toFixed()).toBe('1.00');
    expect(Decimal.parse('1.015').rescale(2, 'half-even').toFixed()).toBe('1.02');
    expect(Decimal.parse('-1.015').rescale(2, 'half-even').toFixed()).toBe('-1.02');
    expect(Decimal.parse('1.0151').rescale(2, 'half-even').toFixed()).toBe('1.02');
  });

  it('divides with half-even rounding at the requested scale', () => {
    expect(Decimal.parse('10').div(Decimal.parse('3'), 4).toFixed()).toBe('3.3333');
    expect(Decimal.parse('2').div(Decimal.parse('3'), 4).toFixed()).toBe('0.6667');
    expect(Decimal.parse('-2').div(Decimal.parse('3'), 4).toFixed()).toBe('-0.6667');
    expect(Decimal.parse('1').div(Decimal.parse('-8'), 2).toFixed()).toBe('-0.12');
    expect(() => Decimal.parse('1').div(Decimal.ZERO, 2)).toThrow(DecimalError);
  });
});
