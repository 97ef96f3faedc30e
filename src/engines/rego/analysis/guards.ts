/**
 * The kubectl debug request. Ephemeral containers only ever arrive as an UPDATE on the subresource
 * `pods/ephemeralcontainers` (DOMAIN.md §1), so a violation body that is false for that request
 * never checks them at admission. Bodies are evaluated three-valued (true, false, unknown) for it.
 * Known: the request's `operation` ("UPDATE"), `subResource` ("ephemeralcontainers"), `kind` and
 * `resource` (Pod, pods), and that `object` and `oldObject` are Pods, present with spec and metadata.
 * Everything else — the object's fields, userInfo, parameters, data — is unknown, so
 * `not input.review.object.metadata.annotations[…]` may hold; only a definitely false body skips
 * the request. Helper rules, partial sets and lib functions are followed (`not is_update(input.review)`
 * with `is_update(review) { object.get(review, "operation", "") == "UPDATE" }` in a lib), and when
 * a helper can never hold, the expression inside it that decides is the one reported.
 *
 * A second pass adds what holds for every debug request but is about the Pod, not the request:
 * it has at least one ephemeral container. A body false only then (`count(spec.ephemeralContainers) == 0`)
 * checks containers on other requests but never an ephemeral one.
 *
 * When the constraint's parameters are known (a constraint in the scanned files, or the default
 * empty parameters of a template judged without one), `input.parameters` is that value in every
 * pass, and a third pass that knows nothing of the request finds the bodies the parameters switch
 * off for every request (`not input.parameters.hostNetwork` with `hostNetwork: true`).
 */
import type { Body, Expr, Ref, RefArg, Rule, Term } from '../ast';
import { varsBoundByPattern } from './ast-walk';
import { BudgetExceeded, checkPathLength, Depth } from './budget';
import type { Roots } from './roots';
import { splitCallName, staticName, type RegoModule, type RuleGroup, type RulesIndex } from './rules-index';
import type { Prim } from './values';

/** The expression that makes a body false, and the module it is in. */
export interface Blocker {
  expr: Expr;
  mod: RegoModule;
}

export interface GuardBlocker extends Blocker {
  /** `update`: false for the request itself; `ephemeral`: false whenever the Pod has an ephemeral container. */
  kind: 'update' | 'ephemeral';
}

/** What the interpreter knows of a function argument: an input path or a constant. */
export type ArgHint = { path: readonly string[] } | { value: Prim } | undefined;

/** What is known of a term for the debug request; `undefined` means unknown. */
type Known =
  | { t: 'prim'; v: Prim }
  /** A set or array of known constants; `by` says why an empty one is empty (a helper none of whose bodies holds). */
  | { t: 'coll'; set: boolean; v: Prim[]; by?: Blocker }
  /** One of several constants, for each binding of an iteration (`ops[_]`, `some op in ops`). */
  | { t: 'alt'; v: Prim[] }
  /** An input path; `present`: it is there and not null; `nonEmpty`: a list with at least one element. */
  | { t: 'input'; segs: string[]; present?: boolean; nonEmpty?: boolean }
  /** A number at least `min` (the count of a non-empty list). */
  | { t: 'atLeast'; min: number }
  /** Definitely undefined: a rule or function none of whose bodies can hold. */
  | { t: 'none'; by?: Blocker }
  | undefined;

type Env = Map<string, Known>;

interface Truth {
  v: boolean | undefined;
  by?: Blocker;
  /** A body's blocker is one of its own expressions (not one inside a helper it uses). */
  own?: boolean;
}

const UNKNOWN: Truth = { v: undefined };
const TRUE: Truth = { v: true };

/** Steps one top-level question may take, and all questions of one analysis together. */
const MAX_STEPS = 20_000;
const MAX_TOTAL_STEPS = 2_000_000;

/** The kubectl debug request's attributes, by path below the request. */
const REQUEST: Readonly<Record<string, Prim>> = {
  operation: 'UPDATE',
  subResource: 'ephemeralcontainers',
  'kind.group': '',
  'kind.version': 'v1',
  'kind.kind': 'Pod',
  'resource.group': '',
  'resource.version': 'v1',
  'resource.resource': 'pods',
  'object.kind': 'Pod',
  'object.apiVersion': 'v1',
  'oldObject.kind': 'Pod',
  'oldObject.apiVersion': 'v1',
};
/** Parts of the request that are always there (and not null): the Pod before and after. */
const REQUEST_PRESENT = new Set([
  'object',
  'oldObject',
  'kind',
  'resource',
  'userInfo',
  'object.spec',
  'object.metadata',
  'oldObject.spec',
  'oldObject.metadata',
]);

const prim = (v: Prim): Known => ({ t: 'prim', v });
const none = (by: Blocker | undefined): Known => (by ? { t: 'none', by } : { t: 'none' });

/** The constants a value stands for (one, or each alternative); undefined when not all known. */
function alternatives(k: Known): Prim[] | undefined {
  if (k?.t === 'prim') return [k.v];
  if (k?.t === 'alt') return k.v;
  return undefined;
}

/** One answer if every alternative gives it; unknown otherwise. */
function agree(xs: (boolean | undefined)[]): boolean | undefined {
  if (xs.length === 0 || xs.some((x) => x === undefined)) return undefined;
  return xs.every((x) => x === xs[0]) ? xs[0] : undefined;
}

function truth(k: Known): Truth {
  if (!k) return UNKNOWN;
  switch (k.t) {
    case 'none':
      return k.by ? { v: false, by: k.by } : { v: false };
    case 'prim':
      return { v: k.v !== false };
    case 'alt':
      return { v: agree(k.v.map((x) => x !== false)) };
    case 'coll':
    case 'atLeast':
      return TRUE;
    case 'input':
      return k.present || k.nonEmpty ? TRUE : UNKNOWN;
  }
}

function sameColl(a: Prim[], b: Prim[], set: boolean): boolean {
  if (set) return a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `a == b` for two defined values. */
function equal(a: Known, b: Known): boolean | undefined {
  if (!a || !b) return undefined;
  const as = alternatives(a);
  const bs = alternatives(b);
  if (as && bs) return agree(as.flatMap((x) => bs.map((y) => x === y)));
  if (a.t === 'coll' && b.t === 'coll') return a.set === b.set ? sameColl(a.v, b.v, a.set) : false;
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    // A present request part is an object, or (ephemeralContainers) a list with an element.
    if (x.t === 'input' && y.t === 'coll' && (x.nonEmpty ? y.v.length === 0 : x.present)) return false;
  }
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const ys = alternatives(y);
    if (!ys || !x) continue;
    // A present object or list is no constant; a count of a non-empty list is no smaller number.
    if (x.t === 'input' && (x.present || x.nonEmpty)) return false;
    if (x.t === 'coll') return false;
    if (x.t === 'atLeast') return agree(ys.map((v) => (typeof v !== 'number' || v < x.min ? false : undefined)));
  }
  return undefined;
}

type Order = '<' | '<=' | '>' | '>=';
const FLIP: Record<Order, Order> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function order(op: Order, a: Known, b: Known): boolean | undefined {
  if (a?.t === 'prim' && b?.t === 'prim' && typeof a.v === 'number' && typeof b.v === 'number') {
    return op === '<' ? a.v < b.v : op === '<=' ? a.v <= b.v : op === '>' ? a.v > b.v : a.v >= b.v;
  }
  if (b?.t === 'atLeast' && a?.t === 'prim') return order(FLIP[op], b, a);
  if (a?.t !== 'atLeast' || b?.t !== 'prim' || typeof b.v !== 'number') return undefined;
  // a is any number ≥ min
  const n = b.v;
  switch (op) {
    case '>':
      return a.min > n ? true : undefined;
    case '>=':
      return a.min >= n ? true : undefined;
    case '<':
      return a.min >= n ? false : undefined;
    case '<=':
      return a.min > n ? false : undefined;
  }
}

/**
 * Why a helper can never hold, to report instead of the expression that uses it: the helper's own
 * blocker, unless the helper is nothing but that test (`is_create { input.review.operation == "CREATE" }`),
 * where the use is the place to fix.
 */
function reasonOf(body: Body | undefined, t: Truth): Blocker | undefined {
  return t.own && body?.exprs.length === 1 ? undefined : t.by;
}

/** A memo key for a value (blockers left out). */
function keyOf(k: Known): string {
  if (!k) return '?';
  switch (k.t) {
    case 'none':
      return 'none';
    case 'input':
      return `in:${k.segs.join('.')}${k.present ? '!' : ''}${k.nonEmpty ? '+' : ''}`;
    case 'coll':
      return `${k.set ? 'set' : 'arr'}:${JSON.stringify(k.v)}`;
    case 'alt':
      return `alt:${JSON.stringify(k.v)}`;
    case 'atLeast':
      return `>=${k.min}`;
    case 'prim':
      return JSON.stringify(k.v);
  }
}

/** What is known of the request being judged. */
interface Knowledge {
  /** The kubectl debug request's attributes (false: any request). */
  request: boolean;
  /** The Pod has at least one ephemeral container. */
  pod: boolean;
  /** The constraint's parameters; undefined when not known. */
  parameters?: unknown;
}

const MAX_PARAMETER_ITEMS = 1_000;

/** A parameter value as a guard value: scalars and lists of scalars are known; objects and other lists are present. */
function parameterValue(v: unknown, segs: string[]): Known {
  if (v === undefined) return none(undefined);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return prim(v);
  if (Array.isArray(v) && v.length <= MAX_PARAMETER_ITEMS && v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) {
    return { t: 'coll', set: false, v: v as Prim[] };
  }
  return { t: 'input', segs, present: true, ...(Array.isArray(v) && v.length > 0 ? { nonEmpty: true } : {}) };
}

function parameterAt(params: unknown, rel: readonly string[]): unknown {
  let v = params;
  for (const k of rel) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v) ? (/^\d+$/.test(k) ? v[Number(k)] : undefined) : (v as Record<string, unknown>)[k];
  }
  return v;
}

/** One evaluation of bodies for a request, with what is known of it. */
class DebugRequest {
  private readonly memo = new Map<string, Known>();
  private readonly active = new Set<string>();
  private steps = 0;
  private total = 0;
  private readonly depth = new Depth();

  constructor(
    private readonly index: RulesIndex,
    private readonly roots: Roots,
    private readonly knows: Knowledge,
  ) {}

  blocker(body: Body, mod: RegoModule, bind?: { params: Term[]; args: ArgHint[] }): Blocker | undefined {
    this.steps = 0;
    const env: Env = new Map();
    if (bind) {
      for (const [i, p] of bind.params.entries()) {
        const hint = bind.args[i];
        const k: Known = !hint ? undefined : 'path' in hint ? this.input([...hint.path]) : prim(hint.value);
        if (p.type === 'var' && p.name !== '_') env.set(p.name, k);
        else for (const v of varsBoundByPattern(p)) env.set(v, undefined);
      }
    }
    const t = this.body(body, env, mod);
    return t.v === false ? t.by : undefined;
  }

  private body(body: Body, env: Env, mod: RegoModule): Truth {
    let all = true;
    for (const e of body.exprs) {
      const t = this.expr(e, env, mod);
      if (t.v === false) return t.by ? { v: false, by: t.by } : { v: false, by: { expr: e, mod }, own: true };
      if (t.v === undefined) all = false;
    }
    return all ? TRUE : UNKNOWN;
  }

  private expr(e: Expr, env: Env, mod: RegoModule): Truth {
    // A guard too large to decide could be the one that skips the request: fail closed.
    if (++this.steps > MAX_STEPS || ++this.total > MAX_TOTAL_STEPS) throw new BudgetExceeded('the UPDATE guards take too many steps to decide');
    // `with` replaces input or data for this expression: what it sees is not the request.
    if (e.with.length > 0) {
      for (const v of varsBoundBy(e)) env.set(v, undefined);
      return UNKNOWN;
    }
    switch (e.type) {
      case 'termExpr':
        return truth(this.term(e.term, env, mod));
      case 'not': {
        const t = this.expr(e.expr, new Map(env), mod);
        return t.v === undefined ? UNKNOWN : { v: !t.v };
      }
      case 'some':
        for (const v of e.vars) env.delete(v.name);
        return TRUE;
      case 'someIn': {
        const coll = this.term(e.collection, env, mod);
        const elems = this.elements(coll);
        this.assign(e.value, elems, env);
        if (e.key) this.assign(e.key, undefined, env);
        if (elems?.t === 'none') return truth(elems);
        return coll?.t === 'coll' ? TRUE : UNKNOWN;
      }
      case 'assign':
        return this.assign(e.left, this.term(e.right, env, mod), env);
      case 'unify':
        if (this.unbound(e.left, env, mod)) return this.assign(e.left, this.term(e.right, env, mod), env);
        if (this.unbound(e.right, env, mod)) return this.assign(e.right, this.term(e.left, env, mod), env);
        return truth(this.compare('==', this.term(e.left, env, mod), this.term(e.right, env, mod)));
      default:
        return UNKNOWN;
    }
  }

  private unbound(t: Term, env: Env, mod: RegoModule): boolean {
    if (t.type === 'var') return t.name === '_' || (!env.has(t.name) && !this.index.resolveName(mod, t.name));
    if (t.type === 'array') return t.items.some((i) => this.unbound(i, env, mod));
    if (t.type === 'object') return t.entries.some((x) => this.unbound(x.value, env, mod));
    return false;
  }

  /** Binds a pattern; the expression holds when the value is defined. */
  private assign(left: Term, v: Known, env: Env): Truth {
    if (left.type === 'var') {
      if (left.name !== '_') env.set(left.name, v);
    } else {
      for (const name of varsBoundByPattern(left)) env.set(name, undefined);
    }
    if (v?.t === 'none') return truth(v);
    if (!v || (v.t === 'input' && !v.present && !v.nonEmpty)) return UNKNOWN;
    return left.type === 'var' ? TRUE : UNKNOWN;
  }

  private term(t: Term, env: Env, mod: RegoModule): Known {
    this.depth.enter();
    try {
      return this.termValue(t, env, mod);
    } finally {
      this.depth.leave();
    }
  }

  private termValue(t: Term, env: Env, mod: RegoModule): Known {
    switch (t.type) {
      case 'string':
      case 'number':
      case 'boolean':
        return prim(t.value);
      case 'null':
        return prim(null);
      case 'array':
      case 'set': {
        const items = t.items.map((i) => this.term(i, env, mod));
        if (!items.every((i) => i?.t === 'prim')) return undefined;
        return { t: 'coll', set: t.type === 'set', v: items.map((i) => (i as { v: Prim }).v) };
      }
      case 'var':
        if (t.name === '_') return undefined;
        return env.has(t.name) ? env.get(t.name) : this.ref({ type: 'ref', head: t, path: [], pos: t.pos, end: t.end }, env, mod);
      case 'ref':
        return this.ref(t, env, mod);
      case 'call':
        return this.call(t.name, t.args, env, mod);
      case 'binary': {
        const op = t.op;
        if (op !== '==' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return undefined;
        return this.compare(op, this.term(t.left, env, mod), this.term(t.right, env, mod));
      }
      case 'membership': {
        if (t.key) return undefined;
        const v = this.term(t.value, env, mod);
        const c = this.term(t.collection, env, mod);
        if (v?.t === 'none') return v;
        if (c?.t === 'none') return c;
        const vs = alternatives(v);
        if (!vs || c?.t !== 'coll') return undefined;
        const r = agree(vs.map((x) => c.v.includes(x)));
        return r === undefined ? undefined : prim(r);
      }
      default:
        return undefined;
    }
  }

  private compare(op: '==' | '!=' | Order, a: Known, b: Known): Known {
    if (a?.t === 'none') return a;
    if (b?.t === 'none') return b;
    if (op === '==' || op === '!=') {
      const eq = equal(a, b);
      return eq === undefined ? undefined : prim(op === '==' ? eq : !eq);
    }
    const r = order(op, a, b);
    return r === undefined ? undefined : prim(r);
  }

  /** The elements of a collection, for each binding of an iteration. */
  private elements(c: Known): Known {
    if (c?.t === 'none') return c;
    if (c?.t !== 'coll') return undefined;
    if (c.v.length === 0) return none(c.by);
    return c.v.length === 1 ? prim(c.v[0]!) : { t: 'alt', v: c.v };
  }

  private ref(t: Ref, env: Env, mod: RegoModule): Known {
    const head = t.head;
    let base: Known;
    let rest: RefArg[] = t.path;
    if (head.type === 'var' && !env.has(head.name)) {
      const resolved = this.index.resolveName(mod, head.name);
      if (!resolved) return this.unknownKeys(rest, env, mod);
      const statics: string[] = [];
      while (statics.length < rest.length && staticName(rest[statics.length]!) !== undefined) statics.push(staticName(rest[statics.length]!)!);
      if (resolved[0] === 'input') {
        base = this.input([...resolved.slice(1), ...statics]);
        rest = rest.slice(statics.length);
      } else {
        const prefix = resolved.slice(1);
        const found = this.index.lookup([...prefix, ...statics]);
        if (!found || found.used < prefix.length) return this.unknownKeys(rest, env, mod);
        base = this.groupValue(found.group);
        rest = rest.slice(found.used - prefix.length);
      }
    } else {
      base = this.term(head, env, mod);
    }
    for (const [i, arg] of rest.entries()) {
      if (!base || base.t === 'none') {
        this.unknownKeys(rest.slice(i), env, mod);
        return base;
      }
      base = this.step(base, arg, env, mod);
    }
    return base;
  }

  /**
   * The variables the rest of a reference would bind by iterating (`name` in `by_name[name]`) are
   * bound, to unknown, when the collection is not known: a later `{"a", "b"}[name]` tests them
   * rather than iterating again.
   */
  private unknownKeys(args: readonly RefArg[], env: Env, mod: RegoModule): undefined {
    for (const arg of args) {
      if (arg.type === 'bracket' && arg.term.type === 'var' && arg.term.name !== '_' && this.unbound(arg.term, env, mod)) env.set(arg.term.name, undefined);
    }
    return undefined;
  }

  /** `x.f`, `x[k]`, `x[_]` on a known value. */
  private step(base: Known, arg: RefArg, env: Env, mod: RegoModule): Known {
    if (!base || base.t === 'none') return base;
    const name = staticName(arg);
    let key: Known;
    let iterVar: string | undefined;
    let iterate = false;
    if (name !== undefined) key = prim(name);
    else if (arg.type === 'bracket' && this.unbound(arg.term, env, mod) && arg.term.type === 'var') {
      iterate = true;
      iterVar = arg.term.name === '_' ? undefined : arg.term.name;
    } else if (arg.type === 'bracket') key = this.term(arg.term, env, mod);
    switch (base.t) {
      case 'input':
        if (iterate) {
          if (iterVar) env.set(iterVar, undefined);
          return undefined;
        }
        return key?.t === 'prim' && typeof key.v === 'string' ? this.input([...base.segs, key.v]) : undefined;
      case 'coll': {
        // Nothing is in an empty collection, whatever the key.
        if (base.v.length === 0) {
          if (iterVar) env.set(iterVar, undefined);
          return none(base.by);
        }
        if (iterate) {
          const elems = this.elements(base);
          if (iterVar) env.set(iterVar, base.set ? elems : undefined);
          return elems;
        }
        if (key?.t === 'none') return key;
        const ks = alternatives(key);
        if (!ks) return undefined;
        const found = ks.map((k): Prim | undefined => {
          if (base.set) return base.v.includes(k) ? k : undefined;
          return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < base.v.length ? base.v[k] : undefined;
        });
        if (found.every((f) => f === undefined)) return none(base.by);
        if (found.some((f) => f === undefined)) return undefined;
        const vals = found as Prim[];
        return vals.length === 1 ? prim(vals[0]!) : { t: 'alt', v: vals };
      }
      case 'prim':
        // A scalar has no fields or elements.
        return none(undefined);
      default:
        if (iterVar) env.set(iterVar, undefined);
        return undefined;
    }
  }

  /** The input path's value for the debug request: a request attribute, a present part, or unknown. */
  private input(segs: string[]): Known {
    checkPathLength(segs);
    const param = this.roots.parameter(segs);
    if (param && this.knows.parameters !== undefined) return parameterValue(parameterAt(this.knows.parameters, param), segs);
    if (!this.knows.request) return { t: 'input', segs };
    if (this.roots.isRequest(segs)) return { t: 'input', segs, present: true };
    for (const n of [1, 2]) {
      if (segs.length <= n || !this.roots.isRequest(segs.slice(0, -n))) continue;
      const rel = segs.slice(-n).join('.');
      const v = REQUEST[rel];
      if (v !== undefined) return prim(v);
      if (REQUEST_PRESENT.has(rel)) return { t: 'input', segs, present: true };
    }
    if (this.knows.pod) {
      const obj = this.roots.object(segs);
      if (obj && obj.length === 2 && obj[0] === 'spec' && obj[1] === 'ephemeralContainers') return { t: 'input', segs, present: true, nonEmpty: true };
      if (obj && (obj.length === 0 || (obj.length === 1 && obj[0] === 'spec'))) return { t: 'input', segs, present: true };
    }
    return { t: 'input', segs };
  }

  private call(name: string, argTerms: Term[], env: Env, mod: RegoModule): Known {
    const { first, more } = splitCallName(name);
    const resolved = env.has(first) ? undefined : this.index.resolveName(mod, first);
    // An output argument (`walk(x, [path, value])`, `f(x, out)`) binds its variables: to unknown.
    for (const a of argTerms) if (this.unbound(a, env, mod)) for (const v of varsBoundByPattern(a)) if (!env.has(v)) env.set(v, undefined);
    const args = argTerms.map((a) => this.term(a, env, mod));
    const undef = args.find((a) => a?.t === 'none');
    if (undef) return undef;
    if (resolved?.[0] === 'data') {
      const group = this.index.group([...resolved.slice(1), ...more]);
      if (group?.kind !== 'function') return undefined;
      return this.functionValue(group, args);
    }
    const [a, b] = args;
    const str = (k: Known): string | undefined => (k?.t === 'prim' && typeof k.v === 'string' ? k.v : undefined);
    switch (name) {
      case 'lower':
      case 'upper': {
        const s = str(a);
        return s === undefined ? undefined : prim(name === 'lower' ? s.toLowerCase() : s.toUpperCase());
      }
      case 'trim_suffix':
      case 'trim_prefix': {
        const [s, x] = [str(a), str(b)];
        if (s === undefined || x === undefined) return undefined;
        if (name === 'trim_suffix') return prim(x && s.endsWith(x) ? s.slice(0, s.length - x.length) : s);
        return prim(x && s.startsWith(x) ? s.slice(x.length) : s);
      }
      case 'startswith':
      case 'endswith':
      case 'contains': {
        const [s, x] = [str(a), str(b)];
        // Every string starts with, ends with and contains "" (an exemption "*" exempts every image).
        if (x === '' && s === undefined) return prim(true);
        if (s === undefined || x === undefined) return undefined;
        return prim(name === 'startswith' ? s.startsWith(x) : name === 'endswith' ? s.endsWith(x) : s.includes(x));
      }
      case 'count':
        if (a?.t === 'coll') return prim(a.v.length);
        if (a?.t === 'input' && a.nonEmpty) return { t: 'atLeast', min: 1 };
        return str(a) === undefined ? undefined : prim([...str(a)!].length);
      case 'is_null':
        if (a?.t === 'prim') return prim(a.v === null);
        return a?.t === 'input' && a.present ? prim(false) : undefined;
      case 'object.get':
        return this.objectGet(a, b, args[2]);
      default:
        return undefined;
    }
  }

  /** `object.get(x, "k", d)`, `object.get(x, ["a", "b"], d)` on an input path: a known value, or unknown (it may be the default). */
  private objectGet(x: Known, key: Known, fallback: Known): Known {
    let path: string[] | undefined;
    if (key?.t === 'prim' && typeof key.v === 'string') path = [key.v];
    else if (key?.t === 'coll' && !key.set && key.v.every((s) => typeof s === 'string')) path = key.v as string[];
    if (!path || x?.t !== 'input') return undefined;
    const v = this.input([...x.segs, ...path]);
    // A parameter known to be absent: the default.
    if (v?.t === 'none') return fallback;
    if (v?.t === 'input' && !v.present && !v.nonEmpty) return undefined;
    return v;
  }

  /** Once per key; re-entering a group being evaluated (recursion, which OPA rejects) is unknown. */
  private memoised(key: string, group: RuleGroup, run: () => Known): Known {
    if (this.memo.has(key)) return this.memo.get(key);
    if (this.active.has(group.key)) return undefined;
    this.active.add(group.key);
    let k: Known;
    try {
      k = run();
    } finally {
      this.active.delete(group.key);
    }
    this.memo.set(key, k);
    return k;
  }

  /** The value of a rule referenced without arguments. */
  private groupValue(group: RuleGroup): Known {
    switch (group.kind) {
      case 'complete':
        return this.memoised(group.key, group, () => this.outcome(group, () => new Map()));
      case 'partialSet':
      case 'partialObject':
        return this.memoised(group.key, group, () => this.collection(group));
      default:
        return undefined;
    }
  }

  /**
   * A partial set or object: empty when no body can hold (lookups in it are then undefined, for
   * the reason of its first body); a set of constants when every body holds with a constant key.
   */
  private collection(group: RuleGroup): Known {
    let by: Blocker | undefined;
    let allFalse = true;
    const keys: Prim[] = [];
    let keysKnown = group.kind === 'partialSet';
    for (const def of group.defs) {
      for (const body of def.rule.bodies.length ? def.rule.bodies : [undefined]) {
        const env: Env = new Map();
        const t = body ? this.body(body, env, def.mod) : TRUE;
        if (t.v === false) {
          by ??= reasonOf(body, t);
          continue;
        }
        allFalse = false;
        const k = def.rule.key ? this.term(def.rule.key, env, def.mod) : undefined;
        if (t.v === true && k?.t === 'prim') keys.push(k.v);
        else keysKnown = false;
      }
    }
    if (allFalse) return { t: 'coll', set: true, v: [], ...(by ? { by } : {}) };
    return keysKnown ? { t: 'coll', set: true, v: keys } : undefined;
  }

  private functionValue(group: RuleGroup, args: Known[]): Known {
    return this.memoised(`${group.key}(${args.map(keyOf).join(',')})`, group, () =>
      this.outcome(group, (rule) => {
        const params = rule.args ?? [];
        if (params.length !== args.length) return undefined;
        const env: Env = new Map();
        for (const [i, p] of params.entries()) {
          const a = args[i];
          if (p.type === 'var') {
            if (p.name !== '_') env.set(p.name, a);
          } else if (p.type === 'string' || p.type === 'number' || p.type === 'boolean' || p.type === 'null') {
            const c = p.type === 'null' ? null : p.value;
            const as = alternatives(a);
            if (as && !as.includes(c)) return undefined;
          } else {
            for (const v of varsBoundByPattern(p)) env.set(v, undefined);
          }
        }
        return env;
      }),
    );
  }

  /**
   * A rule's value: the head of a body that definitely holds; `none` when no body can hold (and
   * no default); unknown otherwise. `envFor` binds a definition's parameters (undefined: no match).
   */
  private outcome(group: RuleGroup, envFor: (rule: Rule) => Env | undefined): Known {
    let unknown = false;
    let by: Blocker | undefined;
    for (const def of group.defs) {
      for (let r: Rule | undefined = def.rule; r; r = r.else) {
        let chainUnknown = false;
        for (const body of r.bodies.length ? r.bodies : [undefined]) {
          const env = envFor(def.rule);
          if (!env) continue;
          const t = body ? this.body(body, env, def.mod) : TRUE;
          if (t.v === true) return r.value ? this.term(r.value, env, def.mod) : prim(true);
          if (t.v === undefined) chainUnknown = true;
          else by ??= reasonOf(body, t);
        }
        // An `else` applies only when every body above it is false.
        if (chainUnknown) {
          unknown = true;
          break;
        }
      }
    }
    if (unknown) return undefined;
    const dflt = group.defaults[0];
    if (!dflt) return none(by);
    return dflt.rule.value ? this.term(dflt.rule.value, new Map(), dflt.mod) : prim(true);
  }
}

function varsBoundBy(e: Expr): string[] {
  if (e.type === 'assign' || e.type === 'unify') return [...varsBoundByPattern(e.left), ...(e.type === 'unify' ? varsBoundByPattern(e.right) : [])];
  if (e.type === 'someIn') return [...varsBoundByPattern(e.value), ...(e.key ? varsBoundByPattern(e.key) : [])];
  return [];
}

/**
 * Whether a body can hold for the kubectl debug request: first for the request alone (an UPDATE
 * guard, a subResource test), then also knowing the Pod has an ephemeral container.
 */
export class UpdateGuards {
  private readonly request: DebugRequest;
  private readonly withPod: DebugRequest;
  /** Any request, under the known parameters; absent when the parameters are not known. */
  private readonly anyRequest?: DebugRequest;

  /** `parameters`: the constraint's parameters, when known. */
  constructor(index: RulesIndex, roots: Roots, parameters?: unknown) {
    this.request = new DebugRequest(index, roots, { request: true, pod: false, parameters });
    this.withPod = new DebugRequest(index, roots, { request: true, pod: true, parameters });
    if (parameters !== undefined) this.anyRequest = new DebugRequest(index, roots, { request: false, pod: false, parameters });
  }

  /** The expression that makes the body false for every request under the known parameters, if there is one. */
  switchedOff(body: Body, mod: RegoModule, bind?: { params: Term[]; args: ArgHint[] }): Blocker | undefined {
    try {
      return this.anyRequest?.blocker(body, mod, bind);
    } catch (e) {
      // Too large to decide: the body is read as if the parameters were not known.
      if (e instanceof BudgetExceeded) return undefined;
      throw e;
    }
  }

  /**
   * The expression that makes the body false for every kubectl debug request, if there is one.
   * `bind` gives a function body's parameters what is known of the arguments it is called with.
   */
  blocker(body: Body, mod: RegoModule, bind?: { params: Term[]; args: ArgHint[] }): GuardBlocker | undefined {
    const update = this.request.blocker(body, mod, bind);
    if (update) return { ...update, kind: 'update' };
    const eph = this.withPod.blocker(body, mod, bind);
    return eph ? { ...eph, kind: 'ephemeral' } : undefined;
  }
}
