/**
 * The builtins that matter for data flow. Most compute a value from their arguments
 * (`lower(c.image)`, `count(x)`, `startswith(a, b)`): the result carries the arguments' paths and
 * counts as a check where it is tested, so a builtin feeding only the message checks nothing.
 * Selection builtins (`object.get`, `object.union`, `array.concat`…) keep structure. Builtins whose
 * result the analysis cannot see into (http.send, json.patch, walk…) yield opaque values.
 */
import type { SourceRef } from '../../../facts';
import type { Access } from './access';
import type { Effects } from './effects';
import { derived, EMPTY, stringConsts, union, type Value } from './values';

export interface BuiltinCall {
  name: string;
  args: Value[];
  at: SourceRef;
  sink: Effects | undefined;
  access: Access;
  /** Report a computed key that may select a container list or field. */
  dynamic(where: string): void;
}

/** Builtins that only format the message. */
const MESSAGE = new Set(['sprintf', 'print', 'trace']);

/** Data the analysis cannot follow: what a check reads below it is reported, never counted. */
const OPAQUE = new Set(['http.send', 'json.patch', 'json.unmarshal', 'yaml.unmarshal', 'walk']);

/** Builtins whose result is made of their arguments' values (elements for collections of collections). */
const ALL_ARGS = new Set(['array.concat']);
const FIRST_ARG = new Set(['array.slice', 'array.reverse']);
/** Builtins that drop fields named by JSON paths: followed only outside the admitted object. */
const JSON_PATHS = new Set(['json.filter', 'json.remove']);
const ELEMENTS_OF_FIRST = new Set(['object.union_n', 'union', 'intersection']);

/**
 * Builtins that cut a string into an array of strings: indexing the result (`split(c.image, ":")[1]`)
 * is a string operation, not a key into the container the string came from.
 */
const STRING_PARTS = new Set(['split', 'regex.split', 'regex.find_n']);

/** Builtins used with an extra output argument: their arity without it. */
export const RELATION_ARITY: Readonly<Record<string, number>> = { walk: 1 };

export function callBuiltin(c: BuiltinCall): Value {
  const [first = EMPTY] = c.args;
  if (MESSAGE.has(c.name)) return EMPTY;
  if (c.name === 'walk' && first.paths.some((p) => c.access.reachesObject(p))) {
    // Every field below the object, found by its path at run time: which ones are checked cannot be named.
    c.sink?.problems.push({ reason: 'walk() visits every field of the admitted object; the fields it checks cannot be named', at: c.at });
    return { ...EMPTY, items: [EMPTY, EMPTY] };
  }
  if (OPAQUE.has(c.name)) {
    const opaque: Value = { paths: [], consts: [], opaque: [{ what: `${c.name}()`, at: c.at, rel: [] }] };
    // walk yields [path, value] pairs
    return c.name === 'walk' ? { ...EMPTY, items: [EMPTY, opaque] } : opaque;
  }
  if (c.name === 'object.get') return objectGet(c);
  if (c.name === 'object.filter' || c.name === 'object.remove') return keepKeys(c, c.name === 'object.filter');
  if (c.name === 'object.union') return objectUnion(first, c.args[1] ?? EMPTY);
  if (JSON_PATHS.has(c.name)) {
    if (!first.paths.some((p) => c.access.reachesObject(p))) return first;
    c.sink?.problems.push({ reason: `${c.name}() drops fields of the admitted object by JSON path; what is left is not followed`, at: c.at });
    return { ...first, paths: first.paths.filter((p) => !c.access.reachesObject(p)) };
  }
  if (ALL_ARGS.has(c.name)) return union(c.args);
  if (FIRST_ARG.has(c.name)) return first;
  if (ELEMENTS_OF_FIRST.has(c.name)) return c.access.iterate(first, c.at).value;
  if (STRING_PARTS.has(c.name)) return { ...EMPTY, elems: derived(union(c.args)) };
  return derived(union(c.args));
}

/** `object.get(x, "k", d)` and `object.get(x, ["a", "b"], d)`: the path, or the default. */
function objectGet(c: BuiltinCall): Value {
  const [obj = EMPTY, key = EMPTY, dflt = EMPTY] = c.args;
  const segments = key.items ? key.items.map(singleString) : [singleString(key)];
  if (segments.every((s): s is string => s !== undefined)) {
    let v = obj;
    for (const s of segments) v = c.access.select(v, s, c.at, c.sink);
    return union([v, dflt]);
  }
  const alternatives = stringConsts(key);
  if (!key.items && alternatives.length > 0 && key.paths.length === 0) {
    return union([...alternatives.map((s) => c.access.select(obj, s, c.at, c.sink)), dflt]);
  }
  return union([c.access.lookup(obj, key, c.at, c.sink, c.dynamic), dflt]);
}

/** The constant key names of `object.filter`/`object.remove`'s second argument (array, set or object), if all are constant. */
function constantKeys(v: Value): string[] | undefined {
  if (v.items) {
    const names = v.items.map(singleString);
    return names.every((n): n is string => n !== undefined) ? names : undefined;
  }
  if (v.fields && !v.keys) return [...v.fields.keys()];
  if (v.keys && v.paths.length === 0 && v.opaque.length === 0) {
    const k = v.keys;
    return k.paths.length === 0 && k.opaque.length === 0 && !k.elems && !k.fields && !k.items && k.consts.every((c) => typeof c === 'string')
      ? (k.consts as string[])
      : undefined;
  }
  return undefined;
}

/**
 * `object.filter(o, keys)` keeps only the keys, `object.remove(o, keys)` drops them. With constant
 * keys the result is exact (a removed container list is gone); with computed keys on a pod spec or
 * a container the analysis cannot tell what is left, which is reported and not followed there.
 */
function keepKeys(c: BuiltinCall, filter: boolean): Value {
  const [obj = EMPTY, keysArg = EMPTY] = c.args;
  const keys = constantKeys(keysArg);
  if (!keys) {
    const risky = obj.paths.find((p) => c.access.risky(p));
    if (risky) c.dynamic(c.access.where(risky));
    return { ...obj, paths: obj.paths.filter((p) => !c.access.risky(p)) };
  }
  if (filter) return { ...EMPTY, fields: new Map(keys.map((k) => [k, c.access.select(obj, k, c.at, c.sink)])) };
  const fields = obj.fields ? new Map([...obj.fields].filter(([k]) => !keys.includes(k))) : undefined;
  return {
    ...obj,
    paths: obj.paths.map((p) => ({ ...p, without: [...(p.without ?? []), ...keys] })),
    ...(fields ? { fields } : {}),
  };
}

/** A value that is surely no object (an array or a constant): `object.union` replaces with it rather than merging. */
const notObject = (v: Value): boolean =>
  !v.fields && (v.items !== undefined || (v.elems !== undefined && !v.keys) || (!v.elems && !v.keys && v.paths.length === 0 && v.opaque.length === 0 && v.consts.length > 0));

/**
 * `object.union(a, b)`: b's constant keys whose values are no objects replace a's
 * (`object.union(spec, {"ephemeralContainers": []})` empties the list); objects are merged.
 */
function objectUnion(a: Value, b: Value): Value {
  const overridden = b.fields ? [...b.fields].filter(([, v]) => notObject(v)).map(([k]) => k) : [];
  if (overridden.length === 0) return union([a, b]);
  const fields = a.fields ? new Map([...a.fields].filter(([k]) => !overridden.includes(k))) : undefined;
  const left: Value = {
    ...a,
    paths: a.paths.map((p) => ({ ...p, without: [...(p.without ?? []), ...overridden] })),
    ...(fields ? { fields } : {}),
  };
  return union([left, b]);
}

function singleString(v: Value): string | undefined {
  const s = stringConsts(v);
  return s.length === 1 && v.consts.length === 1 && v.paths.length === 0 && v.opaque.length === 0 ? s[0] : undefined;
}
