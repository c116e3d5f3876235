import { describe, expect, it } from 'vitest';
import { comparePositions, describePosition, isBefore, parsePosition, PositionCheckpoints, START, type ReplayPosition } from './positions.js';

describe('replay positions', () => {
  it('orders by pass, then input, then line', () => {
    const p = (pass: number, input: number, line: number): ReplayPosition => ({ pass, input, line });
    const sorted = [p(0, 0, 0), p(0, 0, 5), p(0, 1, 1), p(0, 1, 9), p(1, 0, 2), p(2, 0, 0)];
    for (const [i, a] of sorted.entries()) {
      for (const [j, b] of sorted.entries()) {
        expect(Math.sign(comparePositions(a, b)), `${i} vs ${j}`).toBe(Math.sign(i - j));
        expect(isBefore(a.pass, a.input, a.line, b), `${i} before ${j}`).toBe(i < j);
      }
    }
    // A line is "before" a position when everything up to it is committed: the position's own line is not.
    expect(isBefore(0, 1, 9, p(0, 1, 10))).toBe(true);
    expect(isBefore(0, 1, 10, p(0, 1, 10))).toBe(false);
    expect(isBefore(0, 1, 1, p(1, 0, 0))).toBe(true);
  });

  it('parses position records and describes them for the banner', () => {
    expect(parsePosition(Buffer.from('{"pass":1,"input":0,"line":42}'))).toEqual({ pass: 1, input: 0, line: 42 });
    for (const bad of ['nope', '{"pass":-1,"input":0,"line":1}', '{"pass":1}', '[]']) expect(parsePosition(bad)).toBeUndefined();
    expect(parsePosition(null)).toBeUndefined();
    expect(describePosition(undefined)).toBe('starting from the beginning');
    expect(describePosition(START)).toBe('starting from the beginning');
    expect(describePosition({ pass: 1, input: 0, line: 42 })).toBe('resuming at pass 1, input 0, line 42');
  });

  it('commits when the interval has passed, only what is new, and before a wait that would make one due', async () => {
    let now = 1000;
    const written: ReplayPosition[] = [];
    const c = new PositionCheckpoints(100, async (pos) => void written.push(pos), { pass: 0, input: 0, line: 7 }, () => now);
    expect(c.pending).toBe(false);
    await c.commit();
    expect(written).toEqual([]); // the resume position is already committed
    expect(c.advance(0, 0, 8)).toBe(false);
    expect(c.pending).toBe(true);
    expect(c.dueWithin(50)).toBe(false);
    expect(c.dueWithin(100)).toBe(true);
    now += 100;
    expect(c.advance(0, 0, 9)).toBe(true);
    await c.commit();
    expect(written).toEqual([{ pass: 0, input: 0, line: 9 }]);
    expect(c.pending).toBe(false);
    expect(c.dueWithin(1000)).toBe(false);
    now += 500;
    await c.commit();
    expect(c.commits).toBe(1);
  });
});
