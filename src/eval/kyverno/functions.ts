/**
 * Kyverno's custom JMESPath functions (https://kyverno.io/docs/writing-policies/jmespath/), written
 * from their documented behaviour. Each throws on bad arguments, as Kyverno's do, so a rule using
 * one wrongly ends in `error`, never in a pass.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { parse as parseYaml } from '../../yaml-lib';
import { re2 } from '../rego/regex';
import { imageInfo } from './image';
import { compareSemver, formatDuration, isMap, parseDuration, parseQuantity, parseSemver, wildcardMatch, type SemVer } from './values';

export interface KyvernoFunction {
  /** Number of arguments, and how many of them are required. */
  length: number;
  required: number;
  call(args: unknown[]): unknown;
}

const fn = (length: number, call: (args: unknown[]) => unknown, required = length): KyvernoFunction => ({ length, required, call });

function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new Error(`invalid type for ${name}: expected string`);
  return v;
}
function num(v: unknown, name: string): number {
  if (typeof v !== 'number') throw new Error(`invalid type for ${name}: expected number`);
  return v;
}
/** Regex functions accept a number as their source and read it as text. */
const text = (v: unknown, name: string): string => (typeof v === 'number' ? String(v) : str(v, name));

/** Go RE2 semantics through the Rego evaluator's translation (flags, named groups, POSIX classes). */
const globalRegex = (pattern: string): RegExp => re2(pattern, true);

/** Go's RE2 replacement syntax (`$1`, `${name}`) in JavaScript's (`$1`, `$<name>`). */
const goReplacement = (r: string): string => r.replace(/\$\{(\d+)\}/g, '$$$1').replace(/\$\{(\w+)\}/g, '$$<$1>');

/** Go's strings.Trim: strip every leading and trailing character that is in `cutset`. */
function trimCutset(s: string, cutset: string): string {
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && cutset.includes(chars[a]!)) a++;
  while (b > a && cutset.includes(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

// ---- arithmetic: numbers, quantities ("500m") and durations ("1h") as Kyverno's arithmetic.go.

type Operand = { kind: 'number'; v: number } | { kind: 'quantity'; v: number; suffix: string } | { kind: 'duration'; v: number };

function operand(v: unknown, name: string): Operand {
  if (typeof v === 'number') return { kind: 'number', v };
  if (typeof v === 'string') {
    const q = parseQuantity(v);
    if (q !== undefined) return { kind: 'quantity', v: q, suffix: /[A-Za-z]+$/.exec(v)?.[0] ?? '' };
    const d = parseDuration(v);
    if (d !== undefined) return { kind: 'duration', v: d };
  }
  throw new Error(`invalid type for ${name}: expected number, quantity or duration`);
}

const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A quantity in the suffix of its operands when it divides exactly, else a plain number. */
function formatQuantity(v: number, suffix: string): string {
  const unit = SUFFIX[suffix];
  if (unit && Number.isInteger(Number((v / unit).toFixed(9)))) return `${Number((v / unit).toFixed(9))}${suffix}`;
  return String(Number(v.toFixed(9)));
}

function arithmetic(a: unknown, b: unknown, name: string, op: (x: number, y: number) => number): unknown {
  const x = operand(a, name);
  const y = operand(b, name);
  if (x.kind === 'number' && y.kind === 'number') return op(x.v, y.v);
  if (x.kind === 'duration' || y.kind === 'duration') {
    if (name === 'multiply' || name === 'divide' || name === 'modulo') {
      if (name === 'divide' && x.kind === 'duration' && y.kind === 'duration') return x.v / y.v;
      if (y.kind === 'number' && x.kind === 'duration') return formatDuration(op(x.v, y.v));
      if (name === 'multiply' && x.kind === 'number' && y.kind === 'duration') return formatDuration(op(x.v, y.v));
      if (name === 'modulo' && x.kind === 'duration' && y.kind === 'duration') return formatDuration(op(x.v, y.v));
    } else if (x.kind === 'duration' && y.kind === 'duration') return formatDuration(op(x.v, y.v));
    throw new Error(`invalid operands for ${name}`);
  }
  if (name === 'divide' && x.kind === 'quantity' && y.kind === 'quantity') return x.v / y.v;
  const suffix = x.kind === 'quantity' ? x.suffix : (y as { suffix?: string }).suffix ?? '';
  if ((name === 'add' || name === 'subtract') && x.kind !== y.kind) throw new Error(`invalid operands for ${name}`);
  return formatQuantity(op(x.v, y.v), suffix);
}

function divide(a: number, b: number): number {
  if (b === 0) throw new Error('Zero divisor passed');
  return a / b;
}

// ---- time: RFC 3339 timestamps.

function time(v: unknown, name: string): Date {
  const d = new Date(str(v, name));
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time for ${name}`);
  return d;
}
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z');

/** Go reference-time layouts the documented examples use, translated to a parse of `value`. */
function parseLayout(layout: string, value: string): Date {
  if (layout === '2006-01-02T15:04:05Z07:00' || layout === 'RFC3339') return time(value, 'time_parse');
  if (/^\d+$/.test(value) && layout === '1136239445') return new Date(Number(value) * 1000);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`cannot parse ${value} with layout ${layout}`);
  return d;
}

// ---- semver ranges (blang/semver): ">=1.0.0 <2.0.0 || 3.x".

function semverRange(range: string, v: SemVer): boolean {
  return range.split('||').some((alt) =>
    alt
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => {
        const m = /^(>=|<=|!=|==|=|>|<)?(.+)$/.exec(c)!;
        const target = parseSemver(m[2]!.replace(/\.[xX*]/g, '.0'));
        if (!target) throw new Error(`invalid semver range ${range}`);
        const r = compareSemver(v, target);
        switch (m[1] ?? '=') {
          case '>=':
            return r >= 0;
          case '<=':
            return r <= 0;
          case '>':
            return r > 0;
          case '<':
            return r < 0;
          case '!=':
            return r !== 0;
          default:
            return r === 0;
        }
      }),
  );
}

export const KYVERNO_FUNCTIONS: Record<string, KyvernoFunction> = {
  compare: fn(2, ([a, b]) => {
    const [x, y] = [str(a, 'compare'), str(b, 'compare')];
    return x === y ? 0 : x < y ? -1 : 1;
  }),
  equal_fold: fn(2, ([a, b]) => str(a, 'equal_fold').toLowerCase() === str(b, 'equal_fold').toLowerCase()),
  replace: fn(4, ([s, o, n, c]) => {
    const [src, old, neu, count] = [str(s, 'replace'), str(o, 'replace'), str(n, 'replace'), num(c, 'replace')];
    if (count < 0) return src.split(old).join(neu);
    let out = src;
    let from = 0;
    for (let i = 0; i < count; i++) {
      const at = out.indexOf(old, from);
      if (at < 0) break;
      out = out.slice(0, at) + neu + out.slice(at + old.length);
      from = at + neu.length;
    }
    return out;
  }),
  replace_all: fn(3, ([s, o, n]) => str(s, 'replace_all').split(str(o, 'replace_all')).join(str(n, 'replace_all'))),
  to_upper: fn(1, ([s]) => str(s, 'to_upper').toUpperCase()),
  to_lower: fn(1, ([s]) => str(s, 'to_lower').toLowerCase()),
  trim: fn(2, ([s, c]) => trimCutset(str(s, 'trim'), str(c, 'trim'))),
  trim_prefix: fn(2, ([s, p]) => {
    const [src, prefix] = [str(s, 'trim_prefix'), str(p, 'trim_prefix')];
    return src.startsWith(prefix) ? src.slice(prefix.length) : src;
  }),
  split: fn(2, ([s, sep]) => str(s, 'split').split(str(sep, 'split'))),
  regex_replace_all: fn(3, ([re, src, repl]) => text(src, 'regex_replace_all').replace(globalRegex(str(re, 'regex_replace_all')), goReplacement(text(repl, 'regex_replace_all')))),
  regex_replace_all_literal: fn(3, ([re, src, repl]) => {
    const literal = text(repl, 'regex_replace_all_literal');
    return text(src, 'regex_replace_all_literal').replace(globalRegex(str(re, 'regex_replace_all_literal')), () => literal);
  }),
  regex_match: fn(2, ([re, src]) => re2(str(re, 'regex_match')).test(text(src, 'regex_match'))),
  pattern_match: fn(2, ([p, src]) => wildcardMatch(str(p, 'pattern_match'), text(src, 'pattern_match'))),
  label_match: fn(2, ([selector, labels]) => {
    if (!isMap(selector) || !isMap(labels)) throw new Error('invalid type for label_match: expected objects');
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
  }),
  to_boolean: fn(1, ([s]) => {
    const v = str(s, 'to_boolean').toLowerCase();
    if (v !== 'true' && v !== 'false') throw new Error(`lookup: cannot convert ${v} to boolean`);
    return v === 'true';
  }),
  add: fn(2, ([a, b]) => arithmetic(a, b, 'add', (x, y) => x + y)),
  subtract: fn(2, ([a, b]) => arithmetic(a, b, 'subtract', (x, y) => x - y)),
  multiply: fn(2, ([a, b]) => arithmetic(a, b, 'multiply', (x, y) => x * y)),
  divide: fn(2, ([a, b]) => arithmetic(a, b, 'divide', divide)),
  modulo: fn(2, ([a, b]) =>
    arithmetic(a, b, 'modulo', (x, y) => {
      if (y === 0) throw new Error('Zero divisor passed');
      return x % y;
    }),
  ),
  sum: fn(1, ([list]) => {
    if (!Array.isArray(list) || list.length === 0) throw new Error('invalid type for sum: expected a non-empty array');
    return list.slice(1).reduce((acc: unknown, v) => arithmetic(acc, v, 'add', (x, y) => x + y), list[0]);
  }),
  round: fn(2, ([v, d]) => {
    const digits = num(d, 'round');
    if (!Number.isInteger(digits) || digits < 0) throw new Error('invalid precision for round');
    const f = 10 ** digits;
    return Math.round(num(v, 'round') * f) / f;
  }),
  base64_decode: fn(1, ([s]) => {
    const v = str(s, 'base64_decode');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw new Error('illegal base64 data');
    return Buffer.from(v, 'base64').toString('utf8');
  }),
  base64_encode: fn(1, ([s]) => Buffer.from(str(s, 'base64_encode'), 'utf8').toString('base64')),
  time_since: fn(3, ([layout, a, b]) => {
    const l = str(layout, 'time_since');
    const start = l ? parseLayout(l, str(a, 'time_since')) : time(a, 'time_since');
    const end = b === '' || b === null ? new Date() : l ? parseLayout(l, str(b, 'time_since')) : time(b, 'time_since');
    return formatDuration((end.getTime() - start.getTime()) * 1e6);
  }),
  time_now: fn(0, () => rfc3339(new Date())),
  time_now_utc: fn(0, () => rfc3339(new Date())),
  time_add: fn(2, ([t, d]) => {
    const ns = parseDuration(str(d, 'time_add'));
    if (ns === undefined) throw new Error('invalid duration for time_add');
    return rfc3339(new Date(time(t, 'time_add').getTime() + ns / 1e6));
  }),
  time_parse: fn(2, ([layout, v]) => rfc3339(parseLayout(str(layout, 'time_parse'), text(v, 'time_parse')))),
  time_utc: fn(1, ([t]) => rfc3339(time(t, 'time_utc'))),
  time_diff: fn(2, ([a, b]) => formatDuration((time(b, 'time_diff').getTime() - time(a, 'time_diff').getTime()) * 1e6)),
  time_before: fn(2, ([a, b]) => time(a, 'time_before').getTime() < time(b, 'time_before').getTime()),
  time_after: fn(2, ([a, b]) => time(a, 'time_after').getTime() > time(b, 'time_after').getTime()),
  time_between: fn(3, ([t, a, b]) => {
    const x = time(t, 'time_between').getTime();
    return x > time(a, 'time_between').getTime() && x < time(b, 'time_between').getTime();
  }),
  time_truncate: fn(2, ([t, d]) => {
    const ns = parseDuration(str(d, 'time_truncate'));
    if (ns === undefined || ns <= 0) throw new Error('invalid duration for time_truncate');
    const ms = time(t, 'time_truncate').getTime();
    return rfc3339(new Date(ms - (ms % (ns / 1e6))));
  }),
  time_to_cron: fn(1, ([t]) => {
    const d = time(t, 'time_to_cron');
    return `${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} ${d.getUTCDay()}`;
  }),
  path_canonicalize: fn(1, ([p]) => path.posix.normalize(str(p, 'path_canonicalize')).replace(/(.)\/$/, '$1')),
  truncate: fn(2, ([s, n]) => {
    const max = num(n, 'truncate');
    if (max < 0) throw new Error('negative length for truncate');
    return str(s, 'truncate').slice(0, max);
  }),
  semver_compare: fn(2, ([v, r]) => {
    const version = parseSemver(str(v, 'semver_compare'));
    if (!version) throw new Error(`invalid semver ${String(v)}`);
    return semverRange(str(r, 'semver_compare'), version);
  }),
  parse_json: fn(1, ([s]) => JSON.parse(str(s, 'parse_json'))),
  parse_yaml: fn(1, ([s]) => parseYaml(str(s, 'parse_yaml')) ?? null),
  lookup: fn(2, ([obj, key]) => {
    if (isMap(obj)) return obj[str(key, 'lookup')] ?? null;
    if (Array.isArray(obj)) {
      const i = num(key, 'lookup');
      if (!Number.isInteger(i)) throw new Error('lookup: index must be an integer');
      return obj[i] ?? null;
    }
    throw new Error('invalid type for lookup: expected object or array');
  }),
  items: fn(3, ([obj, k, v]) => {
    const [keyName, valName] = [str(k, 'items'), str(v, 'items')];
    if (isMap(obj)) return Object.keys(obj).sort().map((key) => ({ [keyName]: key, [valName]: obj[key] }));
    if (Array.isArray(obj)) return obj.map((val, i) => ({ [keyName]: i, [valName]: val }));
    throw new Error('invalid type for items: expected object or array');
  }),
  object_from_lists: fn(2, ([keys, values]) => {
    if (!Array.isArray(keys) || !Array.isArray(values)) throw new Error('invalid type for object_from_lists: expected arrays');
    return Object.fromEntries(keys.map((k, i) => [str(k, 'object_from_lists'), values[i] ?? null]));
  }),
  image_normalize: fn(1, ([s]) => imageInfo(str(s, 'image_normalize')).reference),
  is_external_url: fn(1, ([s]) => {
    try {
      const u = new URL(str(s, 'is_external_url'));
      return !['localhost', '127.0.0.1', '::1'].includes(u.hostname) && !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(u.hostname);
    } catch {
      return false;
    }
  }),
  sha256: fn(1, ([s]) => createHash('sha256').update(str(s, 'sha256')).digest('hex')),
  sha1: fn(1, ([s]) => createHash('sha1').update(str(s, 'sha1')).digest('hex')),
  md5: fn(1, ([s]) => createHash('md5').update(str(s, 'md5')).digest('hex')),
};
