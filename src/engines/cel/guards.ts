/**
 * Does an expression decide the `kubectl debug` request on its own? It is evaluated three-valued
 * for the request that adds an ephemeral container: UPDATE on pods/ephemeralcontainers, with an
 * old object, and (unless `knowsEphemeral` is off) a Pod whose `spec.ephemeralContainers` is a
 * non-empty list. Nothing else about the Pod is known. A validation that is true for that request
 * whatever the Pod (`request.operation == "UPDATE" || …`) never checks ephemeral containers; one
 * that is false for it (`!has(object.spec.ephemeralContainers)`) rejects every kubectl debug; a
 * match condition that is false for it skips the whole policy.
 *
 * Request attributes are followed through the common forms (comparisons, `in`, `size()`,
 * `lowerAscii()`/`upperAscii()`/`trim()`, `startsWith`/`endsWith`/`contains`/`matches` with a known
 * argument, macros over constant lists, `cel.bind`, variables). A test on a request attribute that
 * stays undecided where it could decide the outcome is recorded as an open guard, so the caller
 * reports it instead of counting the validation silently.
 */
import type { CelExpr, Variable } from './expressions';
import type { CelNode } from './parse';
import { CelBudget } from './budget';

/** The sub-expression that settled the outcome, and the expression it belongs to. */
export interface Decider {
  node: CelNode;
  expr: CelExpr;
}

/** A test on a request attribute that polcov could not decide for the kubectl debug request. */
export interface OpenGuard extends Decider {
  /** The request attribute it reads (`request.operation`, `request.subResource`, `oldObject`…). */
  attribute: string;
}

type Known =
  | { t: 'bool'; v: boolean; by?: Decider }
  | { t: 'str'; v: string; from?: string }
  | { t: 'strs'; v: string[] }
  | { t: 'num'; lo: number; hi: number; from?: string }
  | { t: 'null' }
  /** A non-null object: the Pod (`pod`), its spec (`spec`), the request (`request…`), or other. */
  | { t: 'object'; path?: string; from?: string }
  /** `object.spec.ephemeralContainers` of the kubectl debug request: a list with at least one item. */
  | { t: 'ephemeral' }
  /** Undecided, and it depends on a request attribute. */
  | { t: 'open'; from: string }
  /** A known constraint parameter that is an object or a list of other than strings (Gatekeeper `variables.params`). */
  | { t: 'data'; v: unknown };
type G = Known | undefined;
type Env = Map<string, G>;
type Outcome = { true?: Decider; false?: Decider; open: OpenGuard[] };

/** The attributes of the kubectl debug request, by path under `request`. */
const REQUEST: Record<string, string> = {
  operation: 'UPDATE',
  subResource: 'ephemeralcontainers',
  requestSubResource: 'ephemeralcontainers',
  'resource.group': '',
  'resource.version': 'v1',
  'resource.resource': 'pods',
  'requestResource.group': '',
  'requestResource.version': 'v1',
  'requestResource.resource': 'pods',
  'kind.group': '',
  'kind.version': 'v1',
  'kind.kind': 'Pod',
  'requestKind.group': '',
  'requestKind.version': 'v1',
  'requestKind.kind': 'Pod',
};
const REQUEST_OBJECTS = new Set(['resource', 'requestResource', 'kind', 'requestKind']);

const ITERATION_MACROS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'filter', 'map']);

export interface GuardOptions {
  /** The Pod carries a non-empty `spec.ephemeralContainers` (true for the kubectl debug request). */
  knowsEphemeral: boolean;
  /** The request is the kubectl debug request (default); false: any request. */
  knowsRequest?: boolean;
  /** Gatekeeper's `variables.params`, when the constraint's parameters are known. */
  parameters?: unknown;
}

/** A known parameter value; `by` is the node that reads it. */
function parameterValue(v: unknown, by: Decider): G {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return { t: 'bool', v, by };
  if (typeof v === 'string') return { t: 'str', v };
  if (typeof v === 'number') return { t: 'num', lo: v, hi: v };
  if (v === null) return { t: 'null' };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { t: 'strs', v: v as string[] };
  return { t: 'data', v };
}

/** A field of known parameter data: `present` whether it is there, `value` what it is. */
function parameterField(base: G, field: string): { present: boolean; value: unknown } | undefined {
  if (base?.t !== 'data' || base.v === null || typeof base.v !== 'object' || Array.isArray(base.v)) return undefined;
  const o = base.v as Record<string, unknown>;
  return { present: Object.prototype.hasOwnProperty.call(o, field), value: o[field] };
}

/** The request attribute an undecided value depends on, if any. */
function source(g: G): string | undefined {
  if (!g) return undefined;
  if (g.t === 'open') return g.from;
  if (g.t === 'str' || g.t === 'num' || g.t === 'object') return g.from;
  return undefined;
}

/** Undecided: open when any input came from a request attribute. */
function undecided(...inputs: G[]): G {
  for (const i of inputs) {
    const from = source(i);
    if (from) return { t: 'open', from };
  }
  return undefined;
}

function equal(a: Known, b: Known): boolean | undefined {
  if (a.t === 'open' || b.t === 'open') return undefined;
  if (a.t === 'str' && b.t === 'str') return a.v === b.v;
  if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
  if (a.t === 'num' && b.t === 'num') {
    if (a.lo === a.hi && b.lo === b.hi) return a.lo === b.lo;
    return a.hi < b.lo || b.hi < a.lo ? false : undefined;
  }
  if (a.t === 'strs' && b.t === 'strs') return a.v.length === b.v.length && a.v.every((s, i) => s === b.v[i]);
  if (a.t === 'null' || b.t === 'null') return a.t === b.t;
  if ((a.t === 'ephemeral' && b.t === 'strs') || (a.t === 'strs' && b.t === 'ephemeral')) {
    return (a.t === 'strs' ? a : (b as { v: string[] })).v.length === 0 ? false : undefined;
  }
  if ((a.t === 'str' && b.t === 'object') || (a.t === 'object' && b.t === 'str')) return false;
  return undefined;
}

function compare(op: string, a: Known, b: Known): boolean | undefined {
  if (a.t !== 'num' || b.t !== 'num') {
    if (a.t === 'str' && b.t === 'str') {
      if (op === '<') return a.v < b.v;
      if (op === '<=') return a.v <= b.v;
      if (op === '>') return a.v > b.v;
      if (op === '>=') return a.v >= b.v;
    }
    return undefined;
  }
  switch (op) {
    case '<':
      return a.hi < b.lo ? true : a.lo >= b.hi ? false : undefined;
    case '<=':
      return a.hi <= b.lo ? true : a.lo > b.hi ? false : undefined;
    case '>':
      return compare('<', b, a);
    case '>=':
      return compare('<=', b, a);
    default:
      return undefined;
  }
}

function literal(v: unknown): G {
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'string') return { t: 'str', v };
  if (typeof v === 'number' || typeof v === 'bigint') return { t: 'num', lo: Number(v), hi: Number(v) };
  return v === null ? { t: 'null' } : undefined;
}

const isNode = (x: unknown): x is CelNode => typeof x === 'object' && x !== null && 'op' in x;

/** CEL `matches` is an unanchored RE2 search; patterns JavaScript cannot read stay undecided. */
function matches(s: string, pattern: string): boolean | undefined {
  try {
    return new RegExp(pattern, 'u').test(s);
  } catch {
    return undefined;
  }
}

export class DebugRequestGuards {
  private readonly memo = new Map<string, { value: G; open: OpenGuard[] }>();
  private readonly outcomes = new WeakMap<CelExpr, Outcome>();
  private readonly active = new Set<string>();
  /** Open guards of the evaluation in progress; an outcome that is decided drops those below it. */
  private open: OpenGuard[] = [];
  private readonly budget = new CelBudget('deciding the CEL guards');

  constructor(
    private readonly variables: Map<string, Variable>,
    private readonly options: GuardOptions = { knowsEphemeral: true },
  ) {}

  /** What makes `e` true for every kubectl debug request, if it is. */
  alwaysTrue(e: CelExpr): Decider | undefined {
    return this.decide(e).true;
  }

  /** What makes `e` false for every kubectl debug request, if it is. */
  alwaysFalse(e: CelExpr): Decider | undefined {
    return this.decide(e).false;
  }

  /** Tests on request attributes in `e` that stay undecided and could decide its outcome. */
  openGuards(e: CelExpr): OpenGuard[] {
    return this.decide(e).open;
  }

  private decide(e: CelExpr): Outcome {
    const known = this.outcomes.get(e);
    if (known) return known;
    let out: Outcome = { open: [] };
    if (e.ast) {
      const saved = this.open;
      this.open = [];
      try {
        const r = this.cond(e.ast, e, new Map());
        out = r?.t === 'bool' && r.by ? (r.v ? { true: r.by, open: [] } : { false: r.by, open: [] }) : { open: this.open };
      } finally {
        this.open = saved;
      }
    }
    this.outcomes.set(e, out);
    return out;
  }

  /** A boolean position: an undecided test on a request attribute with no open guard inside is one. */
  private cond(n: CelNode, e: CelExpr, env: Env): G {
    const mark = this.open.length;
    const r = this.eval(n, e, env);
    if (r?.t === 'open' && this.open.length === mark) this.open.push({ node: n, expr: e, attribute: r.from });
    return r;
  }

  private eval(n: CelNode, e: CelExpr, env: Env): G {
    const mark = this.open.length;
    const r = this.budget.run(() => this.evalNode(n, e, env));
    if (r?.t === 'bool') this.open.length = mark; // decided: whatever stayed open below did not matter
    return r;
  }

  private evalNode(n: CelNode, e: CelExpr, env: Env): G {
    const by = (v: boolean): Known => ({ t: 'bool', v, by: { node: n, expr: e } });
    switch (n.op) {
      case 'value':
        return literal(n.args);
      case 'id':
        if (env.has(n.args)) return env.get(n.args);
        if (n.args === 'object') return { t: 'object', path: 'pod' };
        if (this.options.knowsRequest === false) return undefined;
        if (n.args === 'oldObject') return { t: 'object', from: 'oldObject' };
        if (n.args === 'request') return { t: 'object', path: 'request', from: 'request' };
        return undefined;
      case 'list': {
        const items = n.args.map((a) => this.eval(a, e, env));
        if (items.every((i) => i?.t === 'str')) return { t: 'strs', v: items.map((i) => (i as { v: string }).v) };
        return undecided(...items);
      }
      case 'map':
        return undecided(...n.args.flat().map((a) => this.eval(a, e, env)));
      case '.':
      case '.?': {
        const [base, field] = n.args;
        if (base.op === 'id' && base.args === 'variables' && !env.has('variables')) {
          if (field === 'params' && !this.variables.has('params') && this.options.parameters !== undefined) return { t: 'data', v: this.options.parameters };
          return this.variable(field);
        }
        const value = this.eval(base, e, env);
        const param = parameterField(value, field);
        if (param) return parameterValue(param.value, { node: n, expr: e });
        return this.select(value, field);
      }
      case '[]':
      case '[?]': {
        const base = this.eval(n.args[0], e, env);
        const key = this.eval(n.args[1], e, env);
        if (key?.t === 'str' && base?.t === 'object') return this.select(base, key.v);
        // `{"CREATE": false}[request.operation]`: open when the key or the collection is.
        return undecided(key, base?.t === 'object' ? undefined : base);
      }
      case 'call': {
        const [name, args] = n.args;
        if (name === 'has' && args.length === 1) return this.has(args[0]!, e, env, by);
        const vals = args.map((a) => this.eval(a, e, env));
        if (name === 'size' && vals.length === 1) return this.size(vals[0]);
        if ((name === 'string' || name === 'dyn') && vals.length === 1) return vals[0];
        if (name === 'matches' && vals[0]?.t === 'str' && vals[1]?.t === 'str') {
          const m = matches(vals[0].v, vals[1].v);
          return m === undefined ? undecided(...vals) : by(m);
        }
        return undecided(...vals);
      }
      case 'rcall':
        return this.rcall(n, e, env, by);
      case '==':
      case '!=': {
        const a = this.eval(n.args[0], e, env);
        const b = this.eval(n.args[1], e, env);
        const eq = a && b ? equal(a, b) : undefined;
        return eq === undefined ? undecided(a, b) : by(n.op === '==' ? eq : !eq);
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const a = this.eval(n.args[0], e, env);
        const b = this.eval(n.args[1], e, env);
        const c = a && b ? compare(n.op, a, b) : undefined;
        return c === undefined ? undecided(a, b) : by(c);
      }
      case 'in': {
        const a = this.eval(n.args[0], e, env);
        const keysNode = n.args[1];
        const b = keysNode.op === 'map' ? this.mapKeys(keysNode.args, e, env) : this.eval(keysNode, e, env);
        return a?.t === 'str' && b?.t === 'strs' ? by(b.v.includes(a.v)) : undecided(a, b);
      }
      case '!_': {
        const a = this.cond(n.args, e, env);
        if (a?.t !== 'bool') return a?.t === 'open' ? a : undefined;
        return { t: 'bool', v: !a.v, ...(a.by ? { by: { node: n, expr: e } } : {}) };
      }
      case '&&':
      case '||': {
        // CEL's logical operators are commutative: a decisive side wins even if the other is unknown.
        const decisive = n.op === '||';
        const [a, b] = n.args.map((x) => this.cond(x, e, env));
        const hit = [a, b].find((x) => x?.t === 'bool' && x.v === decisive);
        if (hit) return hit;
        if (a?.t === 'bool' && b?.t === 'bool') {
          // Every side is settled the other way: the whole expression is what decides.
          return { t: 'bool', v: !decisive, ...(a.by || b.by ? { by: { node: n, expr: e } } : {}) };
        }
        return undecided(a, b);
      }
      case '?:': {
        const c = this.cond(n.args[0], e, env);
        if (c?.t !== 'bool') {
          const [x, y] = [this.cond(n.args[1], e, env), this.cond(n.args[2], e, env)];
          if (x?.t === 'bool' && y?.t === 'bool' && x.v === y.v && (x.by || y.by)) return by(x.v);
          return undecided(c, x, y);
        }
        const branch = this.cond(c.v ? n.args[1] : n.args[2], e, env);
        // `guard ? true : check`: the outcome is the guard's doing.
        return branch?.t === 'bool' && !branch.by && c.by ? { ...branch, by: c.by } : branch;
      }
      case '+': {
        const [a, b] = n.args.map((x) => this.eval(x, e, env));
        if (a?.t === 'str' && b?.t === 'str') return { t: 'str', v: this.budget.sized(a.v + b.v), ...(a.from || b.from ? { from: (a.from ?? b.from)! } : {}) };
        if (a?.t === 'strs' && b?.t === 'strs') return { t: 'strs', v: this.budget.sized([...a.v, ...b.v]) };
        return undecided(a, b);
      }
      default:
        // Arithmetic and anything else: undecided, and open when it works on a request attribute.
        return undecided(...(Array.isArray(n.args) ? n.args : [n.args]).filter(isNode).map((a) => this.eval(a, e, env)));
    }
  }

  private mapKeys(entries: [CelNode, CelNode][], e: CelExpr, env: Env): G {
    const keys = entries.map(([k]) => this.eval(k, e, env));
    return keys.every((k) => k?.t === 'str') ? { t: 'strs', v: keys.map((k) => (k as { v: string }).v) } : undefined;
  }

  private select(base: G, field: string): G {
    if (base?.t !== 'object') return undefined;
    if (base.path === 'pod') return field === 'spec' ? { t: 'object', path: 'spec' } : undefined;
    if (base.path === 'spec') return field === 'ephemeralContainers' && this.options.knowsEphemeral ? { t: 'ephemeral' } : undefined;
    if (base.path?.startsWith('request')) {
      const rel = base.path === 'request' ? field : `${base.path.slice('request.'.length)}.${field}`;
      const attr = `request.${rel}`;
      const v = REQUEST[rel];
      if (v !== undefined) return { t: 'str', v, from: attr };
      if (base.path === 'request' && REQUEST_OBJECTS.has(field)) return { t: 'object', path: attr };
      if (base.path === 'request' && field === 'oldObject') return { t: 'object', from: attr };
    }
    // Fields of the old Pod, the user, the namespace…: data, not a test on the request.
    return undefined;
  }

  /** `has(x.f)`: true for request attributes the debug request carries, the spec, ephemeral containers. */
  private has(arg: CelNode, e: CelExpr, env: Env, by: (v: boolean) => Known): G {
    if (arg.op !== '.' && arg.op !== '.?') return undefined;
    const param = parameterField(this.eval(arg.args[0], e, env), arg.args[1]);
    if (param) return by(param.present);
    const v = this.eval(arg, e, env);
    if (v?.t === 'str' || v?.t === 'ephemeral' || (v?.t === 'object' && (v.path || v.from))) return by(true);
    return undefined;
  }

  private size(v: G): G {
    if (v?.t === 'str') return { t: 'num', lo: v.v.length, hi: v.v.length, ...(v.from ? { from: v.from } : {}) };
    if (v?.t === 'strs') return { t: 'num', lo: v.v.length, hi: v.v.length };
    if (v?.t === 'ephemeral') return { t: 'num', lo: 1, hi: Infinity };
    return undecided(v);
  }

  private rcall(n: CelNode & { op: 'rcall' }, e: CelExpr, env: Env, by: (v: boolean) => Known): G {
    const [name, recvNode, args] = n.args;
    if (name === 'bind' && recvNode.op === 'id' && recvNode.args === 'cel' && !env.has('cel') && args.length === 3 && args[0]!.op === 'id') {
      const inner: Env = new Map(env);
      inner.set(args[0]!.args, this.eval(args[1]!, e, env));
      return this.cond(args[2]!, e, inner);
    }
    if (ITERATION_MACROS.has(name) && args.length >= 2 && args[0]!.op === 'id') return this.macro(n, e, env, by);
    const recv = this.eval(recvNode, e, env);
    const vals = args.map((a) => this.eval(a, e, env));
    const arg = vals[0];
    switch (name) {
      case 'orValue':
      case 'value':
      case 'or':
        return recv ?? undecided(...vals);
      case 'hasValue':
        return recv && recv.t !== 'open' && recv.t !== 'null' ? by(true) : undecided(recv);
      case 'size':
        return this.size(recv);
      case 'lowerAscii':
      case 'upperAscii':
      case 'trim':
        if (recv?.t !== 'str') return undecided(recv);
        return { ...recv, v: name === 'lowerAscii' ? recv.v.toLowerCase() : name === 'upperAscii' ? recv.v.toUpperCase() : recv.v.trim() };
      case 'startsWith':
      case 'endsWith':
      case 'contains':
      case 'matches': {
        if (recv?.t !== 'str' || arg?.t !== 'str') return undecided(recv, arg);
        if (name === 'startsWith') return by(recv.v.startsWith(arg.v));
        if (name === 'endsWith') return by(recv.v.endsWith(arg.v));
        if (name === 'contains') return by(recv.v.includes(arg.v));
        const m = matches(recv.v, arg.v);
        return m === undefined ? undecided(recv, arg) : by(m);
      }
      default:
        return undecided(recv, ...vals);
    }
  }

  /** `all`, `exists`, `exists_one`, `filter`, `map`: over a constant list, element by element. */
  private macro(n: CelNode & { op: 'rcall' }, e: CelExpr, env: Env, by: (v: boolean) => Known): G {
    const [name, recvNode, args] = n.args;
    const recv = this.eval(recvNode, e, env);
    const twoVars = args.length === 3 && name !== 'map' && name !== 'filter';
    const vars = args.slice(0, twoVars ? 2 : 1).map((a) => (a.op === 'id' ? a.args : ''));
    const body = args[vars.length]!;
    if (name === 'filter' || name === 'map' || args.length > vars.length + 1) {
      const inner: Env = new Map(env);
      for (const v of vars) inner.set(v, undefined);
      const results = args.slice(vars.length).map((b) => this.cond(b, e, inner));
      return undecided(recv, ...results);
    }
    if (recv?.t === 'strs' && !twoVars) {
      const results = recv.v.map((s) => this.cond(body, e, new Map(env).set(vars[0]!, { t: 'str', v: s })));
      const bools = results.filter((r): r is Known & { t: 'bool' } => r?.t === 'bool');
      const trues = bools.filter((b) => b.v).length;
      if (name === 'all') {
        if (bools.some((b) => !b.v)) return by(false);
        if (bools.length === results.length) return by(true);
      } else if (name === 'exists') {
        if (trues > 0) return by(true);
        if (bools.length === results.length) return by(false);
      } else if (bools.length === results.length) {
        return by(trues === 1);
      }
      return undecided(...results);
    }
    // Unknown elements: the body decides only when it holds (or fails) whatever the element.
    const inner: Env = new Map(env);
    for (const v of vars) inner.set(v, undefined);
    const r = this.cond(body, e, inner);
    const nonEmpty = recv?.t === 'ephemeral';
    if (r?.t === 'bool') {
      const decider = r.by ?? { node: n, expr: e };
      if (name === 'all' && (r.v || nonEmpty)) return { t: 'bool', v: r.v, by: decider };
      if (name === 'exists' && (!r.v || nonEmpty)) return { t: 'bool', v: r.v, by: decider };
      if ((name === 'exists_one' || name === 'existsOne') && !r.v) return { t: 'bool', v: false, by: decider };
      return undecided(recv);
    }
    return undecided(r, recv);
  }

  private variable(name: string): G {
    const v = this.variables.get(name);
    if (!v?.ast || this.active.has(name)) return name === 'anyObject' && !v ? { t: 'object', path: 'pod' } : undefined;
    let known = this.memo.get(name);
    if (!known) {
      this.active.add(name);
      const saved = this.open;
      this.open = [];
      try {
        known = { value: this.cond(v.ast, v, new Map()), open: this.open };
      } finally {
        this.open = saved;
        this.active.delete(name);
      }
      this.memo.set(name, known);
    }
    this.open.push(...known.open);
    return known.value;
  }
}
