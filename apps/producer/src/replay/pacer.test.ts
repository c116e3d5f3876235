import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

describe('Pacer', () => {
  it('releases trades at the pace of their own times, times the speed', () => {
    const p = new Pacer(1);
    expect(p.delay(1_000_000, 50)).toBe(0); // the first trade sets the clock
    expect(p.delay(1_000_250, 50)).toBe(250);
    expect(p.delay(1_000_250, 400)).toBe(-100); // late: release now
    const x10 = new Pacer(10);
    x10.delay(0, 0);
    expect(x10.delay(60_000, 0)).toBe(6000);
  });

  it('never waits as fast as possible, and restarts its clock on reset', () => {
    const max = new Pacer(Infinity);
    expect(max.paced).toBe(false);
    expect(max.delay(0, 0) + max.delay(1e12, 0)).toBe(0);
    const p = new Pacer(1);
    p.delay(100, 0);
    p.reset();
    expect(p.delay(5_000_000, 10)).toBe(0);
  });
});
