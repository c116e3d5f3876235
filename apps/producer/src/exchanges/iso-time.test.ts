import { describe, expect, it } from 'vitest';
import { isoToEpochMillis } from './iso-time.js';

describe('isoToEpochMillis', () => {
  it('truncates micro- and nanoseconds to the millisecond', () => {
    expect(isoToEpochMillis('2023-02-09T20:19:35.39625135Z')).toBe(Date.parse('2023-02-09T20:19:35.396Z'));
    expect(isoToEpochMillis('2021-04-17T16:43:30.244075Z')).toBe(Date.parse('2021-04-17T16:43:30.244Z'));
    expect(isoToEpochMillis('2024-12-31T23:59:59.999999999Z')).toBe(Date.parse('2024-12-31T23:59:59.999Z'));
    expect(isoToEpochMillis('2019-08-14T20:42:27.2Z')).toBe(Date.parse('2019-08-14T20:42:27.200Z'));
    expect(isoToEpochMillis('2019-08-14T20:42:27Z')).toBe(Date.parse('2019-08-14T20:42:27Z'));
  });

  it('applies offsets', () => {
    expect(isoToEpochMillis('2024-01-01T01:30:00.5+01:30')).toBe(Date.parse('2024-01-01T00:00:00.500Z'));
    expect(isoToEpochMillis('2023-12-31T19:00:00-05:00')).toBe(Date.parse('2024-01-01T00:00:00Z'));
  });

  it('refuses what is not a valid RFC 3339 time', () => {
    for (const bad of ['', '2024-01-01', '2024-01-01T00:00:00', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01 00:00:00Z', '2024-01-01T00:00:00.1234567890Z']) {
      expect(isoToEpochMillis(bad), bad).toBeUndefined();
    }
    expect(isoToEpochMillis('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'));
  });
});
