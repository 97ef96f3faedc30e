/**
 * Sharing a function's evaluation between container lists. Templates like a container-limits
 * check call the same helpers (`canonify_mem(c.resources.limits.memory)`) once for `containers`
 * and once for `initContainers`: the calls differ only in the list their argument comes from. A
 * function that reads nothing but its arguments (no `input`, no `data` but other such functions
 * and constant rules) treats the two lists alike — the analysis singles out only
 * ephemeralContainers — so its value and effects for one list are those for the other with the
 * list renamed in every path, and the place the list was referenced (listAt) carried over.
 * Anything the renaming could not account for (a path in no list or another list, a problem
 * reported, a list referenced in more than one place) falls back to evaluating the call.
 */
import type { SourceRef } from '../../../facts';
import { walkAst, type Visit } from './ast-walk';
import type { Effects, Read } from './effects';
import { classifyObjectPath } from './rule-facts';
import type { Roots } from './roots';
import { splitCallName, type RegoModule, type RuleGroup, type RulesIndex } from './rules-index';
import { valueKey, type InputPath, type Value } from './values';

/** The lists whose calls may share an evaluation (never ephemeralContainers: the analysis treats it apart). */
type SharedList = 'containers' | 'initContainers';
const SHARED: readonly string[] = ['containers', 'initContainers'];

/** Where the list segment of a path inside the object is (`spec.<list>`, under a pod template too), and which list. */
function listSegment(obj: readonly string[]): { at: number; list: string } | undefined {
  for (let i = 1; i < obj.length; i++) {
    if (obj[i - 1] !== 'spec' || !(obj[i] === 'containers' || obj[i] === 'initContainers' || obj[i] === 'ephemeralContainers')) continue;
    // pod-paths decides which list a path is in: the segment must be that one.
    const reads = classifyObjectPath(obj).reads;
    return reads.length === 1 && reads[0]!.location === obj[i] ? { at: i, list: obj[i]! } : undefined;
  }
  return undefined;
}

const refKey = (r: SourceRef | undefined): string => (r ? `${r.file}:${r.line}:${r.column}` : '');

/** How a call's arguments sit in a container list: the list, and the one place it was referenced. */
export interface ListShape {
  list: SharedList;
  listAt: SourceRef | undefined;
  /** The call's arguments with the list renamed to `containers`: equal for calls that may share. */
  canonical: string;
}

export class Relocation {
  private readonly pure = new Map<string, boolean>();

  constructor(
    private readonly index: RulesIndex,
    private readonly roots: Roots,
  ) {}

  /** The list every path of the arguments inside the object is in, when it is one of the shared lists, referenced at one place. */
  shape(group: RuleGroup, args: readonly Value[]): ListShape | undefined {
    const paths: InputPath[] = [];
    for (const a of args) collectPaths(a, paths);
    let list: string | undefined;
    let listAt: SourceRef | undefined;
    let first = true;
    for (const p of paths) {
      const obj = this.roots.object(p.segs);
      if (!obj) continue;
      const seg = listSegment(obj);
      if (!seg || p.without?.length || (list !== undefined && seg.list !== list)) return undefined;
      if (!first && refKey(p.listAt) !== refKey(listAt)) return undefined;
      list = seg.list;
      listAt = p.listAt;
      first = false;
    }
    if (list === undefined || !SHARED.includes(list) || !this.isPure(group)) return undefined;
    const canonical = list === 'containers' ? args : args.map((a) => this.canonical(a, list!));
    return { list: list as SharedList, listAt, canonical: `${group.key}(${canonical.map(valueKey).join('\u0001')})` };
  }

  /** A result computed for one shape, for a call of another shape; undefined when it cannot be carried over. */
  relocate(result: { value: Value; effects: Effects }, from: ListShape, to: ListShape): { value: Value; effects: Effects } | undefined {
    if (result.effects.problems.length > 0) return undefined;
    const fromAt = refKey(from.listAt);
    // Every path inside the object must be in the list the call came from, referenced where it was.
    const move = <P extends { segs: readonly string[]; listAt?: SourceRef }>(p: P): P | undefined => {
      const obj = this.roots.object(p.segs);
      if (!obj) return p;
      const seg = listSegment(obj);
      if (!seg || seg.list !== from.list || refKey(p.listAt) !== fromAt) return undefined;
      const { listAt: _old, ...rest } = p;
      const segs = renamed(p.segs, p.segs.length - obj.length + seg.at, to.list);
      return (to.listAt ? { ...rest, segs, listAt: to.listAt } : { ...rest, segs }) as unknown as P;
    };
    const value = mapPaths(result.value, move);
    if (!value) return undefined;
    const reads: Read[] = [];
    for (const r of result.effects.reads) {
      const moved = move(r);
      if (!moved) return undefined;
      reads.push(moved);
    }
    return { value, effects: { reads, problems: [], parameters: new Set(result.effects.parameters) } };
  }

  /** A call's arguments with the list renamed to `containers` (listAt left as it is): the key of calls that may share. */
  private canonical(v: Value, from: string): Value {
    return mapPaths(v, (p) => {
      const obj = this.roots.object(p.segs);
      const seg = obj && listSegment(obj);
      return obj && seg?.list === from ? { ...p, segs: renamed(p.segs, p.segs.length - obj.length + seg.at, 'containers') } : p;
    })!;
  }

  /**
   * A function that reads nothing but its arguments: no `input`, no `data` reference other than to
   * functions and rules that read nothing either (constants such as a prefix), no `with`.
   */
  private isPure(group: RuleGroup): boolean {
    const known = this.pure.get(group.key);
    if (known !== undefined) return known;
    this.pure.set(group.key, false); // while it is checked (recursion is not pure)
    const ok = [...group.defs, ...group.defaults].every((d) => this.pureNode(d.rule, d.mod));
    this.pure.set(group.key, ok);
    return ok;
  }

  private pureNode(node: unknown, mod: RegoModule): boolean {
    let ok = true;
    walk(node, (n) => {
      if (!ok) return;
      if (n.type === 'with') ok = false;
      else if (n.type === 'var') ok = this.pureName(mod, n.name as string, []);
      else if (n.type === 'call') {
        const { first, more } = splitCallName(n.name as string);
        ok = this.pureName(mod, first, more);
      }
    });
    return ok;
  }

  /** A name a function body uses: a local variable or builtin, or a rule or function that is pure. */
  private pureName(mod: RegoModule, name: string, more: readonly string[]): boolean {
    const resolved = this.index.resolveName(mod, name);
    if (!resolved) return true;
    if (resolved[0] !== 'data') return false;
    const group = this.index.group([...resolved.slice(1), ...more]);
    return group !== undefined && this.isPure(group);
  }
}

const renamed = (segs: readonly string[], at: number, list: string): string[] => [...segs.slice(0, at), list, ...segs.slice(at + 1)];

/** The value with every path (in its collections too) mapped; undefined when one cannot be. */
function mapPaths(v: Value, f: (p: InputPath) => InputPath | undefined): Value | undefined {
  const paths: InputPath[] = [];
  for (const p of v.paths) {
    const q = f(p);
    if (!q) return undefined;
    paths.push(q);
  }
  const out: { -readonly [K in keyof Value]: Value[K] } = { ...v, paths };
  for (const k of ['elems', 'keys'] as const) {
    if (!v[k]) continue;
    const inner = mapPaths(v[k]!, f);
    if (!inner) return undefined;
    out[k] = inner;
  }
  if (v.fields) {
    const fields = new Map<string, Value>();
    for (const [k, x] of v.fields) {
      const inner = mapPaths(x, f);
      if (!inner) return undefined;
      fields.set(k, inner);
    }
    out.fields = fields;
  }
  if (v.items) {
    const items: Value[] = [];
    for (const x of v.items) {
      const inner = mapPaths(x, f);
      if (!inner) return undefined;
      items.push(inner);
    }
    out.items = items;
  }
  return out;
}

/** Every path of a value, in its collections too. */
function collectPaths(v: Value, into: InputPath[]): void {
  into.push(...v.paths);
  for (const inner of [v.elems, v.keys, ...(v.fields?.values() ?? []), ...(v.items ?? [])]) if (inner) collectPaths(inner, into);
}

/** Not walked: a rule's own head (its name), a call's operator (its name is looked at whole). */
const skipped = (n: Record<string, unknown>, k: string): boolean =>
  (k === 'head' && n.type === 'rule') || (k === 'operator' && n.type === 'call');

/** Every AST node under a node. */
function walk(node: unknown, visit: Visit): void {
  walkAst(node, visit, skipped);
}
