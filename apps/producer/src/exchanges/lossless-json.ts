/**
 * A JSON parser that keeps each number as its literal text. Kraken's v2 feed sends prices and
 * quantities as JSON numbers (`"qty":1136.19677815`); `JSON.parse` would turn them into doubles, and
 * a double only gives the same decimal back for up to 15 significant digits (a BTC quantity like
 * 12345678.12345678 has 16). Reading the literal text keeps them exact. (`JSON.parse`'s reviver
 * source text, which would do this natively, is not in Node 20.)
 */

/** A JSON number as written in the frame. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type LosslessValue = null | boolean | string | JsonNumber | LosslessValue[] | LosslessObject;
export interface LosslessObject {
  [key: string]: LosslessValue;
}

/** Not JSON, or nested deeper than `MAX_DEPTH`. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

/** Exchange frames nest a few levels; a deeper one is hostile and would exhaust the stack. */
const MAX_DEPTH = 64;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const LITERALS: readonly (readonly [string, LosslessValue])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];

export function parseLosslessJson(text: string): LosslessValue {
  let pos = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos);
  };
  const skipWhitespace = (): void => {
    while (pos < text.length && WHITESPACE.has(text[pos] as string)) pos++;
  };
  const expect = (literal: string): void => {
    if (!text.startsWith(literal, pos)) fail(`expected ${literal}`);
    pos += literal.length;
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let escaped = false;
    for (; pos < text.length; pos++) {
      const code = text.charCodeAt(pos);
      if (code === 0x22) {
        pos++;
        const literal = text.slice(start, pos);
        // Escapes are rare in exchange frames; JSON.parse decodes them exactly when present.
        if (!escaped) return literal.slice(1, -1);
        try {
          return JSON.parse(literal) as string;
        } catch {
          return fail('bad string escape');
        }
      }
      if (code < 0x20) fail('control character in string');
      if (code === 0x5c) {
        escaped = true;
        pos++; // skip the escaped character; JSON.parse validates the escape
      }
    }
    return fail('unterminated string');
  };

  const parseValue = (depth: number): LosslessValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    skipWhitespace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: LosslessObject = Object.create(null) as LosslessObject;
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipWhitespace();
        if (text[pos] !== '"') fail('expected a key');
        const key = parseString();
        skipWhitespace();
        expect(':');
        obj[key] = parseValue(depth + 1);
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect('}');
        return obj;
      }
    }
    if (c === '[') {
      pos++;
      const arr: LosslessValue[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect(']');
        return arr;
      }
    }
    if (c === '"') return parseString();
    for (const [literal, value] of LITERALS) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return value;
      }
    }
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail('unexpected character');
    pos += m[0].length;
    return new JsonNumber(m[0]);
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) fail('unexpected text after the value');
  return value;
}
