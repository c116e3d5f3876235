import avro from 'avsc';
import { Decimal } from '@candlestream/market';
import { SerdeError } from '@candlestream/kafka';

/**
 * Avro `decimal` (bytes: two's-complement big-endian unscaled value) <-> our exact `Decimal`.
 * A value with more fractional digits than the schema's scale, or more digits than its precision,
 * is refused: silently rounding a price or a volume is exactly what this pipeline must not do.
 */
export class DecimalLogicalType extends avro.types.LogicalType {
  private readonly scale: number;
  private readonly limit: bigint;

  constructor(schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts);
    const s = schema as { scale?: number; precision?: number };
    this.scale = s.scale ?? 0;
    this.limit = 10n ** BigInt(s.precision ?? 38);
  }

  protected override _fromValue(val: unknown): Decimal {
    return new Decimal(bytesToBigInt(val as Buffer), this.scale);
  }

  protected override _toValue(val: unknown): Buffer {
    if (!(val instanceof Decimal)) throw new SerdeError(`expected a Decimal, got ${typeof val}`, 'not-a-decimal');
    let units: bigint;
    try {
      units = val.unitsAt(this.scale);
    } catch (err) {
      throw new SerdeError(`${val.toString()} has more than ${this.scale} decimals`, 'decimal-scale', err);
    }
    if (units >= this.limit || units <= -this.limit) {
      throw new SerdeError(`${val.toString()} exceeds the schema's precision`, 'decimal-precision');
    }
    return bigIntToBytes(units);
  }

  protected override _resolve(type: avro.Type): ((v: unknown) => unknown) | undefined {
    if (type instanceof DecimalLogicalType && type.scale === this.scale) return (v) => v;
    return undefined;
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Two's-complement big-endian bytes <-> bigint. Every trade carries two decimals and every candle a
 * dozen, so values that fit a double exactly (|v| < 2^53: prices and quantities at scale 10 up to
 * about 900,000) take a path on plain numbers; wider ones go through bigint.
 */
export function bytesToBigInt(buf: Buffer): bigint {
  const len = buf.length;
  if (len === 0) return 0n;
  const top = buf[0]!;
  if (len < 7 || (len === 7 && top < 0x20)) {
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + buf[i]!;
    if (top & 0x80) v -= 2 ** (8 * len);
    return BigInt(v);
  }
  let v = BigInt(`0x${buf.toString('hex')}`);
  if (top & 0x80) v -= 1n << BigInt(len * 8);
  return v;
}

export function bigIntToBytes(v: bigint): Buffer {
  if (v <= SAFE && v >= -SAFE) {
    let n = Number(v);
    let len = 1;
    while (n >= 2 ** (8 * len - 1) || n < -(2 ** (8 * len - 1))) len++;
    const out = Buffer.allocUnsafe(len);
    for (let i = len - 1; i >= 0; i--) {
      // Floor division by 256 keeps negative numbers in two's complement, byte by byte, exactly.
      const b = ((n % 256) + 256) % 256;
      out[i] = b;
      n = (n - b) / 256;
    }
    return out;
  }
  let n = 1;
  while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++;
  const unsigned = v < 0n ? (1n << BigInt(8 * n)) + v : v;
  return Buffer.from(unsigned.toString(16).padStart(2 * n, '0'), 'hex');
}

export const LOGICAL_TYPES = { decimal: DecimalLogicalType };
