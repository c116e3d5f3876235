import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AvroKind } from './avro-kind.js';
import { CANDLE_FIELDS, PRICE_SCALE, QUOTE_SCALE } from './candle.js';
import { TRADE_FIELDS } from './trade.js';

interface AvscField {
  name: string;
  type: unknown;
}

function readFields(name: 'trade' | 'candle'): AvscField[] {
  const url = new URL(`../../../schemas/${name}.avsc`, import.meta.url);
  const schema = JSON.parse(readFileSync(url, 'utf8')) as { fields: AvscField[] };
  return schema.fields;
}

/** The kind of an .avsc field type, in the vocabulary of `AvroKind`; anything else fails the test. */
function kindOf(field: AvscField): AvroKind {
  const t = field.type;
  if (t === 'string' || t === 'long' || t === 'boolean') return t;
  if (typeof t === 'object' && t !== null) {
    const o = t as Record<string, unknown>;
    if (o.type === 'long' && o.logicalType === 'timestamp-millis') return 'timestamp-millis';
    if (o.type === 'bytes' && o.logicalType === 'decimal') {
      const kind = `decimal(${String(o.precision)},${String(o.scale)})`;
      if (kind === 'decimal(38,10)' || kind === 'decimal(38,20)') return kind;
    }
  }
  throw new Error(`field ${field.name}: type ${JSON.stringify(t)} has no AvroKind; extend AvroKind and the record`);
}

function avscKinds(name: 'trade' | 'candle'): Record<string, AvroKind> {
  return Object.fromEntries(readFields(name).map((f) => [f.name, kindOf(f)]));
}

describe('TS records match the Avro schemas', () => {
  it('Trade has exactly the fields and kinds of trade.avsc', () => {
    const avsc = avscKinds('trade');
    expect(Object.keys(TRADE_FIELDS).sort()).toEqual(Object.keys(avsc).sort());
    expect({ ...TRADE_FIELDS }).toEqual(avsc);
  });

  it('Candle has exactly the fields and kinds of candle.avsc', () => {
    const avsc = avscKinds('candle');
    expect(Object.keys(CANDLE_FIELDS).sort()).toEqual(Object.keys(avsc).sort());
    expect({ ...CANDLE_FIELDS }).toEqual(avsc);
  });

  it('the aggregator scales are the schema scales', () => {
    const avsc = avscKinds('candle');
    expect(avsc.open).toBe(`decimal(38,${PRICE_SCALE})`);
    expect(avsc.volume).toBe(`decimal(38,${PRICE_SCALE})`);
    expect(avsc.quoteVolume).toBe(`decimal(38,${QUOTE_SCALE})`);
    expect(QUOTE_SCALE).toBe(2 * PRICE_SCALE);
  });
});
