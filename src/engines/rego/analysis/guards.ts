/**
 * UPDATE guards. Ephemeral containers only ever arrive in an UPDATE request (DOMAIN.md §1), so a
 * violation body that is false for every UPDATE never checks them at admission. A body is
 * evaluated three-valued for such a request: the operation is known ("UPDATE"), everything else
 * is unknown. Helper rules and lib functions are followed, so `not is_update(input.review)` with
 * `is_update(review) { review.operation == "UPDATE" }` in a lib is recognised.
 */
import type { Body, Expr, Rule, Term } from '../ast';
import type { Roots } from './roots';
import type { RegoModule, RuleGroup, RulesIndex } from './rules-index';

/** What is known of a term for an UPDATE request; `undefined` means unknown. */
type Known =
  | { t: 'str'; v: string }
  | { t: 'strs'; v: string[] }
  | { t: 'bool'; v: boolean }
  | { t: 'input'; segs: string[] }
  /** Definitely undefined: a rule or function none of whose bodies can hold. */
  | { t: 'none' }
  | undefined;

type Env = Map<string, Known>;

const MAX_STEPS = 20_000;

function truth(k: Known): boolean | undefined {
  if (!k) return undefined;
  if (k.t === 'none') return false;
  if (k.t === 'bool') return k.v;
  return true;
}

function equal(a: Known, b: Known): boolean | undefined {
  if (a?.t === 'str' && b?.t === 'str') return a.v === b.v;
  if (a?.t === 'bool' && b?.t === 'bool') return a.v === b.v;
  return undefined;
}

export class UpdateGuards {
  private readonly memo = new Map<string, Known>();
  private readonly active = new Set<string>();
  private steps = 0;

  constructor(
    private readonly index: RulesIndex,
    private readonly roots: Roots,
  ) {}

  /** The expression that makes the body false for every UPDATE request, if there is one. */
  blocker(body: Body, mod: RegoModule): Expr | undefined {
    return this.body(body, new Map(), mod).blocker;
  }

  private body(body: Body, env: Env, mod: RegoModule): { truth: boolean | undefined; blocker?: Expr } {
    let all = true;
    for (const e of body.exprs) {
      const t = this.expr(e, env, mod);
      if (t === false) return { truth: false, blocker: e };
      if (t === undefined) all = false;
    }
    return { truth: all ? true : undefined };
  }

  private expr(e: Expr, env: Env, mod: RegoModule): boolean | undefined {
    if (++this.steps > MAX_STEPS) return undefined;
    switch (e.type) {
      case 'termExpr':
        return truth(this.term(e.term, env, mod));
      case 'not': {
        const t = this.expr(e.expr, new Map(env), mod);
        return t === undefined ? undefined : !t;
      }
      case 'assign':
        return this.assign(e.left, this.term(e.right, env, mod), env);
      case 'unify':
        if (this.unbound(e.left, env, mod)) return this.assign(e.left, this.term(e.right, env, mod), env);
        if (this.unbound(e.right, env, mod)) return this.assign(e.right, this.term(e.left, env, mod), env);
        return equal(this.term(e.left, env, mod), this.term(e.right, env, mod));
      case 'someIn':
        for (const v of [e.value, e.key]) if (v?.type === 'var') env.set(v.name, undefined);
        return undefined;
      default:
        return undefined;
    }
  }

  private unbound(t: Term, env: Env, mod: RegoModule): boolean {
    return t.type === 'var' && !env.has(t.name) && !this.index.resolveName(mod, t.name);
  }

  private assign(left: Term, v: Known, env: Env): boolean | undefined {
    if (left.type === 'var') env.set(left.name, v);
    if (!v) return undefined;
    return v.t !== 'none';
  }

  private term(t: Term, env: Env, mod: RegoModule): Known {
    switch (t.type) {
      case 'string':
        return { t: 'str', v: t.value };
      case 'boolean':
        return { t: 'bool', v: t.value };
      case 'array':
      case 'set': {
        const items = t.items.map((i) => this.term(i, env, mod));
        return items.every((i) => i?.t === 'str') ? { t: 'strs', v: items.map((i) => (i as { v: string }).v) } : undefined;
      }
      case 'var':
        return env.has(t.name) ? env.get(t.name) : this.named(t.name, [], mod);
      case 'ref':
        return this.ref(t.head, t.path.map((a) => (a.type === 'dot' ? a.name : a.term.type === 'string' ? a.term.value : undefined)), env, mod);
      case 'call':
        return this.call(t.name, t.args, env, mod);
      case 'binary':
        if (t.op !== '==' && t.op !== '!=') return undefined;
        return this.bool(equal(this.term(t.left, env, mod), this.term(t.right, env, mod)), t.op === '!=');
      case 'membership': {
        const v = this.term(t.value, env, mod);
        const c = this.term(t.collection, env, mod);
        return v?.t === 'str' && c?.t === 'strs' ? { t: 'bool', v: c.v.includes(v.v) } : undefined;
      }
      default:
        return undefined;
    }
  }

  private bool(b: boolean | undefined, negate: boolean): Known {
    return b === undefined ? undefined : { t: 'bool', v: negate ? !b : b };
  }

  private ref(head: Term, segs: (string | undefined)[], env: Env, mod: RegoModule): Known {
    if (segs.some((s) => s === undefined)) return undefined;
    const path = segs as string[];
    if (head.type !== 'var') return undefined;
    if (env.has(head.name)) {
      const base = env.get(head.name);
      return base?.t === 'input' ? this.input([...base.segs, ...path]) : undefined;
    }
    return this.named(head.name, path, mod);
  }

  /** A name that is not a local variable, followed by static path segments. */
  private named(name: string, segs: string[], mod: RegoModule): Known {
    const resolved = this.index.resolveName(mod, name);
    if (!resolved) return undefined;
    if (resolved[0] === 'input') return this.input([...resolved.slice(1), ...segs]);
    const path = [...resolved.slice(1), ...segs];
    const found = this.index.lookup(path);
    if (!found || found.used !== path.length || found.group.kind !== 'complete') return undefined;
    return this.ruleValue(found.group);
  }

  /** `input.review.operation` is "UPDATE"; other input paths stay symbolic. */
  private input(segs: string[]): Known {
    const last = segs[segs.length - 1];
    if (last === 'operation' && this.roots.isRequest(segs.slice(0, -1))) return { t: 'str', v: 'UPDATE' };
    return { t: 'input', segs };
  }

  private call(name: string, args: Term[], env: Env, mod: RegoModule): Known {
    const [first = '', ...more] = name.split('.');
    const resolved = env.has(first) ? undefined : this.index.resolveName(mod, first);
    if (resolved?.[0] === 'data') {
      const group = this.index.group([...resolved.slice(1), ...more]);
      if (group?.kind !== 'function') return undefined;
      return this.functionValue(group, args.map((a) => this.term(a, env, mod)));
    }
    if (name === 'lower' || name === 'upper') {
      const a = this.term(args[0]!, env, mod);
      return a?.t === 'str' ? { t: 'str', v: name === 'lower' ? a.v.toLowerCase() : a.v.toUpperCase() } : undefined;
    }
    return undefined;
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

  private ruleValue(group: RuleGroup): Known {
    return this.memoised(group.key, group, () => this.outcome(group, () => new Map()));
  }

  private functionValue(group: RuleGroup, args: Known[]): Known {
    return this.memoised(`${group.key}(${JSON.stringify(args)})`, group, () =>
      this.outcome(group, (rule) => {
        const env: Env = new Map();
        for (const [i, p] of (rule.args ?? []).entries()) {
          const a = args[i];
          if (p.type === 'var') env.set(p.name, a);
          else if (p.type === 'string' && a?.t === 'str' && a.v !== p.value) return undefined;
        }
        return (rule.args ?? []).length === args.length ? env : undefined;
      }),
    );
  }

  /**
   * A rule's value: the head of a body that definitely holds; `none` when no body can hold (and
   * no default); unknown otherwise. `envFor` binds a definition's parameters (undefined: no match).
   */
  private outcome(group: RuleGroup, envFor: (rule: Rule) => Env | undefined): Known {
    let unknown = false;
    for (const def of group.defs) {
      for (let r: Rule | undefined = def.rule; r; r = r.else) {
        let chainUnknown = false;
        for (const body of r.bodies.length ? r.bodies : [undefined]) {
          const env = envFor(def.rule);
          if (!env) continue;
          const t = body ? this.body(body, env, def.mod).truth : true;
          if (t === true) return r.value ? this.term(r.value, env, def.mod) : { t: 'bool', v: true };
          if (t === undefined) chainUnknown = true;
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
    if (!dflt) return { t: 'none' };
    return dflt.rule.value ? this.term(dflt.rule.value, new Map(), dflt.mod) : { t: 'bool', v: true };
  }
}
