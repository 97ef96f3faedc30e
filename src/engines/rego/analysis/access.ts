/**
 * Reference semantics on abstract values: `x.f` / `x["f"]` (select), `x[_]` (iterate: list indices
 * are dropped, a pod spec's keys become the wildcard list `*`), and `x[k]` with a computed key
 * (lookup: constant keys select, anything else iterates — and is reported when it may pick a
 * container list or field the analysis then cannot name).
 */
import type { SourceRef } from '../../../facts';
import { ANY_KEY, classifyPodPath } from '../../pod-paths';
import type { Effects } from './effects';
import { inContainerList, isPodSpec, type Roots } from './roots';
import { EMPTY, stringConsts, union, type InputPath, type Value } from './values';

export class Access {
  constructor(private readonly roots: Roots) {}

  /** The new path names a container list (or all of them): remember where, for gap findings. */
  private listStep(p: InputPath, segs: string[], at: SourceRef): InputPath {
    if (p.listAt) return { segs, listAt: p.listAt };
    const obj = this.roots.object(segs);
    const isList =
      obj !== undefined &&
      (obj[obj.length - 1] === ANY_KEY ? isPodSpec(obj.slice(0, -1)) : classifyPodPath([...obj]).some((r) => r.location !== 'pod' && r.field === ''));
    return isList ? { segs, listAt: at } : { segs };
  }

  select(v: Value, name: string, at: SourceRef, sink: Effects | undefined): Value {
    const paths = v.paths.map((p) => this.listStep(p, [...p.segs, name], at));
    for (const p of paths) {
      const param = this.roots.parameter(p.segs);
      if (param?.length === 1) sink?.parameters.add(param[0]!);
    }
    const parts: Value[] = [{ paths, consts: [], opaque: v.opaque.map((o) => ({ ...o, rel: [...o.rel, name] })) }];
    const field = v.fields?.get(name);
    if (field) parts.push(field);
    // A set or object built by rules: any of its values may be the one under this key.
    if (v.keys && v.elems) parts.push(v.elems);
    return union(parts);
  }

  /**
   * The path without its ephemeral-container part: a path into ephemeralContainers disappears, a
   * wildcard list (`spec[_]`) becomes containers and initContainers.
   */
  withoutEphemeral(p: InputPath): InputPath[] {
    const obj = this.roots.object(p.segs);
    if (!obj) return [p];
    const star = obj.findIndex((s, j) => s === ANY_KEY && isPodSpec(obj.slice(0, j)));
    if (star >= 0) {
      const i = p.segs.length - obj.length + star;
      return ['containers', 'initContainers'].map((l) => ({ ...p, segs: [...p.segs.slice(0, i), l, ...p.segs.slice(i + 1)] }));
    }
    return classifyPodPath([...obj]).some((r) => r.location === 'ephemeralContainers') ? [] : [p];
  }

  /** Every element (value) of a collection, and its keys. */
  iterate(v: Value, at: SourceRef): { value: Value; key: Value } {
    const paths = v.paths.map((p) => {
      const obj = this.roots.object(p.segs);
      return obj && isPodSpec(obj) ? this.listStep(p, [...p.segs, ANY_KEY], at) : p;
    });
    const value = union([
      { paths, consts: [], opaque: v.opaque },
      v.elems ?? EMPTY,
      ...(v.items ?? []),
      ...(v.fields ? [...v.fields.values()] : []),
    ]);
    const fieldNames = v.fields ? [...v.fields.keys()].map((k) => ({ paths: [], consts: [k], opaque: [] }) as Value) : [];
    return { value, key: union([v.keys ?? EMPTY, ...fieldNames]) };
  }

  /**
   * `x[k]` with a bound key. Constant strings select; a key with no constant (an index, an iteration
   * variable) iterates. A key computed from input or opaque data that selects from a pod spec or a
   * container is reported through `dynamic`, and what it selects there is not followed: it must
   * not count as covering any list.
   */
  lookup(v: Value, key: Value, at: SourceRef, sink: Effects | undefined, dynamic: (where: string) => void): Value {
    const names = stringConsts(key);
    const parts = names.map((n) => this.select(v, n, at, sink));
    const computed = key.paths.length > 0 || key.opaque.length > 0;
    if (computed || names.length === 0) {
      let rest = v;
      if (computed) {
        const risky = (p: InputPath): boolean => {
          const o = this.roots.object(p.segs);
          return o !== undefined && (isPodSpec(o) || inContainerList(o));
        };
        const reported = v.paths.find(risky);
        if (reported) dynamic(this.roots.object(reported.segs)!.join('.') || 'the object');
        rest = { ...v, paths: v.paths.filter((p) => !risky(p)) };
      }
      parts.push(this.iterate(rest, at).value);
    }
    return union(parts);
  }
}
