import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonSyntaxError, parseLosslessJson } from './lossless-json.js';

describe('parseLosslessJson', () => {
  it('parses what JSON.parse parses, with numbers as their literal text', () => {
    const v = parseLosslessJson(' {"a":[1,-0.50,2e-7,1E+3,true,false,null],"b":{"c":"x\\"y\\u00e9\\n"},"d":[],"e":{}} ');
    expect(JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof JsonNumber ? `#${x.text}` : x)))).toEqual({
      a: ['#1', '#-0.50', '#2e-7', '#1E+3', true, false, null],
      b: { c: 'x"yé\n' },
      d: [],
      e: {},
    });
  });

  it('keeps digits a double would lose', () => {
    const v = parseLosslessJson('{"qty":12345678901234567890.123456789}') as { qty: JsonNumber };
    expect(v.qty.text).toBe('12345678901234567890.123456789');
  });

  it('treats __proto__ as an ordinary key', () => {
    const v = parseLosslessJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects what is not JSON, and nesting deeper than 64', () => {
    const bad = ['', '{', '[1,]', '{"a":1,}', '{a:1}', '01', '+1', '.5', '1.', '-', '"\u0001"', '"abc', '"\\x"', 'tru', 'nul', '[1 2]', '{"a" 1}', '1 2'];
    for (const text of bad) expect(() => parseLosslessJson(text), text).toThrow(JsonSyntaxError);
    expect(() => parseLosslessJson('['.repeat(66) + ']'.repeat(66))).toThrow(/nested too deeply/);
    expect(parseLosslessJson('['.repeat(60) + ']'.repeat(60))).toBeInstanceOf(Array);
  });
});
