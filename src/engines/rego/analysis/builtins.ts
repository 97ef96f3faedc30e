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
const ALL_ARGS = new Set(['object.union', 'array.concat']);
const FIRST_ARG = new Set(['object.filter', 'object.remove', 'json.filter', 'json.remove', 'array.slice', 'array.reverse']);
const ELEMENTS_OF_FIRST = new Set(['object.union_n', 'union', 'intersection']);

/** Builtins used with an extra output argument: their arity without it. */
export const RELATION_ARITY: Readonly<Record<string, number>> = { walk: 1 };

export function callBuiltin(c: BuiltinCall): Value {
  const [first = EMPTY] = c.args;
  if (MESSAGE.has(c.name)) return EMPTY;
  if (OPAQUE.has(c.name)) {
    const opaque: Value = { paths: [], consts: [], opaque: [{ what: `${c.name}()`, at: c.at, rel: [] }] };
    // walk yields [path, value] pairs
    return c.name === 'walk' ? { ...EMPTY, items: [EMPTY, opaque] } : opaque;
  }
  if (c.name === 'object.get') return objectGet(c);
  if (ALL_ARGS.has(c.name)) return union(c.args);
  if (FIRST_ARG.has(c.name)) return first;
  if (ELEMENTS_OF_FIRST.has(c.name)) return c.access.iterate(first, c.at).value;
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

function singleString(v: Value): string | undefined {
  const s = stringConsts(v);
  return s.length === 1 && v.consts.length === 1 && v.paths.length === 0 && v.opaque.length === 0 ? s[0] : undefined;
}
