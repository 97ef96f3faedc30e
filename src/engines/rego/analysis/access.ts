/**
 * Reference semantics on abstract values: `x.f` / `x["f"]` (select), `x[_]` (iterate: list indices
 * are dropped, a pod spec's keys become the wildcard list `*`), and `x[k]` with a computed key
 * (lookup: constant keys select, anything else iterates — and is reported when it may pick a
 * container list or field the analysis then cannot name). A key from the constraint's parameters
 * (or other data that is not the admitted object) applied to one container picks a field of that
 * container: no other list, so it reads a field the analysis cannot name (UNKNOWN_FIELD).
 */
import { CONTAINER_LISTS, type SourceRef } from '../../../facts';
import { ANY_KEY, classifyPodPath } from '../../pod-paths';
import { checkPathLength } from './budget';
import type { Effects } from './effects';
import { inContainerList, isPodSpec, type Roots } from './roots';
import { EMPTY, stringConsts, union, type InputPath, type Prim, type Value } from './values';

/** The segment for a container field picked by a key the analysis cannot name: it is no control's field. */
export const UNKNOWN_FIELD = '(computed key)';

/** An element of the collection at a path: the keys removed from the collection no longer apply. */
function withoutRemoved(p: InputPath): InputPath {
  if (!p.without) return p;
  const { without: _removed, ...rest } = p;
  return rest;
}

export class Access {
  constructor(private readonly roots: Roots) {}

  /** The new path names a container list (or all of them): remember where, for gap findings. */
  private listStep(p: InputPath, segs: string[], at: SourceRef): InputPath {
    checkPathLength(segs);
    const base: InputPath = p.skipped ? { segs, skipped: true } : { segs };
    if (p.listAt) return { ...base, listAt: p.listAt };
    return this.isList(segs) ? { ...base, listAt: at } : base;
  }

  /** The path names a container list (or, `spec[_]`, any of them). */
  private isList(segs: readonly string[]): boolean {
    const obj = this.roots.object(segs);
    return (
      obj !== undefined &&
      (obj[obj.length - 1] === ANY_KEY ? isPodSpec(obj.slice(0, -1)) : classifyPodPath([...obj]).some((r) => r.location !== 'pod' && r.field === ''))
    );
  }

  /** The path is inside the admitted object, or holds it (`input`, `input.review`). */
  reachesObject(p: InputPath): boolean {
    return [[], ['object'], ['review', 'object'], ['request', 'object']].some((below) => this.roots.object([...p.segs, ...below]) !== undefined);
  }

  /** A value read from the admitted object only (no collection built in Rego, no constants or opaque data). */
  inObject(v: Value): boolean {
    return (
      v.paths.length > 0 &&
      v.paths.every((p) => this.roots.object(p.segs) !== undefined) &&
      v.consts.length === 0 &&
      v.opaque.length === 0 &&
      !v.elems &&
      !v.keys &&
      !v.fields &&
      !v.items
    );
  }

  /** The path inside the admitted object, for messages. */
  where(p: InputPath): string {
    return this.roots.object(p.segs)?.join('.') || 'the object';
  }

  /** The path is a pod spec or inside a container list: a computed key there may pick any list or field. */
  risky(p: InputPath): boolean {
    const o = this.roots.object(p.segs);
    return o !== undefined && (isPodSpec(o) || inContainerList(o));
  }

  select(v: Value, name: string, at: SourceRef, sink: Effects | undefined): Value {
    const paths = v.paths.filter((p) => !p.without?.includes(name)).map((p) => this.listStep(p, [...p.segs, name], at));
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
    return this.splitEphemeral(p).filter((x) => !x.eph).map((x) => x.path);
  }

  /**
   * The path with its ephemeral-container part marked `skipped` (see InputPath): a wildcard list
   * (`spec[_]`) becomes the three lists, the ephemeral one marked.
   */
  markSkipped(p: InputPath): InputPath[] {
    return this.splitEphemeral(p).map((x) => (x.eph ? { ...x.path, skipped: true } : x.path));
  }

  private splitEphemeral(p: InputPath): { path: InputPath; eph: boolean }[] {
    const obj = this.roots.object(p.segs);
    if (!obj) return [{ path: p, eph: false }];
    const star = obj.findIndex((s, j) => s === ANY_KEY && isPodSpec(obj.slice(0, j)));
    if (star >= 0) {
      const i = p.segs.length - obj.length + star;
      return CONTAINER_LISTS.map((l) => ({ path: { ...p, segs: [...p.segs.slice(0, i), l, ...p.segs.slice(i + 1)] }, eph: l === 'ephemeralContainers' }));
    }
    return [{ path: p, eph: classifyPodPath([...obj]).some((r) => r.location === 'ephemeralContainers') }];
  }

  /**
   * Every element (value) of a collection, and its keys; `exclude` names keys a `!=` test ruled
   * out. An object read from input has keys the analysis does not know: its key is unknown (EMPTY),
   * so a later test can narrow it.
   */
  iterate(v: Value, at: SourceRef, exclude: readonly Prim[] = []): { value: Value; key: Value } {
    const paths = v.paths.flatMap((p) => {
      const obj = this.roots.object(p.segs);
      if (!obj || !isPodSpec(obj)) return [!p.elem && this.isList(p.segs) ? { ...withoutRemoved(p), elem: true } : withoutRemoved(p)];
      const removed = [...(p.without ?? []), ...exclude];
      if (removed.length === 0) return [this.listStep(p, [...p.segs, ANY_KEY], at)];
      // Keys removed from a pod spec: the lists that are left, by name.
      return CONTAINER_LISTS.filter((l) => !removed.includes(l)).map((l) => this.listStep(p, [...p.segs, l], at));
    });
    const fields = v.fields ? [...v.fields].filter(([k]) => !exclude.includes(k)) : [];
    const value = union([{ paths, consts: [], opaque: v.opaque }, v.elems ?? EMPTY, ...(v.items ?? []), ...fields.map(([, f]) => f)]);
    if (v.paths.length > 0 || v.opaque.length > 0) return { value, key: EMPTY };
    const fieldNames = fields.map(([k]) => ({ paths: [], consts: [k], opaque: [] }) as Value);
    let key = union([v.keys ?? EMPTY, ...fieldNames]);
    if (exclude.length > 0 && key.consts.length > 0) key = { ...key, consts: key.consts.filter((c) => !exclude.includes(c)) };
    return { value, key };
  }

  /**
   * `x[k]` with a bound key. Constant strings select; a key with no constant (an index, an iteration
   * variable) iterates. A key computed from input or opaque data that selects from a pod spec or a
   * container is reported through `dynamic`, and what it selects there is not followed: it must
   * not count as covering any list. A key that does not come from the admitted object (the
   * constraint's parameters, opaque data) cannot be a list name a Pod chooses: in a container list
   * it picks a container (an index), in a container a field of that container (UNKNOWN_FIELD) —
   * never another list, so there is nothing to report. On a pod spec it may still pick any list.
   */
  lookup(v: Value, key: Value, at: SourceRef, sink: Effects | undefined, dynamic: (where: string) => void): Value {
    const names = stringConsts(key);
    const parts = names.map((n) => this.select(v, n, at, sink));
    const computed = key.paths.length > 0 || key.opaque.length > 0;
    if (computed || names.length === 0) {
      let rest = v;
      if (computed) {
        const external = key.paths.every((p) => this.roots.object(p.segs) === undefined);
        const kept: InputPath[] = [];
        const picked: InputPath[] = [];
        let reported: InputPath | undefined;
        for (const p of v.paths) {
          if (!this.risky(p)) kept.push(p);
          else if (external && this.inContainer(p)) picked.push(this.pickInContainer(p));
          else reported ??= p;
        }
        if (reported) dynamic(this.where(reported));
        rest = { ...v, paths: kept };
        if (picked.length > 0) parts.push({ paths: picked, consts: [], opaque: [] });
      }
      parts.push(this.iterate(rest, at, key.not).value);
    }
    return union(parts);
  }

  /** The path is a container list, a container or inside one: not a pod spec. */
  private inContainer(p: InputPath): boolean {
    const o = this.roots.object(p.segs);
    return o !== undefined && !isPodSpec(o) && inContainerList(o);
  }

  /** What a key that is no list name picks at a path in a container list: an element of the list, or a field of the container. */
  private pickInContainer(p: InputPath): InputPath {
    const { without: _removed, elem: _elem, ...rest } = p;
    if (!p.elem && this.isList(p.segs)) return { ...rest, elem: true };
    return { ...rest, segs: [...p.segs, UNKNOWN_FIELD] };
  }
}
