/**
 * Abstract values for the Rego data-flow analysis. A term does not evaluate to data but to what
 * the audit needs to know about it: the `input` paths it may come from (list indices dropped),
 * the constants it may equal (so `spec[field]` with `field := "containers"` selects that list),
 * the shape of collections built in Rego (partial sets, literals, comprehensions), and the
 * sources the analysis cannot see into (http.send, data.inventory…).
 */
import type { SourceRef } from '../../../facts';

export type Prim = string | number | boolean | null;

/** A path from `input`, e.g. ['review', 'object', 'spec', 'containers', 'image']. */
export interface InputPath {
  segs: readonly string[];
  /** Where the container list on this path was referenced: the place a gap finding points at. */
  listAt?: SourceRef;
  /** Keys removed from the object at this path (`object.remove`, a key overridden by `object.union`, `k != "…"`). */
  without?: readonly string[];
  /**
   * Reached only through a helper body that is false for the kubectl debug request (an UPDATE
   * guard, or a test that no ephemeral container exists): it counts only where the entry body
   * itself skips that request.
   */
  skipped?: boolean;
  /**
   * An element of the container list at this path (list indices are dropped, so `spec.containers`
   * names both the list and each container): a key applied to it selects a field, not a container.
   */
  elem?: boolean;
}

/** A value the analysis cannot follow, and the path read below it since. */
export interface Opaque {
  what: string;
  at: SourceRef;
  rel: readonly string[];
}

export interface Value {
  paths: readonly InputPath[];
  consts: readonly Prim[];
  opaque: readonly Opaque[];
  /** Elements (array, set) or values (object) of a collection built in Rego. */
  elems?: Value;
  /** Keys of such a collection; a set's elements are its keys. */
  keys?: Value;
  /** Fields of an object literal with constant keys. */
  fields?: ReadonlyMap<string, Value>;
  /** Items of an array literal, in order. */
  items?: readonly Value[];
  /** Constants a value known only by elimination is not (a key tested with `!=`); only on otherwise empty values. */
  not?: readonly Prim[];
}

export const EMPTY: Value = { paths: [], consts: [], opaque: [] };

export const constant = (c: Prim): Value => ({ paths: [], consts: [c], opaque: [] });

export const pathValue = (segs: readonly string[]): Value => ({ paths: [{ segs }], consts: [], opaque: [] });

function isEmpty(v: Value): boolean {
  return v.paths.length === 0 && v.consts.length === 0 && v.opaque.length === 0 && !v.elems && !v.keys && !v.fields && !v.items;
}

/** Nothing is known of the value (a variable an iteration bound to an unknown key), except perhaps what it is not. */
export const isUnknown = (v: Value | undefined): v is Value => v !== undefined && isEmpty(v);

const pathKey = (p: InputPath): string =>
  `${p.segs.join('\u0000')}${p.without?.length ? `\u0001-${[...p.without].sort().join(',')}` : ''}${p.skipped ? '\u0001s' : ''}${p.elem ? '\u0001e' : ''}`;
const opaqueKey = (o: Opaque): string => `${o.what}@${o.at.file}:${o.at.line}:${o.at.column}/${o.rel.join('.')}`;

function dedupe<T>(xs: T[], key: (x: T) => string): T[] {
  if (xs.length < 2) return xs;
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const defined = <T>(x: T | undefined): x is T => x !== undefined;

export function union(vals: readonly Value[]): Value {
  const vs = vals.filter((v) => v !== EMPTY);
  if (vs.length === 0) return EMPTY;
  if (vs.length === 1) return vs[0]!;
  const out: { -readonly [K in keyof Value]: Value[K] } = {
    paths: dedupe(vs.flatMap((v) => v.paths), pathKey),
    consts: dedupeConsts(vs),
    opaque: dedupe(vs.flatMap((v) => v.opaque), opaqueKey),
  };
  if (!vs.some((v) => v.elems || v.keys || v.fields || v.items)) return out;
  const elems = vs.map((v) => v.elems).filter(defined);
  if (elems.length) out.elems = union(elems);
  const keys = vs.map((v) => v.keys).filter(defined);
  if (keys.length) out.keys = union(keys);
  const withFields = vs.filter((v) => v.fields);
  if (withFields.length) {
    const fields = new Map<string, Value>();
    for (const v of withFields) for (const [k, f] of v.fields!) fields.set(k, fields.has(k) ? union([fields.get(k)!, f]) : f);
    out.fields = fields;
  }
  // Items keep their order only in a single array literal: a union of arrays has elements only.
  const items = vs.flatMap((v) => v.items ?? []);
  if (items.length) out.elems = union([out.elems ?? EMPTY, ...items]);
  return out;
}

/** The constants of several values, each once, in order (constants are primitives: a Set tells them apart). */
function dedupeConsts(vs: readonly Value[]): Prim[] {
  let n = 0;
  for (const v of vs) n += v.consts.length;
  if (n === 0) return [];
  const seen = new Set<Prim>();
  for (const v of vs) for (const c of v.consts) seen.add(c);
  return [...seen];
}

/** Only the parts of a value that say where it comes from (no constants): a builtin's derived result. */
export function derived(v: Value): Value {
  const parts = [
    { paths: v.paths, consts: [], opaque: v.opaque },
    ...[v.elems, v.keys, ...(v.items ?? []), ...(v.fields ? [...v.fields.values()] : [])].filter(defined).map(derived),
  ];
  return union(parts.filter((p) => !isEmpty(p)));
}

/** A short, stable key for memoising on values (provenance such as listAt is left out). */
export function valueKey(v: Value): string {
  const parts: string[] = [];
  if (v.paths.length) parts.push(`p:${v.paths.map(pathKey).sort().join('|')}`);
  if (v.consts.length) parts.push(`c:${v.consts.map((c) => JSON.stringify(c)).sort().join('|')}`);
  if (v.opaque.length) parts.push(`o:${v.opaque.map(opaqueKey).sort().join('|')}`);
  if (v.elems) parts.push(`e:(${valueKey(v.elems)})`);
  if (v.keys) parts.push(`k:(${valueKey(v.keys)})`);
  if (v.fields) parts.push(`f:(${[...v.fields].map(([k, f]) => `${k}=${valueKey(f)}`).sort().join(',')})`);
  if (v.items) parts.push(`i:(${v.items.map(valueKey).join(',')})`);
  if (v.not?.length) parts.push(`n:${v.not.map((c) => JSON.stringify(c)).sort().join('|')}`);
  return parts.join(';');
}

/** The string constants a value may equal (candidate keys). */
export const stringConsts = (v: Value): string[] => v.consts.filter((c): c is string => typeof c === 'string');
