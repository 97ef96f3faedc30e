/**
 * Kyverno condition operators (`preconditions`, `deny.conditions`), with the type rules of
 * kyverno/pkg/engine/variables/operator: Equals/NotEquals, the In family, numeric, duration and
 * semver comparisons. An unknown operator is an error, never a pass.
 */
import { matchesScalar, operatorOf } from './scalar-pattern';
import { compareSemver, deepEqual, goSprint, isMap, parseDuration, parseQuantity, parseSemver, wildcardMatch } from './values';

export class UnknownOperatorError extends Error {}

const NUMERIC: Record<string, string> = { greaterthanorequals: '>=', greaterthan: '>', lessthanorequals: '<=', lessthan: '<' };

export function evaluateOperator(operator: string, key: unknown, value: unknown): boolean {
  const op = operator.toLowerCase();
  switch (op) {
    case 'equal':
    case 'equals':
      return equals(key, value);
    case 'notequal':
    case 'notequals':
      return notEquals(key, value);
    case 'in':
      return setOp(key, value, 'in');
    case 'notin':
      return setOp(key, value, 'notin');
    case 'anyin':
      return setOp(key, value, 'anyin');
    case 'allin':
      return setOp(key, value, 'allin');
    case 'anynotin':
      return setOp(key, value, 'anynotin');
    case 'allnotin':
      return setOp(key, value, 'allnotin');
  }
  if (NUMERIC[op]) return numeric(key, value, NUMERIC[op]!);
  if (op.startsWith('duration') && NUMERIC[op.slice('duration'.length)]) return durationOp(key, value, NUMERIC[op.slice('duration'.length)]!);
  throw new UnknownOperatorError(`failed to create handler for condition operator ${operator}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Kyverno's parseDuration pair: one side must be a Go duration (not "0"); a number on the other is seconds. */
function durations(key: unknown, value: unknown): [number, number] | undefined {
  const asDuration = (v: unknown): number | undefined => (typeof v === 'string' && v !== '0' ? parseDuration(v) : undefined);
  let k = asDuration(key);
  let v = asDuration(value);
  if (k === undefined && v === undefined) return undefined;
  if (k === undefined) {
    if (typeof key !== 'number') return undefined;
    k = key * 1e9;
  }
  if (v === undefined) {
    if (typeof value !== 'number') return undefined;
    v = value * 1e9;
  }
  return [k, v];
}

function equals(key: unknown, value: unknown): boolean {
  if (typeof key === 'boolean') return value === key;
  if (typeof key === 'number') {
    if (typeof value === 'number') return value === key;
    if (typeof value !== 'string') return false;
    const n = isInt(key) ? (/^[+-]?\d+$/.test(value) ? Number(value) : NaN) : Number(value);
    return n === key;
  }
  if (typeof key === 'string') {
    const d = durations(key, value);
    if (d) return d[0] === d[1];
    const q = parseQuantity(key);
    if (q !== undefined && typeof value === 'string') return parseQuantity(value) === q;
    return typeof value === 'string' && wildcardMatch(value, key);
  }
  if (Array.isArray(key)) return Array.isArray(value) && deepEqual(key, value);
  if (isMap(key)) return isMap(value) && deepEqual(key, value);
  return false;
}

function notEquals(key: unknown, value: unknown): boolean {
  if (key === null || key === undefined) return false;
  if (typeof key === 'string') {
    const d = durations(key, value);
    if (d) return d[0] !== d[1];
    const q = parseQuantity(key);
    if (q !== undefined && typeof value === 'string') return parseQuantity(value) !== q;
    return typeof value !== 'string' || !wildcardMatch(value, key);
  }
  return !equals(key, value);
}

type SetOp = 'in' | 'notin' | 'anyin' | 'allin' | 'anynotin' | 'allnotin';

const bothWays = (a: string, b: string): boolean => wildcardMatch(a, b) || wildcardMatch(b, a);

/** A JSON array of strings in a string value; undefined when the string is something else. */
function jsonStrings(s: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(s);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function setOp(key: unknown, value: unknown, op: SetOp): boolean {
  if (Array.isArray(key)) return setKey(key, value, op);
  if (['string', 'number', 'boolean'].includes(typeof key)) return singleKey(goSprint(key), value, op);
  return false;
}

/** A scalar key: In/AnyIn/AllIn look for it, the NotIn forms for its absence. */
function singleKey(key: string, value: unknown, op: SetOp): boolean {
  const negated = op === 'notin' || op === 'anynotin' || op === 'allnotin';
  let found: boolean | undefined;
  if (Array.isArray(value)) found = value.some((v) => bothWays(goSprint(v), key));
  else if (typeof value === 'string') {
    if (wildcardMatch(value, key)) found = true;
    else if (op !== 'in' && op !== 'notin' && operatorOf(value) === '-') found = matchesScalar(key, value);
    else {
      const list = op === 'in' || op === 'notin' || looksLikeJson(value) ? jsonStrings(value) : [value];
      found = list === undefined ? undefined : list.includes(key);
    }
  }
  if (found === undefined) return false;
  return negated ? !found : found;
}

const looksLikeJson = (s: string): boolean => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

/** A list key: In/AllIn want every element inside, AnyIn one; NotIn/AnyNotIn one outside, AllNotIn none inside. */
function setKey(rawKey: unknown[], value: unknown, op: SetOp): boolean {
  // In and NotIn take a list of strings only; the other forms format every element.
  if ((op === 'in' || op === 'notin') && rawKey.some((k) => typeof k !== 'string')) return false;
  const key = rawKey.map(goSprint);
  let values: string[];
  if (Array.isArray(value)) {
    if ((op === 'in' || op === 'notin') && value.some((v) => typeof v !== 'string')) return false;
    values = value.map(goSprint);
  } else if (typeof value === 'string') {
    if (key.length === 1 && key[0] === value) return !(op === 'anynotin' || op === 'allnotin');
    if (op !== 'in' && op !== 'notin' && operatorOf(value) === '-') return rangeSet(key, value, op);
    const list = op === 'in' || op === 'notin' || looksLikeJson(value) ? jsonStrings(value) : [value];
    if (!list) return false;
    values = list;
  } else if (op === 'anyin' || op === 'anynotin') {
    if (!['number', 'boolean'].includes(typeof value)) return false;
    values = [goSprint(value)];
  } else return false;
  const exact = (k: string): boolean => values.includes(k);
  const loose = (k: string): boolean => values.some((v) => bothWays(k, v));
  switch (op) {
    case 'in':
      return key.every(exact);
    case 'notin':
      return !key.every(exact);
    case 'anyin':
      return key.some(loose);
    case 'allin':
      return key.every(loose);
    case 'anynotin':
      return key.some((k) => !loose(k));
    case 'allnotin':
      return !key.some(loose);
  }
}

function rangeSet(key: string[], range: string, op: SetOp): boolean {
  const inRange = (k: string): boolean => matchesScalar(k, range);
  switch (op) {
    case 'anyin':
      return key.some(inRange);
    case 'allin':
      return key.every(inRange);
    case 'anynotin':
      return key.some((k) => matchesScalar(k, range.replace('-', '!-')));
    default:
      return !key.some(inRange);
  }
}

function numeric(key: unknown, value: unknown, op: string): boolean {
  if (typeof key === 'number') return numericNumber(key, value, op);
  if (typeof key !== 'string') return false;
  const d = durations(key, value);
  if (d) return cmp(d[0], d[1], op);
  const qk = parseQuantity(key);
  const qv = typeof value === 'string' ? parseQuantity(value) : undefined;
  if (qk !== undefined && qv !== undefined) return cmp(qk, qv, op);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(key.trim()) || /^[+-]?(inf|infinity|nan)$/i.test(key)) return numericNumber(Number(key), value, op);
  const vk = parseSemver(key);
  const vv = typeof value === 'string' ? parseSemver(value) : undefined;
  return vk !== undefined && vv !== undefined && cmp(compareSemver(vk, vv), 0, op);
}

function numericNumber(key: number, value: unknown, op: string): boolean {
  if (typeof value === 'number') return cmp(key, value, op);
  if (typeof value !== 'string') return false;
  const d = durations(key, value);
  if (d) return cmp(d[0], d[1], op);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return cmp(key, Number(value), op);
  return false;
}

function durationOp(key: unknown, value: unknown, op: string): boolean {
  const d = durations(key, value);
  return d !== undefined && cmp(d[0], d[1], op);
}

function cmp(a: number, b: number, op: string): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default:
      return a < b;
  }
}
