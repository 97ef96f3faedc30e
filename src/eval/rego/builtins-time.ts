/** OPA's units, semver and time built-ins. */
import { BuiltinError, int, num, str, type Builtin } from './operands';
import type { Value } from './value';

// ------------------------------------------------------------------ units

const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15, e: 1e18 };
const BINARY: Record<string, number> = { ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40, pi: 2 ** 50, ei: 2 ** 60 };

function amountAndUnit(raw: string, fn: string): { amount: number; unit: string } {
  const s = raw.replace(/"/g, '');
  if (s.includes(' ')) throw new BuiltinError(`${fn}: spaces not allowed in resource strings`);
  const m = /^([0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?)(.*)$/.exec(s)!;
  if (m[1] === '' || m[1] === '.') throw new BuiltinError(`${fn}: no amount provided`);
  return { amount: Number(m[1]), unit: m[2]! };
}

/** units.parse: SI and binary suffixes; `m` is milli, `M` mega, otherwise case-insensitive. */
function unitsParse(raw: string): number {
  const { amount, unit } = amountAndUnit(raw, 'units.parse');
  if (unit === '') return amount;
  if (unit === 'm') return amount / 1000;
  if (unit === 'M') return amount * 1e6;
  const u = unit.toLowerCase();
  const factor = (u !== 'm' && DECIMAL[u]) || BINARY[u];
  if (!factor) throw new BuiltinError(`units.parse: unknown unit ${unit}`);
  return amount * factor;
}

/** units.parse_bytes: case-insensitive, `K`/`KB` decimal, `Ki`/`KiB` binary; whole bytes. */
function unitsParseBytes(raw: string): number {
  const { amount, unit } = amountAndUnit(raw, 'units.parse_bytes');
  const u = unit.toLowerCase().replace(/b$/, '');
  const factor = u === '' ? 1 : DECIMAL[u] ?? BINARY[u];
  if (!factor) throw new BuiltinError(`units.parse_bytes: unknown unit ${unit}`);
  return Math.trunc(amount * factor);
}

// ------------------------------------------------------------------ semver

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function parseSemver(s: string): SemVer | undefined {
  const m = SEMVER.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [] } : undefined;
}

/** SemVer 2.0 precedence; build metadata is ignored. */
function compareSemver(a: SemVer, b: SemVer): number {
  const core = Math.sign(a.major - b.major) || Math.sign(a.minor - b.minor) || Math.sign(a.patch - b.patch);
  if (core) return core;
  if (!a.pre.length || !b.pre.length) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (xn !== yn) return xn ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

function semver(v: Value | undefined): SemVer {
  const p = parseSemver(str(v));
  if (!p) throw new BuiltinError(`semver: ${JSON.stringify(v)} is not a valid SemVer`);
  return p;
}

// ------------------------------------------------------------------ time

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration: `1h30m`, `-1.5s`, `300ms`, `0`. */
function parseDuration(s: string): number {
  const m = /^([+-]?)(.*)$/.exec(s)!;
  if (m[2] === '0') return 0;
  const parts = [...m[2]!.matchAll(/(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== m[2]) throw new BuiltinError(`time: invalid duration ${JSON.stringify(s)}`);
  const total = parts.reduce((acc, p) => acc + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
  return m[1] === '-' ? -total : total;
}

function parseRFC3339(s: string): number {
  if (!/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s)) throw new BuiltinError(`time.parse_rfc3339_ns: cannot parse ${JSON.stringify(s)}`);
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new BuiltinError(`time.parse_rfc3339_ns: cannot parse ${JSON.stringify(s)}`);
  const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
  const subMs = Number((frac.slice(3, 9) || '0').padEnd(6, '0')); // nanoseconds below the millisecond
  return ms * 1e6 + subMs;
}

/** A `ns` or `[ns, "UTC"]` operand (only UTC is known to polcov). */
function instant(v: Value | undefined): Date {
  const ns = Array.isArray(v) ? num(v[0]) : num(v);
  if (Array.isArray(v) && v[1] !== 'UTC' && v[1] !== '') throw new BuiltinError('time: only the UTC time zone is supported by polcov');
  return new Date(Math.floor(ns / 1e6));
}

export const TIME_AND_UNITS_BUILTINS: Record<string, Builtin> = {
  'units.parse': (a) => unitsParse(str(a[0])),
  'units.parse_bytes': (a) => unitsParseBytes(str(a[0])),
  'semver.is_valid': (a) => typeof a[0] === 'string' && parseSemver(a[0]) !== undefined,
  'semver.compare': (a) => compareSemver(semver(a[0]), semver(a[1])),
  'time.now_ns': (_a, ctx) => ctx.nowNs,
  'time.parse_duration_ns': (a) => parseDuration(str(a[0])),
  'time.parse_rfc3339_ns': (a) => parseRFC3339(str(a[0])),
  'time.date': (a) => {
    const d = instant(a[0]);
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  },
  'time.clock': (a) => {
    const d = instant(a[0]);
    return [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  },
  'time.weekday': (a) => ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][instant(a[0]).getUTCDay()]!,
  'time.add_date': (a) => {
    const d = instant(a[0]);
    const sub = num(a[0]) % 1e6;
    d.setUTCFullYear(d.getUTCFullYear() + int(a[1]), d.getUTCMonth() + int(a[2]), d.getUTCDate() + int(a[3]));
    return d.getTime() * 1e6 + sub;
  },
};
