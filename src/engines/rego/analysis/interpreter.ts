/**
 * The abstract interpreter: evaluates Rego bodies over abstract values (values.ts) and records
 * what they consume (effects.ts). Helper rules are evaluated once (a partial set's value is the
 * union of its head over every body) and functions once per distinct argument value, each with
 * its own effects that are replayed at every use. A step budget bounds the work on hostile input.
 */
import type { SourceRef } from '../../../facts';
import type { Body, Call, Expr, Node, Ref, RefArg, Rule, Term, With } from '../ast';
import { Access } from './access';
import { needsReorder } from './body-order';
import { BudgetExceeded, checkValueSize, Depth } from './budget';
import { callBuiltin, RELATION_ARITY } from './builtins';
import { consume, newEffects, replay, type Effects, type Read } from './effects';
import type { ArgHint, UpdateGuards } from './guards';
import { Relocation, type ListShape } from './relocate';
import type { Roots } from './roots';
import { splitCallName, staticName, type RegoModule, type RuleDef, type RuleGroup, type RulesIndex } from './rules-index';
import { constant, derived, EMPTY, isUnknown, pathValue, union, valueKey, type Prim, type Value } from './values';

type Env = Map<string, Value>;

interface Frame {
  mod: RegoModule;
  /** Where effects go; undefined while a body is pre-evaluated to bind variables used before they are assigned. */
  sink: Effects | undefined;
  /** Variables bound so far in this evaluation of the body (for `=`: bind or compare). */
  bound: Set<string>;
  /** Constants a variable of the body was tested not to be (`k != "ephemeralContainers"`), kept across passes. */
  excluded?: Map<string, Prim[]>;
  /**
   * Variables an iteration bound as a key (`all_containers[name]`), with the reference and the
   * value, kept across passes: when a later pass meets that reference again with the variable
   * still bound to that value, it iterates again rather than looking the key up (and testing it).
   */
  iterated?: Map<string, { arg: RefArg; value: Value }>;
}

interface Result {
  value: Value;
  effects: Effects;
}

/** A rule head evaluated in one body: the key (partial objects) and the value (the element, for partial sets). */
interface Head {
  key?: Value;
  value: Value;
}


/** An expression of an entry body and what it consumed (helpers it uses included). */
export interface Condition {
  expr: Expr;
  reads: Read[];
}

/** Enough passes for chains of variables used before they are assigned. */
const MAX_REORDER_PASSES = 3;

const pureConsts = (v: Value): boolean => v.paths.length === 0 && v.opaque.length === 0 && v.consts.length > 0;

/** The value without some of its constants; unchanged when none would be left (the body could not hold). */
function withoutConsts(v: Value, drop: readonly Prim[]): Value {
  const consts = v.consts.filter((c) => !drop.includes(c));
  return consts.length > 0 ? { ...v, consts } : v;
}

/** A frame for a nested scope (`not`, `every`, a comprehension): its bindings stay inside. */
const nested = (f: Frame): Frame => ({ mod: f.mod, sink: f.sink, bound: new Set(f.bound), excluded: f.excluded, iterated: f.iterated });

export function snippet(mod: RegoModule, node: Node): string {
  const s = mod.text.slice(node.pos.offset, node.end.offset).replace(/\s+/g, ' ').trim();
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export class Interpreter {
  private readonly ruleMemo = new Map<string, Result>();
  private readonly fnMemo = new Map<string, Result>();
  /** Function results by their call with the container list renamed to `containers` (relocate.ts). */
  private readonly fnShared = new Map<string, { shape: ListShape; result: Result }>();
  private readonly relocation: Relocation;
  private readonly active = new Set<string>();
  private readonly reorder = new WeakMap<Body, boolean>();
  private readonly skipsUpdate = new WeakMap<Body, boolean>();
  private readonly places = new WeakMap<Node, SourceRef>();
  private readonly access: Access;
  private steps = 0;
  private readonly depth = new Depth();

  constructor(
    private readonly index: RulesIndex,
    private readonly roots: Roots,
    private readonly guards: UpdateGuards,
    private readonly maxSteps: number,
  ) {
    this.access = new Access(roots);
    this.relocation = new Relocation(index, roots);
  }

  /** What one body of an entry rule (violation, deny…) consumes, in all and per expression of the body. */
  entryBody(body: Body, mod: RegoModule): { effects: Effects; conditions: Condition[] } {
    const sink = newEffects();
    const conditions: Condition[] = [];
    this.body(body, new Map(), { mod, sink, bound: new Set() }, (expr, from) => conditions.push({ expr, reads: sink.reads.slice(from) }));
    return { effects: sink, conditions };
  }

  private tick(): void {
    if (++this.steps > this.maxSteps) throw new BudgetExceeded(`more than ${this.maxSteps} evaluation steps`);
  }

  /** Where a node is in the scanned file (a node belongs to one module: remembered per node). */
  private at(f: Frame, node: Node): SourceRef {
    let ref = this.places.get(node);
    if (!ref) this.places.set(node, (ref = f.mod.locate(node.pos)));
    return ref;
  }

  // ------------------------------------------------------------------ bodies

  /** Evaluates a body; `each` is told, in the last pass, what each expression consumed (from which read on). */
  private body(body: Body, env: Env, outer: Frame, each?: (e: Expr, from: number) => void): void {
    const f: Frame = { mod: outer.mod, sink: outer.sink, bound: outer.bound, excluded: new Map(), iterated: new Map() };
    let reorder = this.reorder.get(body);
    if (reorder === undefined) this.reorder.set(body, (reorder = needsReorder(body)));
    if (reorder) {
      const passes = Math.min(body.exprs.length, MAX_REORDER_PASSES);
      for (let i = 0; i < passes; i++) {
        this.exprs(body, env, { mod: f.mod, sink: undefined, bound: new Set(f.bound), excluded: f.excluded!, iterated: f.iterated! });
      }
    }
    this.exprs(body, env, f, each);
  }

  private exprs(body: Body, env: Env, f: Frame, each?: (e: Expr, from: number) => void): void {
    for (const e of body.exprs) {
      const from = f.sink?.reads.length ?? 0;
      this.expr(e, env, f);
      each?.(e, from);
    }
  }

  /** A `with` that replaces part of input or data: the expression is not evaluated against the real request. */
  private replacesData(w: With, f: Frame): boolean {
    const head = w.target.type === 'ref' ? w.target.head : w.target;
    if (head.type !== 'var') return false;
    return head.name === 'input' || head.name === 'data' || this.index.resolveName(f.mod, head.name) !== undefined;
  }

  private expr(e: Expr, env: Env, f: Frame): void {
    const replaced = e.with.find((w) => this.replacesData(w, f));
    if (replaced) {
      // What the expression reads is not what the request holds (`with input.review.object.spec.ephemeralContainers as []`
      // hides the debug container): nothing it reads counts, and it is reported.
      f.sink?.problems.push({
        reason: `"with ${snippet(f.mod, replaced.target)} as ${snippet(f.mod, replaced.value)}" replaces policy data for this expression; the analysis does not follow it`,
        at: this.at(f, replaced),
      });
      return;
    }
    switch (e.type) {
      case 'termExpr':
        consume(f.sink, this.roots, [this.term(e.term, env, f)], this.at(f, e.term));
        return;
      case 'not':
        this.expr(e.expr, new Map(env), nested(f));
        this.excludeNegated(e.expr, env, f);
        return;
      case 'some':
        return; // only declares variables local; the expressions that follow bind them
      case 'someIn': {
        const it = this.access.iterate(this.term(e.collection, env, f), this.at(f, e.collection));
        this.bind(e.value, it.value, env, f);
        if (e.key) this.bind(e.key, it.key, env, f);
        return;
      }
      case 'every': {
        const it = this.access.iterate(this.term(e.domain, env, f), this.at(f, e.domain));
        const inner = new Map(env);
        const g = nested(f);
        this.bind(e.value, it.value, inner, g);
        if (e.key) this.bind(e.key, it.key, inner, g);
        this.body(e.body, inner, g);
        return;
      }
      case 'assign':
        this.bind(e.left, this.term(e.right, env, f), env, f);
        return;
      case 'unify':
        if (this.isPattern(e.left, f)) this.bind(e.left, this.term(e.right, env, f), env, f);
        else if (this.isPattern(e.right, f)) this.bind(e.right, this.term(e.left, env, f), env, f);
        else consume(f.sink, this.roots, [this.term(e.left, env, f), this.term(e.right, env, f)], this.at(f, e));
        return;
    }
  }

  /** A term with a variable that is not bound yet: `=` binds it instead of comparing. */
  private isPattern(t: Term, f: Frame): boolean {
    if (t.type === 'var') return t.name === '_' || (!f.bound.has(t.name) && !this.index.resolveName(f.mod, t.name));
    if (t.type === 'array') return t.items.some((i) => this.isPattern(i, f));
    if (t.type === 'object') return t.entries.some((e) => this.isPattern(e.value, f));
    return false;
  }

  /** Binds a pattern (variable, array or object of patterns) to a value. */
  private bind(t: Term, v: Value, env: Env, f: Frame): void {
    const at = this.at(f, t);
    switch (t.type) {
      case 'var': {
        if (t.name === '_') return;
        const excluded = f.excluded?.get(t.name);
        env.set(t.name, excluded && pureConsts(v) ? withoutConsts(v, excluded) : v);
        f.bound.add(t.name);
        return;
      }
      case 'array':
        t.items.forEach((item, i) => this.bind(item, v.items?.[i] ?? this.access.iterate(v, at).value, env, f));
        return;
      case 'object':
        for (const e of t.entries) {
          const sub = e.key.type === 'string' ? this.access.select(v, e.key.value, at, f.sink) : this.access.iterate(v, at).value;
          this.bind(e.value, sub, env, f);
        }
        return;
      default:
        consume(f.sink, this.roots, [this.term(t, env, f), v], at);
    }
  }

  // ------------------------------------------------------------------- terms

  private term(t: Term, env: Env, f: Frame): Value {
    this.tick();
    this.depth.enter();
    try {
      return checkValueSize(this.termValue(t, env, f));
    } finally {
      this.depth.leave();
    }
  }

  private termValue(t: Term, env: Env, f: Frame): Value {
    switch (t.type) {
      case 'string':
      case 'number':
      case 'boolean':
        return constant(t.value);
      case 'null':
        return constant(null);
      case 'var':
        return this.variable(t.name, env, f, t);
      case 'ref':
        return this.ref(t, env, f);
      case 'call':
        return this.call(t, env, f);
      case 'array':
        return { ...EMPTY, items: t.items.map((i) => this.term(i, env, f)) };
      case 'set': {
        const elems = union(t.items.map((i) => this.term(i, env, f)));
        return { ...EMPTY, elems, keys: elems };
      }
      case 'object': {
        const fields = new Map<string, Value>();
        const keys: Value[] = [];
        const vals: Value[] = [];
        for (const e of t.entries) {
          const v = this.term(e.value, env, f);
          if (e.key.type === 'string') fields.set(e.key.value, v);
          else {
            keys.push(this.term(e.key, env, f));
            vals.push(v);
          }
        }
        return { ...EMPTY, fields, ...(keys.length ? { keys: union(keys), elems: union(vals) } : {}) };
      }
      case 'arrayComprehension':
      case 'setComprehension': {
        const inner = new Map(env);
        const g = nested(f);
        this.body(t.body, inner, g);
        const elems = this.term(t.term, inner, g);
        return t.type === 'setComprehension' ? { ...EMPTY, elems, keys: elems } : { ...EMPTY, elems };
      }
      case 'objectComprehension': {
        const inner = new Map(env);
        const g = nested(f);
        this.body(t.body, inner, g);
        return { ...EMPTY, keys: this.term(t.key, inner, g), elems: this.term(t.value, inner, g) };
      }
      case 'binary': {
        const [l, r] = [this.term(t.left, env, f), this.term(t.right, env, f)];
        if (t.op === '==') this.narrow([t.left, r], [t.right, l], env);
        if (t.op === '!=') this.exclude([t.left, r], [t.right, l], env, f);
        return this.binary(t.op, l, r, f, t);
      }
      case 'unary':
        return this.term(t.operand, env, f);
      case 'membership': {
        const parts = [t.value, t.collection, ...(t.key ? [t.key] : [])].map((x) => this.term(x, env, f));
        consume(f.sink, this.roots, parts, this.at(f, t));
        if (!t.key) this.narrow([t.value, this.access.iterate(parts[1]!, this.at(f, t)).value], undefined, env);
        return EMPTY;
      }
    }
  }

  /** `k == "containers"`, `k in {…}`: a variable bound to nothing known takes the constants it is tested against. */
  private narrow(a: [Term, Value], b: [Term, Value] | undefined, env: Env): void {
    for (const [term, other] of b ? [a, b] : [a]) {
      const known = term.type === 'var' ? env.get(term.name) : undefined;
      if (term.type !== 'var' || !isUnknown(known) || !pureConsts(other)) continue;
      const consts = other.consts.filter((c) => !known.not?.includes(c));
      env.set(term.name, { ...EMPTY, consts });
    }
  }

  /**
   * `k != "ephemeralContainers"`, `not k == …`, `not k in {…}`: a variable is not those constants.
   * One bound to nothing known keeps them as what it is not; one bound to constants loses them, in
   * every pass over the body (its binding is evaluated again in each).
   */
  private exclude(a: [Term, Value], b: [Term, Value] | undefined, env: Env, f: Frame): void {
    for (const [term, other] of b ? [a, b] : [a]) {
      if (term.type !== 'var' || !pureConsts(other)) continue;
      const known = env.get(term.name);
      if (isUnknown(known)) {
        env.set(term.name, { ...EMPTY, not: [...new Set([...(known.not ?? []), ...other.consts])] });
      } else if (known && pureConsts(known)) {
        f.excluded?.set(term.name, [...new Set([...(f.excluded.get(term.name) ?? []), ...other.consts])]);
        env.set(term.name, withoutConsts(known, other.consts));
      }
    }
  }

  private excludeNegated(e: Expr, env: Env, f: Frame): void {
    if (e.type !== 'termExpr') return;
    const t = e.term;
    const g: Frame = { mod: f.mod, sink: undefined, bound: new Set(f.bound) };
    if (t.type === 'binary' && t.op === '==') this.exclude([t.left, this.term(t.right, env, g)], [t.right, this.term(t.left, env, g)], env, f);
    else if (t.type === 'membership' && !t.key) this.exclude([t.value, this.access.iterate(this.term(t.collection, env, g), this.at(f, t)).value], undefined, env, f);
  }

  private binary(op: string, l: Value, r: Value, f: Frame, t: Term): Value {
    switch (op) {
      case '|':
      case '&':
        return union([l, r]);
      case '-':
        return union([l, derived(r)]);
      case '+':
      case '*':
      case '/':
      case '%':
        return derived(union([l, r]));
      default:
        // A comparison: both sides are checked here; the result is a boolean.
        consume(f.sink, this.roots, [l, r], this.at(f, t));
        return EMPTY;
    }
  }

  private variable(name: string, env: Env, f: Frame, node: Term): Value {
    if (name === '_') return EMPTY;
    const local = env.get(name);
    if (local) return local;
    const path = this.index.resolveName(f.mod, name);
    if (!path) return EMPTY;
    return path[0] === 'input' ? this.inputPath(path.slice(1), f, node) : this.dataRef(path.slice(1), [], env, f, node);
  }

  private inputPath(segs: readonly string[], f: Frame, node: Node): Value {
    let v = pathValue([]);
    for (const s of segs) v = this.access.select(v, s, this.at(f, node), f.sink);
    return v;
  }

  private ref(t: Ref, env: Env, f: Frame): Value {
    let base: Value;
    if (t.head.type === 'var' && !env.has(t.head.name)) {
      const path = this.index.resolveName(f.mod, t.head.name);
      if (path?.[0] === 'data') return this.dataRef(path.slice(1), t.path, env, f, t);
      base = path ? this.inputPath(path.slice(1), f, t) : EMPTY;
    } else {
      base = this.term(t.head, env, f);
    }
    for (const arg of t.path) base = this.refArg(base, arg, env, f, t);
    return base;
  }

  /** A reference under `data`: a rule (then the rest of the reference applies to its value), or external data. */
  private dataRef(segs: string[], args: RefArg[], env: Env, f: Frame, node: Node): Value {
    const all = [...segs];
    let used = 0;
    while (used < args.length && staticName(args[used]!) !== undefined) all.push(staticName(args[used++]!)!);
    const found = this.index.lookup(all);
    let v: Value;
    let rest: RefArg[];
    if (found && found.used >= segs.length) {
      const g = found.group;
      rest = args.slice(found.used - segs.length);
      const first = rest[0];
      if ((g.kind === 'partialSet' || g.kind === 'partialObject') && first?.type === 'bracket' && first.term.type !== 'var') {
        v = this.keyedRule(g, first.term, env, f, node);
        rest = rest.slice(1);
      } else {
        v = g.kind === 'function' ? EMPTY : this.ruleValue(g, f, node);
      }
    } else if (found) {
      // An import or alias points inside a rule's value.
      v = this.ruleValue(found.group, f, node);
      for (const s of segs.slice(found.used)) v = this.access.select(v, s, this.at(f, node), f.sink);
      rest = args;
    } else {
      if (this.index.isPrefix(all)) return EMPTY;
      const inventory = all[0] === 'inventory';
      const what = inventory ? 'data.inventory' : `data.${all.join('.')} (not in the scanned files)`;
      v = { ...EMPTY, opaque: [{ what, at: this.at(f, node), rel: inventory ? all.slice(1) : [] }] };
      rest = args.slice(used);
    }
    for (const arg of rest) v = this.refArg(v, arg, env, f, node);
    return v;
  }

  private refArg(v: Value, arg: RefArg, env: Env, f: Frame, ref: Node): Value {
    const at = this.at(f, ref);
    if (arg.type === 'dot') return this.access.select(v, arg.name, at, f.sink);
    const k = arg.term;
    if (k.type === 'string') return this.access.select(v, k.value, at, f.sink);
    if (k.type === 'var') {
      if (k.name === '_') return this.access.iterate(v, at).value;
      // Unbound: iterate and bind. Bound to nothing known (an earlier iteration): iterating here
      // narrows it, e.g. to the constant keys of `allowed_lists[k]`. Bound here in an earlier pass
      // and not narrowed since: still this iteration (`container := all_containers[name]`).
      const known = env.get(k.name);
      const prior = f.iterated?.get(k.name);
      const again = known !== undefined && prior?.arg === arg && prior.value === known;
      if ((!known && !this.index.resolveName(f.mod, k.name)) || isUnknown(known) || again) {
        const it = this.access.iterate(v, at, [...(known?.not ?? []), ...(f.excluded?.get(k.name) ?? [])]);
        if (!known || again || it.key.consts.length > 0) env.set(k.name, it.key);
        f.iterated?.set(k.name, { arg, value: env.get(k.name)! });
        f.bound.add(k.name);
        return it.value;
      }
    }
    const key = this.term(k, env, f);
    // `allowed[c.image]`, `trusted[input.review.userInfo.groups[_]]`: a lookup by a value from input
    // tests it. A key that picks a field of the admitted object (the annotation named after a
    // container) is no test of the key: it selects what is read.
    if (key.paths.length > 0) consume(f.sink, this.roots, [key], this.at(f, k), this.access.inObject(v) ? { asKey: true } : undefined);
    return this.access.lookup(v, key, at, f.sink, (where) =>
      f.sink?.problems.push({
        reason: `the computed key ${snippet(f.mod, k)} may select a container list or field under ${where}; the analysis cannot tell which`,
        at: this.at(f, k),
      }),
    );
  }

  private call(t: Call, env: Env, f: Frame): Value {
    const { first, more } = splitCallName(t.name);
    const resolved = env.has(first) ? undefined : this.index.resolveName(f.mod, first);
    if (resolved?.[0] === 'data') {
      const path = [...resolved.slice(1), ...more];
      const group = this.index.group(path);
      if (group?.kind === 'function') return this.userCall(group, t, env, f);
      const args = union(t.args.map((a) => this.term(a, env, f)));
      const what = `data.${path.join('.')}() (not in the scanned files)`;
      return union([derived(args), { ...EMPTY, opaque: [{ what, at: this.at(f, t), rel: [] }] }]);
    }
    const arity = RELATION_ARITY[t.name];
    const inputs = arity !== undefined ? t.args.slice(0, arity) : t.args;
    const result = callBuiltin({
      name: t.name,
      args: inputs.map((a) => this.term(a, env, f)),
      at: this.at(f, t),
      sink: f.sink,
      access: this.access,
      dynamic: (where) =>
        f.sink?.problems.push({ reason: `${t.name}() with a computed key may read a container list or field under ${where}`, at: this.at(f, t) }),
    });
    if (arity !== undefined && t.args.length > arity) this.bind(t.args[arity]!, result, env, f);
    return result;
  }

  private userCall(group: RuleGroup, t: Call, env: Env, f: Frame): Value {
    const arity = group.defs[0]?.rule.args?.length ?? group.defaults[0]?.rule.args?.length ?? t.args.length;
    const args = t.args.slice(0, arity).map((a) => this.term(a, env, f));
    const result = this.callFunction(group, args, f, t);
    if (t.args.length > arity) this.bind(t.args[arity]!, result, env, f);
    return result;
  }

  // ------------------------------------------------------------------- rules

  /** Evaluates a rule or function once per key; re-entering a group being evaluated is recursion. */
  private memoised(memo: Map<string, Result>, key: string, group: RuleGroup, f: Frame, node: Node, run: () => Result): Value {
    let r = memo.get(key);
    if (!r) {
      if (this.active.has(group.key)) {
        const what = group.kind === 'function' ? 'function' : 'rule';
        f.sink?.problems.push({ reason: `${what} ${group.key} refers to itself (OPA rejects recursion)`, at: this.at(f, node) });
        return EMPTY;
      }
      this.active.add(group.key);
      try {
        r = run();
      } finally {
        this.active.delete(group.key);
      }
      memo.set(key, r);
    }
    replay(f.sink, r.effects);
    return r.value;
  }

  private ruleValue(group: RuleGroup, f: Frame, node: Node): Value {
    return this.memoised(this.ruleMemo, group.key, group, f, node, () => {
      const effects = newEffects();
      const heads = group.defs.flatMap((d) => this.heads(d, effects));
      const defaults = group.defaults.map((d) => this.defaultValue(d, effects));
      let value: Value;
      if (group.kind === 'partialSet') {
        const elems = union(heads.map((h) => h.value));
        value = { ...EMPTY, elems, keys: elems };
      } else if (group.kind === 'partialObject') {
        value = { ...EMPTY, keys: union(heads.map((h) => h.key ?? EMPTY)), elems: union(heads.map((h) => h.value)) };
      } else {
        value = union([...heads.map((h) => h.value), ...defaults]);
      }
      return { value, effects };
    });
  }

  /**
   * A partial rule queried with a key that carries constants, e.g.
   * `general_violation[{"msg": msg, "field": "containers"}]`: the constants are bound into each
   * definition's key pattern before its body runs, so `spec[field]` there selects that list only.
   */
  private keyedRule(group: RuleGroup, keyTerm: Term, env: Env, f: Frame, node: Node): Value {
    const query = this.term(keyTerm, env, f);
    const key = `${group.key}[${valueKey(query)}]`;
    const value = this.memoised(this.ruleMemo, key, group, f, node, () => {
      const effects = newEffects();
      const heads = group.defs.flatMap((d) => this.heads(d, effects, undefined, query));
      return { value: union(heads.map((h) => h.value)), effects };
    });
    if (group.kind === 'partialSet' && this.isPattern(keyTerm, f)) this.bind(keyTerm, value, env, f);
    return value;
  }

  private callFunction(group: RuleGroup, args: Value[], f: Frame, node: Node): Value {
    const key = `${group.key}(${args.map(valueKey).join('\u0001')})`;
    // The same call for the other of containers and initContainers: its evaluation, with the list renamed (relocate.ts).
    const shape = this.fnMemo.has(key) ? undefined : this.relocation.shape(group, args);
    if (shape) {
      const other = this.fnShared.get(shape.canonical);
      const moved = other && other.shape.list !== shape.list ? this.relocation.relocate(other.result, other.shape, shape) : undefined;
      if (moved) this.fnMemo.set(key, moved);
    }
    return this.memoised(this.fnMemo, key, group, f, node, () => {
      const effects = newEffects();
      const heads = group.defs.flatMap((d) => this.heads(d, effects, args));
      const defaults = group.defaults.map((d) => this.defaultValue(d, effects));
      const result = { value: union([...heads.map((h) => h.value), ...defaults]), effects };
      if (shape && !this.fnShared.has(shape.canonical)) this.fnShared.set(shape.canonical, { shape, result });
      return result;
    });
  }

  private defaultValue(d: RuleDef, effects: Effects): Value {
    return d.rule.value ? this.term(d.rule.value, new Map(), { mod: d.mod, sink: effects, bound: new Set() }) : constant(true);
  }

  /** The head (key, value) of every body of a definition and of its `else` chain. */
  private heads(d: RuleDef, effects: Effects, args?: Value[], keyQuery?: Value): Head[] {
    const out: Head[] = [];
    const params = d.rule.args ?? [];
    if (args && params.length !== args.length) return out;
    for (let r: Rule | undefined = d.rule; r; r = r.else) {
      for (const body of r.bodies.length ? r.bodies : [undefined]) {
        // A body the constraint's parameters switch off yields nothing and checks nothing; which
        // parameters it reads still tells which ones the template uses.
        const off = body !== undefined && this.switchedOff(body, d.mod, args ? { params, args } : undefined);
        const env: Env = new Map();
        const skips = !off && body !== undefined && this.bodySkipsUpdate(body, d.mod, args ? { params, args } : undefined);
        const f: Frame = { mod: d.mod, sink: skips || off ? newEffects() : effects, bound: new Set() };
        if (args && !this.bindParams(params, args, env, f)) continue;
        if (keyQuery && r.key && !this.bindKey(r.key, keyQuery, env, f)) continue;
        if (body) this.body(body, env, f);
        const head = this.head(r, env, f);
        if (off) {
          for (const p of f.sink!.parameters) effects.parameters.add(p);
          continue;
        }
        if (!skips) {
          out.push(head);
          continue;
        }
        // Ephemeral containers only ever arrive in the kubectl debug request: a body false for it
        // yields or checks one only where the entry rule skips that request too (then it is
        // reported as skipping it, not as missing the list).
        const reads = f.sink!.reads.flatMap((read) => this.access.markSkipped(read).map((p) => ({ ...read, segs: p.segs, ...(p.skipped ? { skipped: true } : {}) })));
        replay(effects, { ...f.sink!, reads });
        out.push({ ...head, value: { ...head.value, paths: head.value.paths.flatMap((p) => this.access.markSkipped(p)) } });
      }
    }
    return out;
  }

  private head(r: Rule, env: Env, f: Frame): Head {
    const value = r.value ? this.term(r.value, env, f) : constant(true);
    const key = r.key ? this.term(r.key, env, f) : EMPTY;
    if (r.kind === 'partialSet') return { value: key };
    return r.kind === 'partialObject' ? { key, value } : { value };
  }

  /** Whether a helper body is false for every request under the known constraint parameters. */
  private switchedOff(body: Body, mod: RegoModule, call?: { params: Term[]; args: Value[] }): boolean {
    const hints = call?.args.map((a) => this.argHint(a));
    return this.guards.switchedOff(body, mod, call && hints!.some((h) => h !== undefined) ? { params: call.params, args: hints! } : undefined) !== undefined;
  }

  /** Whether a helper body is false for the kubectl debug request (given what is known of a function's arguments). */
  private bodySkipsUpdate(body: Body, mod: RegoModule, call?: { params: Term[]; args: Value[] }): boolean {
    const hints = call?.args.map((a) => this.argHint(a));
    if (call && hints!.some((h) => h !== undefined)) return this.guards.blocker(body, mod, { params: call.params, args: hints! }) !== undefined;
    let skips = this.skipsUpdate.get(body);
    if (skips === undefined) this.skipsUpdate.set(body, (skips = this.guards.blocker(body, mod) !== undefined));
    return skips;
  }

  /** A request path (`input.review`) or a single constant passed to a function: what the guards can use. */
  private argHint(v: Value): ArgHint {
    const plain = !v.elems && !v.keys && !v.fields && !v.items && v.opaque.length === 0;
    if (!plain) return undefined;
    if (v.paths.length === 1 && v.consts.length === 0 && !v.paths[0]!.without && this.roots.object(v.paths[0]!.segs) === undefined) {
      return { path: v.paths[0]!.segs };
    }
    return v.paths.length === 0 && v.consts.length === 1 ? { value: v.consts[0]! } : undefined;
  }

  /** Binds the constant parts of a queried key into a head's key pattern; false when they cannot match. */
  private bindKey(p: Term, q: Value, env: Env, f: Frame): boolean {
    const known = q.paths.length === 0 && q.opaque.length === 0 && q.consts.length > 0;
    switch (p.type) {
      case 'var':
        if (known && p.name !== '_') {
          env.set(p.name, q);
          f.bound.add(p.name);
        }
        return true;
      case 'string':
      case 'number':
      case 'boolean':
      case 'null':
        return !known || q.consts.includes(p.type === 'null' ? null : p.value);
      case 'object':
        return p.entries.every((e) => {
          const sub = e.key.type === 'string' ? q.fields?.get(e.key.value) : undefined;
          return !sub || this.bindKey(e.value, sub, env, f);
        });
      case 'array':
        return p.items.every((item, i) => !q.items?.[i] || this.bindKey(item, q.items[i]!, env, f));
      default:
        return true;
    }
  }

  /** Binds arguments to parameter patterns; false when a constant parameter cannot match the argument. */
  private bindParams(params: Term[], args: Value[], env: Env, f: Frame): boolean {
    for (const [i, p] of params.entries()) {
      const a = args[i]!;
      if (p.type === 'string' || p.type === 'number' || p.type === 'boolean' || p.type === 'null') {
        const known = a.paths.length === 0 && a.opaque.length === 0 && a.consts.length > 0;
        if (known && !a.consts.includes(p.type === 'null' ? null : p.value)) return false;
        continue;
      }
      this.bind(p, a, env, f);
    }
    return true;
  }
}
