/**
 * OPA's built-in functions that polcov evaluates. Each takes its evaluated arguments and returns
 * the result, undefined (no result), or throws BuiltinError: OPA then makes the call undefined (its
 * non-strict default). A built-in of the catalogue (builtin-arity.ts) missing here is an error for
 * the query that calls it, never a silent result.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import YAML from '../../yaml-lib';
import { NET_BUILTINS } from './builtins-net';
import { STRING_BUILTINS } from './builtins-strings';
import { TIME_AND_UNITS_BUILTINS } from './builtins-time';
import { arr, BuiltinError, elems, int, num, obj, set, str, type Builtin } from './operands';
import { compare, equal, fromJSON, marshal, RegoObject, RegoSet, toJSON, typeName, type Value } from './value';

export { BuiltinError, type BuiltinContext } from './operands';

// ------------------------------------------------------------------ collections and numbers

function count(v: Value): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof RegoObject || v instanceof RegoSet) return v.size;
  throw new BuiltinError('count: operand must be a collection or string');
}

function numbers(v: Value): number[] {
  return elems(v).map((x) => num(x, 'element'));
}

function extremum(v: Value, sign: 1 | -1): Value | undefined {
  const xs = elems(v);
  if (xs.length === 0) return undefined;
  return xs.reduce((a, b) => (compare(b, a) * sign > 0 ? b : a));
}

/** object.get's path walk: a key, or an array of keys for a nested path. */
function objectGet(o: Value, path: Value, dflt: Value): Value {
  const keys = Array.isArray(path) ? path : [path];
  let cur: Value = o;
  for (const k of keys) {
    let next: Value | undefined;
    if (cur instanceof RegoObject) next = cur.get(k);
    else if (Array.isArray(cur) && typeof k === 'number') next = cur[k];
    else if (cur instanceof RegoSet) next = cur.has(k) ? k : undefined;
    if (next === undefined) return dflt;
    cur = next;
  }
  return cur;
}

/** object.union: the right side wins, objects merged recursively. */
function unionObjects(a: RegoObject, b: RegoObject): RegoObject {
  const out = new RegoObject(a.entries());
  for (const [k, v] of b.entries()) {
    const left = out.get(k);
    out.set(k, left instanceof RegoObject && v instanceof RegoObject ? unionObjects(left, v) : v);
  }
  return out;
}

function keysOf(v: Value): Value[] {
  if (v instanceof RegoObject) return v.keys();
  return elems(v);
}

/** object.subset: every key of `sub` in `sup` with a value that is (recursively) a subset. */
function subset(sup: Value, sub: Value): boolean {
  if (sup instanceof RegoObject && sub instanceof RegoObject) return sub.entries().every(([k, v]) => sup.has(k) && subset(sup.get(k)!, v));
  if (sup instanceof RegoSet && sub instanceof RegoSet) return sub.values().every((x) => sup.has(x));
  if (Array.isArray(sup) && Array.isArray(sub)) {
    // a contiguous run of sup
    for (let i = 0; i + sub.length <= sup.length; i++) if (sub.every((x, j) => equal(sup[i + j]!, x))) return true;
    return false;
  }
  if (Array.isArray(sup) && sub instanceof RegoSet) return sub.values().every((x) => sup.some((y) => equal(x, y)));
  return equal(sup, sub);
}

/** Every [path, value] pair below a value, the value itself first (walk). */
function walk(v: Value, path: Value[], out: Value[]): void {
  out.push([path, v]);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], out));
  else if (v instanceof RegoObject) for (const [k, x] of v.entries()) walk(x, [...path, k], out);
  else if (v instanceof RegoSet) for (const x of v.values()) walk(x, [...path, x], out);
}

/** json.filter / json.remove paths: `"a/b"` strings (with ~0 and ~1 escapes) or arrays of keys. */
function jsonPaths(v: Value | undefined): Value[][] {
  return elems(v, 'paths').map((p) => {
    if (Array.isArray(p)) return p;
    return str(p, 'path')
      .replace(/^\//, '')
      .split('/')
      .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'));
  });
}

/** The key of a collection a path segment names (a string segment may be an array index). */
function segmentKey(container: Value, seg: Value): Value {
  return Array.isArray(container) && typeof seg === 'string' && /^\d+$/.test(seg) ? Number(seg) : seg;
}

/** json.filter: only what the paths reach (a path ending at a collection keeps all of it). */
function jsonFilter(v: Value, paths: Value[][]): Value {
  if (paths.some((p) => p.length === 0)) return v;
  const byHead = (c: Value, key: Value): Value[][] => paths.filter((p) => equal(segmentKey(c, p[0]!), key)).map((p) => p.slice(1));
  if (v instanceof RegoObject) return new RegoObject(v.entries().filter(([k]) => byHead(v, k).length).map(([k, x]) => [k, jsonFilter(x, byHead(v, k))]));
  if (Array.isArray(v)) return v.flatMap((x, i) => (byHead(v, i).length ? [jsonFilter(x, byHead(v, i))] : []));
  if (v instanceof RegoSet) return new RegoSet(v.values().filter((x) => byHead(v, x).length));
  return v;
}

/** json.remove: everything but what the paths reach. */
function jsonRemove(v: Value, paths: Value[][]): Value | undefined {
  if (paths.some((p) => p.length === 0)) return undefined;
  const below = (c: Value, key: Value): Value[][] => paths.filter((p) => equal(segmentKey(c, p[0]!), key)).map((p) => p.slice(1));
  const keep = (c: Value, key: Value, x: Value): Value | undefined => (below(c, key).length ? jsonRemove(x, below(c, key)) : x);
  if (v instanceof RegoObject) {
    const out = new RegoObject();
    for (const [k, x] of v.entries()) {
      const kept = keep(v, k, x);
      if (kept !== undefined) out.set(k, kept);
    }
    return out;
  }
  if (Array.isArray(v)) {
    return v.flatMap((x, i) => {
      const kept = keep(v, i, x);
      return kept === undefined ? [] : [kept];
    });
  }
  if (v instanceof RegoSet) return new RegoSet(v.values().filter((x) => !below(v, x).some((p) => p.length === 0)));
  return v;
}

function toNumber(v: Value): number | undefined {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new BuiltinError(`invalid number ${JSON.stringify(v)}`);
    return Number(t);
  }
  throw new BuiltinError('to_number: operand must be null, boolean, number or string');
}

function range(from: number, to: number, stepBy: number): number[] {
  if (stepBy <= 0) throw new BuiltinError('numbers.range_step: step must be a positive number above zero');
  const out: number[] = [];
  if (from <= to) for (let i = from; i <= to; i += stepBy) out.push(i);
  else for (let i = from; i >= to; i -= stepBy) out.push(i);
  return out;
}

function unmarshal(text: string): Value {
  try {
    return fromJSON(JSON.parse(text)) ?? null;
  } catch {
    throw new BuiltinError('json.unmarshal: invalid JSON');
  }
}

function base64Decode(s: string, url: boolean): string {
  const norm = url ? s.replace(/-/g, '+').replace(/_/g, '/') : s;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(norm)) throw new BuiltinError('illegal base64 data');
  return Buffer.from(norm, 'base64').toString('utf8');
}

const hash = (algo: string) => (a: Value[]) => createHash(algo).update(str(a[0]), 'utf8').digest('hex');
const hmac = (algo: string) => (a: Value[]) => createHmac(algo, str(a[1])).update(str(a[0]), 'utf8').digest('hex');

/** Go's url.QueryEscape: all but letters, digits and -_.~ escaped, spaces as +. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** graph.reachable: every node reachable from the initial ones along the graph's edges (an object of node → neighbours). */
function reachable(graph: RegoObject, initial: Value[]): RegoSet {
  const seen = new RegoSet();
  const queue = [...initial];
  while (queue.length) {
    const node = queue.shift()!;
    if (seen.has(node) || !graph.has(node)) continue;
    seen.add(node);
    const next = graph.get(node)!;
    if (next !== null) queue.push(...elems(next));
  }
  return seen;
}

const is = (t: string) => (a: Value[]) => typeName(a[0]!) === t;

/** Built-ins Rego keeps for compatibility; deprecated in v1, still used by v0 policies. */
const DEPRECATED: Record<string, Builtin> = {
  all: (a) => elems(a[0]).every((x) => x === true),
  any: (a) => elems(a[0]).some((x) => x === true),
  set_diff: (a) => new RegoSet(set(a[0]).values().filter((x) => !set(a[1]).has(x))),
  cast_array: (a) => [...elems(a[0])],
  cast_set: (a) => new RegoSet(elems(a[0])),
  cast_string: (a) => str(a[0]),
  cast_boolean: (a) => {
    if (typeof a[0] !== 'boolean') throw new BuiltinError('cast_boolean: operand must be boolean');
    return a[0];
  },
  cast_null: (a) => {
    if (a[0] !== null) throw new BuiltinError('cast_null: operand must be null');
    return null;
  },
  cast_object: (a) => obj(a[0]),
};

/** Built-ins a Rego v1 module may not call. */
export const DEPRECATED_IN_V1: ReadonlySet<string> = new Set([...Object.keys(DEPRECATED), 're_match', 'net.cidr_overlap']);

export const BUILTINS: Record<string, Builtin> = {
  ...DEPRECATED,
  ...STRING_BUILTINS,
  ...TIME_AND_UNITS_BUILTINS,
  ...NET_BUILTINS,
  // comparison and arithmetic spelled as functions
  equal: (a) => equal(a[0]!, a[1]!),
  neq: (a) => !equal(a[0]!, a[1]!),
  lt: (a) => compare(a[0]!, a[1]!) < 0,
  lte: (a) => compare(a[0]!, a[1]!) <= 0,
  gt: (a) => compare(a[0]!, a[1]!) > 0,
  gte: (a) => compare(a[0]!, a[1]!) >= 0,
  plus: (a) => num(a[0]) + num(a[1]),
  minus: (a) => (a[0] instanceof RegoSet ? new RegoSet(a[0].values().filter((x) => !set(a[1]).has(x))) : num(a[0]) - num(a[1])),
  mul: (a) => num(a[0]) * num(a[1]),
  div: (a) => {
    if (num(a[1]) === 0) throw new BuiltinError('div: divide by zero');
    return num(a[0]) / num(a[1]);
  },
  rem: (a) => {
    if (int(a[1]) === 0) throw new BuiltinError('rem: modulo by zero');
    return int(a[0]) % int(a[1]);
  },
  abs: (a) => Math.abs(num(a[0])),
  round: (a) => {
    const n = num(a[0]);
    return Math.sign(n) * Math.round(Math.abs(n)); // half away from zero, as Go's math.Round
  },
  ceil: (a) => Math.ceil(num(a[0])),
  floor: (a) => Math.floor(num(a[0])),
  'numbers.range': (a) => range(int(a[0]), int(a[1]), 1),
  'numbers.range_step': (a) => range(int(a[0]), int(a[1]), int(a[2])),
  // aggregates
  count: (a) => count(a[0]!),
  sum: (a) => numbers(a[0]!).reduce((x, y) => x + y, 0),
  product: (a) => numbers(a[0]!).reduce((x, y) => x * y, 1),
  max: (a) => extremum(a[0]!, 1),
  min: (a) => extremum(a[0]!, -1),
  sort: (a) => [...elems(a[0])].sort(compare),
  // types
  is_number: is('number'),
  is_string: is('string'),
  is_boolean: is('boolean'),
  is_array: is('array'),
  is_set: is('set'),
  is_object: is('object'),
  is_null: is('null'),
  type_name: (a) => typeName(a[0]!),
  to_number: (a) => toNumber(a[0]!),
  // arrays
  'array.concat': (a) => [...arr(a[0]), ...arr(a[1])],
  'array.slice': (a) => {
    const xs = arr(a[0]);
    const start = Math.max(0, int(a[1]));
    const stop = Math.min(xs.length, int(a[2]));
    return start >= stop ? [] : xs.slice(start, stop);
  },
  'array.reverse': (a) => [...arr(a[0])].reverse(),
  // sets
  union: (a) => new RegoSet(elems(set(a[0])).flatMap((s) => set(s).values())),
  intersection: (a) => {
    const sets = set(a[0]).values().map((s) => set(s));
    if (sets.length === 0) return new RegoSet();
    return new RegoSet(sets[0]!.values().filter((x) => sets.every((s) => s.has(x))));
  },
  // objects
  'object.get': (a) => objectGet(obj(a[0]), a[1]!, a[2]!),
  'object.keys': (a) => new RegoSet(obj(a[0]).keys()),
  'object.union': (a) => unionObjects(obj(a[0]), obj(a[1])),
  'object.union_n': (a) => arr(a[0]).map((o) => obj(o)).reduce(unionObjects, new RegoObject()),
  'object.filter': (a) => {
    const keep = keysOf(a[1]!);
    return new RegoObject(obj(a[0]).entries().filter(([k]) => keep.some((x) => equal(x, k))));
  },
  'object.remove': (a) => {
    const drop = keysOf(a[1]!);
    return new RegoObject(obj(a[0]).entries().filter(([k]) => !drop.some((x) => equal(x, k))));
  },
  'object.subset': (a) => subset(a[0]!, a[1]!),
  walk: (a) => {
    const out: Value[] = [];
    walk(a[0]!, [], out);
    return out;
  },
  // encodings
  'json.marshal': (a) => marshal(a[0]!),
  'json.unmarshal': (a) => unmarshal(str(a[0])),
  'json.filter': (a) => jsonFilter(obj(a[0]), jsonPaths(a[1])),
  'json.remove': (a) => jsonRemove(obj(a[0]), jsonPaths(a[1])),
  'json.is_valid': (a) => {
    try {
      JSON.parse(str(a[0]));
      return true;
    } catch {
      return false;
    }
  },
  'yaml.marshal': (a) => YAML.stringify(toJSON(a[0]!)),
  'yaml.unmarshal': (a) => {
    try {
      return fromJSON(YAML.parse(str(a[0]))) ?? null;
    } catch {
      throw new BuiltinError('yaml.unmarshal: invalid YAML');
    }
  },
  'yaml.is_valid': (a) => {
    try {
      YAML.parse(str(a[0]));
      return true;
    } catch {
      return false;
    }
  },
  'base64.encode': (a) => Buffer.from(str(a[0]), 'utf8').toString('base64'),
  'base64.decode': (a) => base64Decode(str(a[0]), false),
  'base64.is_valid': (a) => /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(str(a[0])),
  'base64url.encode': (a) => Buffer.from(str(a[0]), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
  'base64url.encode_no_pad': (a) => Buffer.from(str(a[0]), 'utf8').toString('base64url'),
  'base64url.decode': (a) => base64Decode(str(a[0]), true),
  'hex.encode': (a) => Buffer.from(str(a[0]), 'utf8').toString('hex'),
  'hex.decode': (a) => {
    const s = str(a[0]);
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new BuiltinError('hex.decode: invalid hex');
    return Buffer.from(s, 'hex').toString('utf8');
  },
  'urlquery.encode': (a) => queryEscape(str(a[0])),
  'urlquery.decode': (a) => {
    try {
      return decodeURIComponent(str(a[0]).replace(/\+/g, ' '));
    } catch {
      throw new BuiltinError('urlquery.decode: invalid escape');
    }
  },
  'crypto.md5': hash('md5'),
  'crypto.sha1': hash('sha1'),
  'crypto.sha256': hash('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': (a) => {
    const x = Buffer.from(str(a[0]));
    const y = Buffer.from(str(a[1]));
    return x.length === y.length && timingSafeEqual(x, y);
  },
  'graph.reachable': (a) => reachable(obj(a[0]), elems(a[1])),
  'urlquery.encode_object': (a) =>
    obj(a[0])
      .entries()
      .flatMap(([k, v]) => (typeof v === 'string' ? [v] : elems(v)).map((x) => `${queryEscape(str(k))}=${queryEscape(str(x))}`))
      .join('&'),
  // debugging: no effect on results
  print: () => true,
  trace: (a) => (str(a[0]), true),
};
