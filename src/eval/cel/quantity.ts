/**
 * Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`) as exact rationals, for the CEL quantity
 * library: comparisons and arithmetic never lose precision the way floats would.
 */
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SHAPE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
}

export class Quantity {
  /** value = num / den, den > 0, reduced. */
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint) {
    const g = gcd(num, den) || 1n;
    this.num = num / g;
    this.den = den / g;
  }

  /** The quantity a string denotes, or undefined when Kubernetes would reject it. */
  static parse(text: string): Quantity | undefined {
    const m = SHAPE.exec(text);
    if (!m) return undefined;
    const [, sign, digits, suffix = ''] = m;
    const [whole, frac = ''] = digits!.split('.');
    let num = BigInt((whole || '0') + frac) * (sign === '-' ? -1n : 1n);
    let den = pow10(frac.length);
    if (suffix in BINARY) num *= BINARY[suffix]!;
    else {
      const exp = suffix in DECIMAL ? DECIMAL[suffix]! : Number(suffix.slice(1));
      if (Math.abs(exp) > 1000) return undefined;
      if (exp >= 0) num *= pow10(exp);
      else den *= pow10(-exp);
    }
    return new Quantity(num, den);
  }

  compare(o: Quantity): number {
    const l = this.num * o.den;
    const r = o.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  add(o: Quantity): Quantity {
    return new Quantity(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  negate(): Quantity {
    return new Quantity(-this.num, this.den);
  }

  sign(): number {
    return this.num > 0n ? 1 : this.num < 0n ? -1 : 0;
  }

  isInteger(): boolean {
    return this.num % this.den === 0n;
  }

  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }
}
