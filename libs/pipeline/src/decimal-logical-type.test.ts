import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { Decimal } from '@candlestream/market';
import { SerdeError } from '@candlestream/kafka';
import { bigIntToBytes, bytesToBigInt, LOGICAL_TYPES } from './decimal-logical-type.js';

describe('Avro decimal <-> Decimal', () => {
  it('round-trips two-complement bytes at every length boundary', () => {
    for (const v of [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, -32768n, -32769n, 10n ** 37n, -(10n ** 37n)]) {
      expect(bytesToBigInt(bigIntToBytes(v))).toBe(v);
    }
    expect(bigIntToBytes(128n).toString('hex')).toBe('0080');
    expect(bigIntToBytes(-128n).toString('hex')).toBe('80');
  });

  it('gives the same bytes on the number path and the bigint path, around 2^53 and for random values', () => {
    const slow = (v: bigint): string => {
      let n = 1;
      while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++;
      return (v < 0n ? (1n << BigInt(8 * n)) + v : v).toString(16).padStart(2 * n, '0');
    };
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const values = [safe, safe - 1n, safe + 1n, -safe, -safe - 1n, 2n ** 55n, -(2n ** 55n), 2n ** 56n - 1n, 0x1fffffffffffffn, 0x20000000000000n];
    for (let i = 0; i < 2000; i++) values.push(BigInt(Math.floor((Math.random() - 0.5) * 2 ** (1 + (i % 60)))));
    for (const v of values) {
      expect(bigIntToBytes(v).toString('hex'), String(v)).toBe(slow(v));
      expect(bytesToBigInt(Buffer.from(slow(v), 'hex')), String(v)).toBe(v);
    }
  });

  const type = avro.Type.forSchema(
    { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 4 } as avro.Schema,
    { logicalTypes: LOGICAL_TYPES },
  );

  it('keeps values exact at the schema scale', () => {
    const d = Decimal.parse('-4261.48');
    const back = type.fromBuffer(type.toBuffer(d)) as Decimal;
    expect(back.toFixed()).toBe('-4261.4800');
    expect(back.equals(d)).toBe(true);
  });

  it('refuses values that would lose digits or overflow the precision', () => {
    expect(() => type.toBuffer(Decimal.parse('0.00001'))).toThrow(SerdeError);
    expect(() => type.toBuffer(Decimal.parse('100000000'))).toThrow(SerdeError);
    expect(() => type.toBuffer(1.5)).toThrow(SerdeError);
  });
});
