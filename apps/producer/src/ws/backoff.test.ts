import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap, each delay jittered within [d/2, d]', () => {
    for (const r of [0, 0.5, 0.999]) {
      const b = new Backoff(100, 1000, () => r);
      const delays = Array.from({ length: 7 }, () => b.next());
      const caps = [100, 200, 400, 800, 1000, 1000, 1000];
      delays.forEach((d, i) => {
        const cap = caps[i] as number;
        expect(d).toBeGreaterThanOrEqual(cap / 2);
        expect(d).toBeLessThanOrEqual(cap);
      });
    }
    expect(Array.from({ length: 4 }, ((b) => () => b.next())(new Backoff(100, 1000, () => 1)))).toEqual([100, 200, 400, 800]);
  });

  it('starts over after reset and counts attempts', () => {
    const b = new Backoff(100, 10_000, () => 1);
    b.next();
    b.next();
    expect(b.attempts).toBe(2);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(100);
  });

  it('never overflows after many attempts', () => {
    const b = new Backoff(500, 30_000, () => 1);
    for (let i = 0; i < 2000; i++) b.next();
    expect(b.next()).toBe(30_000);
  });
});
