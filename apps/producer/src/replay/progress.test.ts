import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress } from './progress.js';

describe('progress line', () => {
  it('shows percentage, trades, rate and ETA from recent samples', () => {
    const line = formatProgress({ bytesDone: 250, bytesTotal: 1000, trades: 25_000, pass: 0, passes: 2 }, [
      { t: 0, trades: 0, bytes: 0 },
      { t: 1000, trades: 25_000, bytes: 250 },
    ], 100);
    expect(line).toMatch(/^\[#+\.+\]\s+25\.0% 25,000 trades {2}25\.0k\/s {2}ETA 00:03 {2}pass 1\/2$/);
    expect(formatProgress({ bytesDone: 1, bytesTotal: Infinity, trades: 5, pass: 4, passes: Infinity }, [], 80)).toBe('5 trades  0/s  ETA --:--  pass 5');
    expect([formatDuration(59.6), formatDuration(3725)]).toEqual(['01:00', '1:02:05']);
  });
});
