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

export function bytesToBigInt(buf: Buffer): bigint {
  if (buf.length === 0) return 0n;
  let v = BigInt(`0x${buf.toString('hex')}`);
  if ((buf[0] ?? 0) & 0x80) v -= 1n << BigInt(buf.length * 8);
  return v;
}

export function bigIntToBytes(v: bigint): Buffer {
  let n = 1;
  while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++;
  const unsigned = v < 0n ? (1n << BigInt(8 * n)) + v : v;
  return Buffer.from(unsigned.toString(16).padStart(2 * n, '0'), 'hex');
}

export const LOGICAL_TYPES = { decimal: DecimalLogicalType };
