import { DecimalError } from './errors.js';

const DECIMAL_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

export type Rounding = 'half-even' | 'exact';

/**
 * An exact decimal: `units / 10^scale`. Prices and quantities arrive as decimal strings and must stay
 * exact (sums of floats drift from the exchange's own klines), so every arithmetic path here is on
 * bigint. Values compare by numeric value, whatever their scales.
 */
export class Decimal {
  static readonly ZERO = new Decimal(0n, 0);

  constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {
    if (!Number.isInteger(scale) || scale < 0) throw new DecimalError(`scale must be a non-negative integer, got ${scale}`);
  }

  /** Parses a decimal string exactly: `123`, `-0.00100000`, `.5`, `1.5e-7`. */
  static parse(text: string): Decimal {
    const m = DECIMAL_RE.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      throw new DecimalError(`not a decimal number: ${JSON.stringify(text)}`, text);
    }
    const sign = m[1] === '-' ? -1n : 1n;
    const intPart = m[2] ?? '';
    const fracPart = m[3] ?? '';
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    let scale = fracPart.length - exp;
    let units = BigInt((intPart + fracPart) || '0');
    if (scale < 0) {
      units *= pow10(-scale);
      scale = 0;
    }
    return new Decimal(sign * units, scale);
  }

  /** From a JS number via its shortest round-trip text (exchanges that send JSON numbers, e.g. Kraken v2). */
  static fromNumber(n: number): Decimal {
    if (!Number.isFinite(n)) throw new DecimalError(`not a finite number: ${n}`);
    return Decimal.parse(String(n));
  }

  static fromUnits(units: bigint, scale: number): Decimal {
    return new Decimal(units, scale);
  }

  /** The same value at `scale` decimals; `exact` (the default) refuses to drop non-zero digits. */
  rescale(scale: number, rounding: Rounding = 'exact'): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.units * pow10(scale - this.scale), scale);
    const divisor = pow10(this.scale - scale);
    const q = this.units / divisor;
    const r = this.units % divisor;
    if (r === 0n) return new Decimal(q, scale);
    if (rounding === 'exact') {
      throw new DecimalError(`${this.toString()} has more than ${scale} decimals`, this.toString());
    }
    return new Decimal(roundHalfEven(q, r, divisor), scale);
  }

  /** Units of this value at `scale` (exact). The hot paths of aggregations keep fixed-scale bigints. */
  unitsAt(scale: number): bigint {
    return this.rescale(scale).units;
  }

  add(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.unitsAt(s) + o.unitsAt(s), s);
  }

  sub(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.unitsAt(s) - o.unitsAt(s), s);
  }

  mul(o: Decimal): Decimal {
    return new Decimal(this.units * o.units, this.scale + o.scale);
  }

  /** this / o rounded half-even to `scale` decimals. */
  div(o: Decimal, scale: number): Decimal {
    if (o.units === 0n) throw new DecimalError('division by zero');
    // this/o = (a/10^sa) / (b/10^sb); scaled to 10^scale: a * 10^(scale + sb - sa) / b
    const shift = scale + o.scale - this.scale;
    let num = this.units;
    let den = o.units;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const q = num / den;
    const r = num % den;
    return new Decimal(r === 0n ? q : roundHalfEven(q, r, den), scale);
  }

  compare(o: Decimal): -1 | 0 | 1 {
    const s = Math.max(this.scale, o.scale);
    const a = this.unitsAt(s);
    const b = o.unitsAt(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Decimal): boolean {
    return this.compare(o) === 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  /** Plain notation with exactly `scale` decimals (no exponent). */
  toFixed(scale: number = this.scale): string {
    const d = scale >= this.scale ? this.rescale(scale) : this.rescale(scale, 'half-even');
    const neg = d.units < 0n;
    const digits = (neg ? -d.units : d.units).toString().padStart(scale + 1, '0');
    const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return neg ? `-${body}` : body;
  }

  /** Plain notation without trailing fractional zeros: the canonical text of the value. */
  toString(): string {
    const s = this.toFixed();
    return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  }

  toJSON(): string {
    return this.toString();
  }

  /** For display and statistics only (indicators, charts); never for sums that must be exact. */
  toNumber(): number {
    return Number(this.toString());
  }
}

/** q + (0 or ±1) for the remainder r of a division by d (|r| < |d|, d > 0), rounding half to even. */
function roundHalfEven(q: bigint, r: bigint, d: bigint): bigint {
  const twice = (r < 0n ? -r : r) * 2n;
  const step = r < 0n ? -1n : 1n;
  if (twice > d) return q + step;
  if (twice < d) return q;
  return q % 2n === 0n ? q : q + step;
}
