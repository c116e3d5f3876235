import { describe, expect, it } from 'vitest';
import { MalformedMessageError, guardParse, positiveDecimal } from './message-fields.js';

describe('guardParse', () => {
  it('turns a MalformedMessageError into its reason, and any other error into parser-error', () => {
    const throwing = (error: Error) => () => {
      throw error;
    };
    expect(guardParse('x', throwing(new MalformedMessageError('missing-field:p')))).toEqual({
      kind: 'malformed',
      reason: 'missing-field:p',
    });
    expect(guardParse('x', throwing(new TypeError('a bug')))).toEqual({ kind: 'malformed', reason: 'parser-error' });
    expect(guardParse('x', () => ({ kind: 'ignored', reason: 'heartbeat' }))).toEqual({ kind: 'ignored', reason: 'heartbeat' });
  });
});

describe('positiveDecimal', () => {
  const reason = (text: string): string => {
    try {
      return positiveDecimal(text, 'p').toFixed();
    } catch (e) {
      return (e as MalformedMessageError).reason;
    }
  };

  it('keeps what the schema (decimal(38,10)) holds exactly, as sent', () => {
    expect(reason('61837.63000000')).toBe('61837.63000000');
    expect(reason('0.0000000001')).toBe('0.0000000001');
    expect(reason('1.00000000000')).toBe('1.00000000000'); // 11 decimals, but the 11th is zero
    expect(reason('9'.repeat(28))).toBe('9'.repeat(28));
  });

  it('names what it refuses', () => {
    expect(reason('abc')).toBe('bad-decimal:p');
    expect(reason('')).toBe('bad-decimal:p');
    expect(reason('0.00000000001')).toBe('out-of-range:p');
    expect(reason('1'.repeat(29))).toBe('out-of-range:p');
    expect(reason('0')).toBe('non-positive:p');
    expect(reason('-0.5')).toBe('non-positive:p');
  });
});
