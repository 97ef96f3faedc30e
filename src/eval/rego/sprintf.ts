/**
 * OPA's `sprintf`: Go's fmt.Sprintf on the arguments as OPA hands them over: an integral number
 * as a Go int, another number as a float64, a string as a string, and any other value as the text
 * OPA prints for it (`["a", 1]`, `{"k": true}`, `true`), a string too. Verbs, flags, width and
 * precision follow Go, and so do the `%!d(string=x)`, `%!v(MISSING)` and `%!(EXTRA …)` markers.
 */
import { formatValue, type Value } from './value';

type GoArg = { type: 'int' | 'float64' | 'string'; value: number | string };

function goArg(v: Value): GoArg {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float64', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  return { type: 'string', value: formatValue(v) };
}

interface Spec {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  space: boolean;
  sharp: boolean;
  width?: number;
  prec?: number;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  const fill = spec.width - s.length;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

function signed(s: string, n: number, spec: Spec): string {
  if (n >= 0 && !Object.is(n, -0)) return spec.plus ? `+${s}` : spec.space ? ` ${s}` : s;
  return s;
}

/**
 * Go's %g / %v for float64. Without a precision: the shortest digits, in exponent form when the
 * exponent is below -4 or at least 6 (or the digit count, when that is smaller and the number has
 * no trailing integer zeros), as strconv.FormatFloat(f, 'g', -1, 64) decides.
 */
function goFloatG(n: number, prec?: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (prec === undefined) {
    const [mantissa, e] = n.toExponential().split('e') as [string, string];
    const exp = Number(e);
    const digits = mantissa.replace(/^-/, '').replace('.', '').length;
    const eprec = 6 > digits && digits >= exp + 1 ? digits : 6;
    return exp < -4 || exp >= eprec ? goExp(n.toExponential()) : String(n);
  }
  const p = prec === 0 ? 1 : prec;
  const rounded = Number(n.toPrecision(p));
  const exp = rounded === 0 ? 0 : Math.floor(Math.log10(Math.abs(rounded)));
  return exp < -4 || exp >= p ? goExp(rounded.toExponential()) : String(rounded);
}

/** JavaScript's 1e+21 / 1.5e-7 exponent as Go writes it: at least two digits. */
function goExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function quote(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\x7f');
}

function formatOne(verb: string, arg: GoArg, spec: Spec): string | undefined {
  const { type, value } = arg;
  if (type === 'string') {
    const s = value as string;
    switch (verb) {
      case 'v':
      case 's':
        return pad(spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s, spec, false);
      case 'q':
        return pad(quote(s), spec, false);
      case 'x':
      case 'X': {
        const hex = Buffer.from(s, 'utf8').toString('hex');
        return pad(verb === 'X' ? hex.toUpperCase() : hex, spec, false);
      }
      default:
        return undefined;
    }
  }
  const n = value as number;
  if (type === 'int') {
    switch (verb) {
      case 'v':
      case 'd':
        return pad(signed(String(n), n, spec), spec, true);
      case 'b':
        return pad(signed(n.toString(2), n, spec), spec, true);
      case 'o':
        return pad(signed((spec.sharp ? '0' : '') + n.toString(8), n, spec), spec, true);
      case 'x':
      case 'X': {
        const h = (n < 0 ? '-' : '') + (spec.sharp ? '0x' : '') + Math.abs(n).toString(16);
        return pad(signed(verb === 'X' ? h.toUpperCase() : h, n, spec), spec, true);
      }
      case 'c':
        return pad(String.fromCodePoint(n), spec, false);
      case 'q':
        return pad(`'${String.fromCodePoint(n)}'`, spec, false);
      default:
        return undefined;
    }
  }
  switch (verb) {
    case 'v':
    case 'g':
      return pad(signed(goFloatG(n, spec.prec), n, spec), spec, true);
    case 'f':
    case 'F':
      return pad(signed(n.toFixed(spec.prec ?? 6), n, spec), spec, true);
    case 'e':
    case 'E': {
      const e = goExp(n.toExponential(spec.prec ?? 6));
      return pad(signed(verb === 'E' ? e.toUpperCase() : e, n, spec), spec, true);
    }
    default:
      return undefined;
  }
}

function describe(arg: GoArg): string {
  const shown = arg.type === 'float64' ? goFloatG(arg.value as number) : String(arg.value);
  return `${arg.type}=${shown}`;
}

export function sprintf(format: string, values: Value[]): string {
  const args = values.map(goArg);
  let out = '';
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, zero: false, space: false, sharp: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '0') spec.zero = true;
      else if (f === ' ') spec.space = true;
      else if (f === '#') spec.sharp = true;
      else break;
    }
    const width = /^\d+/.exec(format.slice(i));
    if (width) {
      spec.width = Number(width[0]);
      i += width[0].length;
    }
    if (format[i] === '.') {
      i++;
      const prec = /^\d*/.exec(format.slice(i))![0];
      spec.prec = Number(prec || '0');
      i += prec.length;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = format[i++]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[next++]!;
    out += formatOne(verb, arg, spec) ?? `%!${verb}(${describe(arg)})`;
  }
  if (next < args.length) out += `%!(EXTRA ${args.slice(next).map(describe).join(', ')})`;
  return out;
}
