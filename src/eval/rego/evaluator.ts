/**
 * The concrete Rego evaluator: top-down, depth-first, with continuations. Every evaluation
 * function takes a continuation `k` and calls it once per solution, with the solution's variable
 * bindings in place; `k` returns true to stop the search (for `not`, `every`, existence checks),
 * and that answer travels back up. Bindings live in a scope's Map and are undone when a
 * continuation returns, so backtracking needs no copies.
 *
 * Rule values are computed whole and remembered per frame; a `with` starts a new frame (new
 * input, data or function overrides, an empty memo) for the one expression it modifies.
 */
import type { ArrayTerm, Body, Call, Expr, ObjectEntry, ObjectTerm, Position, RefArg, RefBracket, Rule, SetTerm, Term, Var } from '../../engines/rego';
import { splitCallName, staticSegments, type RegoModule, type RuleDef, type RuleGroup } from '../../engines/rego/analysis/rules-index';
import { builtinArity } from '../../engines/rego/builtin-arity';
import { BUILTINS, BuiltinError, type BuiltinContext } from './builtins';
import type { CompiledProgram, DataNode } from './compile';
import type { RegoError } from './types';
import { compare, equal, keyOf, RegoObject, RegoSet, type Value } from './value';

/** An error that ends the query (conflicts, budget, unsupported built-ins, unsafe variables). */
export class RegoEvalError extends Error {
  constructor(readonly error: RegoError) {
    super(error.message);
  }
}

type K = () => boolean;
type KV = (v: Value) => boolean;

const UNBOUND = Symbol('unbound');

/**
 * An argument whose value is undefined, passed to a user function all the same: a definition whose
 * parameter there is `_` still applies (as OPA evaluates `accept("RunAsAny", _, _)` called with
 * an undefined third argument); any other parameter makes that definition undefined.
 */
const MISSING = Symbol('missing');
type Arg = Value | typeof MISSING;
type Slot = Value | typeof UNBOUND;

interface Scope {
  mod: RegoModule;
  vars: Map<string, Slot>;
  /** Operands of a negated expression evaluated before the negation (see `hoisted`). */
  pinned: Map<Term, Value>;
}

const newScope = (mod: RegoModule): Scope => ({ mod, vars: new Map(), pinned: new Map() });

/** What a `with` may replace, and the rule values computed under it. */
interface Frame {
  input: Value | undefined;
  data: RegoObject;
  /** `with data.a.b as v`, by path (pathKey). */
  dataOverrides: Map<string, Value>;
  /** `with f as g` / `with f as v`, by function key (`data.pkg.f` or the built-in's name). */
  funcOverrides: Map<string, Replacement>;
  memo: Map<string, Value | undefined>;
}

type Replacement = { value: Value } | { fn: Callee };

type Callee =
  | { kind: 'rule'; key: string; group: RuleGroup; arity: number }
  | { kind: 'builtin'; key: string; name: string; arity: number | 'any' };

const MAX_CALL_DEPTH = 400;

export class Evaluator {
  private steps = 0;
  private depth = 0;
  private readonly active = new Set<string>();
  private readonly callees = new WeakMap<Call, Callee | undefined>();
  private readonly hoists = new WeakMap<Expr, Term[]>();
  private readonly builtinCtx: BuiltinContext;

  constructor(
    private readonly prog: CompiledProgram,
    private readonly budget: number,
  ) {
    this.builtinCtx = { nowNs: Date.now() * 1e6 };
  }

  newFrame(input: Value | undefined, data: RegoObject): Frame {
    return { input, data, dataOverrides: new Map(), funcOverrides: new Map(), memo: new Map() };
  }

  private step(at: { pos: Position }, mod: RegoModule): void {
    if (++this.steps > this.budget) {
      throw new RegoEvalError({ code: 'eval_budget_error', message: `too complex: evaluation exceeded ${this.budget} steps`, ...mod.locate(at.pos) });
    }
  }

  private fail(code: string, message: string, mod: RegoModule, at: { pos: Position }): never {
    throw new RegoEvalError({ code, message, ...mod.locate(at.pos) });
  }

  // ------------------------------------------------------------------ documents

  /** The value of `data.<path>` (a rule, a package, base data), or undefined. */
  dataValue(path: readonly string[], frame: Frame): Value | undefined {
    let out: Value | undefined;
    const args: RefArg[] = path.map((name) => ({ type: 'dot', name, pos: ORIGIN, end: ORIGIN }));
    const scope: Scope = newScope(this.prog.modules[0]!);
    this.walkData([], this.prog.root, args, 0, scope, frame, (v) => {
      out = v;
      return true;
    });
    return out;
  }

  /** Evaluates one rule definition alone (a test), its else chain included. */
  evalDefinition(def: RuleDef, frame: Frame): Value | undefined {
    const values = this.definitionValues(def, undefined, frame);
    if (values.length > 1) this.fail('eval_conflict_error', 'complete rules must not produce multiple outputs', def.mod, def.rule);
    return values[0];
  }

  private walkData(path: string[], node: DataNode | undefined, ref: RefArg[], i: number, scope: Scope, frame: Frame, k: KV): boolean {
    if (frame.dataOverrides.size > 0 && path.length > 0) {
      const o = frame.dataOverrides.get(pathKey(path));
      if (o !== undefined) return this.walkValue(o, ref, i, scope, frame, k);
    }
    if (node?.group || !node) {
      const v = overlay(path, node?.group ? this.groupValue(node.group, frame) : baseAt(frame.data, path), frame);
      return v === undefined ? false : this.walkValue(v, ref, i, scope, frame, k);
    }
    if (i === ref.length) return k(this.materialize(path, node, frame));
    const arg = ref[i]!;
    if (arg.type === 'dot') return this.walkData([...path, arg.name], node.children.get(arg.name), ref, i + 1, scope, frame, k);
    if (this.isGround(arg.term, scope)) {
      return this.evalTerm(arg.term, scope, frame, (key) =>
        typeof key === 'string' ? this.walkData([...path, key], node.children.get(key), ref, i + 1, scope, frame, k) : false,
      );
    }
    return this.walkValue(this.materialize(path, node, frame), ref, i, scope, frame, k);
  }

  /** A package (or rule object) as an object: its rules' values and the base data below it. */
  private materialize(path: string[], node: DataNode, frame: Frame): Value {
    const base = overlay(path, baseAt(frame.data, path), frame);
    const out = new RegoObject(base instanceof RegoObject ? base.entries() : []);
    for (const [name, child] of node.children) {
      const p = [...path, name];
      const override = frame.dataOverrides.get(pathKey(p));
      let v: Value | undefined;
      if (override !== undefined) v = override;
      else if (child.group) v = this.groupValue(child.group, frame);
      else v = this.materialize(p, child, frame);
      if (v !== undefined) out.set(name, v);
    }
    return out;
  }

  /** The value of a rule group (complete, partial set, partial object), remembered in the frame. */
  groupValue(group: RuleGroup, frame: Frame): Value | undefined {
    if (!isDocument(group)) return undefined;
    if (frame.memo.has(group.key)) return frame.memo.get(group.key);
    if (this.active.has(group.key)) {
      const d = group.defs[0] ?? group.defaults[0]!;
      this.fail('rego_recursion_error', `rule data.${group.key} is recursive`, d.mod, d.rule);
    }
    this.active.add(group.key);
    try {
      const v = this.computeGroup(group, frame);
      frame.memo.set(group.key, v);
      return v;
    } finally {
      this.active.delete(group.key);
    }
  }

  private computeGroup(group: RuleGroup, frame: Frame): Value | undefined {
    if (group.kind === 'partialSet') {
      const set = new RegoSet();
      for (const def of group.defs) this.ruleSolutions(def, undefined, frame, (scope, r) => this.evalTerm(r.key ?? def.rule.key!, scope, frame, (v) => (set.add(v), false)));
      return set;
    }
    if (group.kind === 'partialObject') {
      const obj = new RegoObject();
      for (const def of group.defs) {
        this.ruleSolutions(def, undefined, frame, (scope, r) =>
          this.evalTerm(r.key ?? def.rule.key!, scope, frame, (key) =>
            this.ruleValue(r, scope, frame, (v) => {
              const had = obj.get(key);
              if (had !== undefined && !equal(had, v)) this.fail('eval_conflict_error', 'object keys must be unique', def.mod, def.rule);
              obj.set(key, v);
              return false;
            }),
          ),
        );
      }
      return obj;
    }
    const values = new Map<string, Value>();
    for (const def of group.defs) {
      for (const v of this.definitionValues(def, undefined, frame)) {
        values.set(keyOf(v), v);
        if (values.size > 1) this.fail('eval_conflict_error', 'complete rules must not produce multiple outputs', def.mod, def.rule);
      }
    }
    if (values.size === 1) return [...values.values()][0];
    return this.defaultValue(group, frame);
  }

  private defaultValue(group: RuleGroup, frame: Frame): Value | undefined {
    const d = group.defaults[0];
    if (!d?.rule.value) return undefined;
    let out: Value | undefined;
    this.evalTerm(d.rule.value, newScope(d.mod), frame, (v) => ((out = v), true));
    return out;
  }

  /** The distinct values one definition yields (complete rules and functions), the else chain tried in turn. */
  private definitionValues(def: RuleDef, args: Arg[] | undefined, frame: Frame): Value[] {
    const values = new Map<string, Value>();
    this.ruleSolutions(def, args, frame, (scope, r) =>
      this.ruleValue(r, scope, frame, (v) => {
        values.set(keyOf(v), v);
        return false;
      }),
    );
    return [...values.values()];
  }

  /**
   * Calls `k` for each solution of a definition's bodies, with the rule (or the else branch) that
   * produced it: an else branch is tried only when everything before it was undefined.
   */
  private ruleSolutions(def: RuleDef, args: Arg[] | undefined, frame: Frame, k: (scope: Scope, r: Rule) => boolean): void {
    for (let r: Rule | undefined = def.rule; r; r = r.else) {
      let produced = false;
      const bodies: (Body | undefined)[] = r.bodies.length ? r.bodies : [undefined];
      for (const body of bodies) {
        this.step(r, def.mod);
        const scope = newScope(def.mod);
        const run = (): boolean => {
          const go = (): boolean => {
            produced = true;
            return k(scope, r!);
          };
          return body ? this.evalBody(body, scope, frame, go) : go();
        };
        if (args) this.unifyParams(r.args ?? def.rule.args ?? [], args, 0, scope, frame, run);
        else run();
      }
      if (produced) return;
    }
  }

  private ruleValue(r: Rule, scope: Scope, frame: Frame, k: KV): boolean {
    return r.value ? this.evalTerm(r.value, scope, frame, k) : k(true);
  }

  // ------------------------------------------------------------------ bodies

  evalBody(body: Body, scope: Scope, frame: Frame, k: K): boolean {
    const exprs = this.prog.orders.get(body) ?? body.exprs;
    const run = (i: number): boolean => (i === exprs.length ? k() : this.evalExpr(exprs[i]!, scope, frame, () => run(i + 1)));
    return run(0);
  }

  private evalExpr(e: Expr, scope: Scope, frame: Frame, k: K): boolean {
    this.step(e, scope.mod);
    if (e.with.length === 0) return this.evalExprCore(e, scope, frame, k);
    return this.withFrame(e, 0, scope, frame, frame, (inner) => this.evalExprCore(e, scope, inner, k));
  }

  private evalExprCore(e: Expr, scope: Scope, frame: Frame, k: K): boolean {
    switch (e.type) {
      case 'termExpr':
        return this.evalTerm(e.term, scope, frame, (v) => v !== false && k());
      case 'not': {
        const negate = (): boolean => (this.evalExpr(e.expr, scope, frame, () => true) ? false : k());
        const pins = this.hoistedOf(e.expr);
        return pins.length ? this.pin(pins, 0, scope, frame, negate) : negate();
      }
      case 'some':
        return this.shadow(e.vars, scope, k);
      case 'someIn':
        return this.evalTerm(e.collection, scope, frame, (coll) =>
          eachEntry(coll, (key, val) =>
            this.unify(e.value, val, scope, frame, () => (e.key ? this.unify(e.key, key, scope, frame, k, true) : k()), true),
          ),
        );
      case 'every':
        return this.evalTerm(e.domain, scope, frame, (dom) => {
          const allHold = !eachEntry(dom, (key, val) => {
            const body = (): boolean => this.evalBody(e.body, scope, frame, () => true);
            const holds = this.bind(e.value.name, val, scope, () => (e.key ? this.bind(e.key.name, key, scope, body) : body()));
            return !holds;
          });
          return allHold && k();
        });
      case 'assign':
        return this.evalTerm(e.right, scope, frame, (v) => this.unify(e.left, v, scope, frame, k, true));
      case 'unify':
        return this.unifyTerms(e.left, e.right, scope, frame, k);
    }
  }

  private hoistedOf(e: Expr): Term[] {
    let h = this.hoists.get(e);
    if (!h) this.hoists.set(e, (h = hoisted(e)));
    return h;
  }

  private pin(terms: Term[], i: number, scope: Scope, frame: Frame, k: K): boolean {
    if (i === terms.length) return k();
    const t = terms[i]!;
    return this.evalTerm(t, scope, frame, (v) => {
      scope.pinned.set(t, v);
      try {
        return this.pin(terms, i + 1, scope, frame, k);
      } finally {
        scope.pinned.delete(t);
      }
    });
  }

  /** `some x, y`: the names are new local variables here. */
  private shadow(vars: Var[], scope: Scope, k: K): boolean {
    const saved = vars.map((v) => [v.name, scope.vars.get(v.name), scope.vars.has(v.name)] as const);
    for (const v of vars) scope.vars.set(v.name, UNBOUND);
    try {
      return k();
    } finally {
      for (const [name, old, had] of saved) {
        if (had) scope.vars.set(name, old!);
        else scope.vars.delete(name);
      }
    }
  }

  private bind(name: string, value: Value, scope: Scope, k: K): boolean {
    if (name === '_') return k();
    const had = scope.vars.has(name);
    const old = scope.vars.get(name);
    scope.vars.set(name, value);
    try {
      return k();
    } finally {
      if (had) scope.vars.set(name, old!);
      else scope.vars.delete(name);
    }
  }

  // ------------------------------------------------------------------ with

  private withFrame(e: Expr, i: number, scope: Scope, outer: Frame, acc: Frame, k: (f: Frame) => boolean): boolean {
    if (i === e.with.length) return k(acc);
    const w = e.with[i]!;
    const target = staticPath(w.target);
    if (!target) this.fail('rego_compile_error', 'with target must be a reference', scope.mod, w);
    const replacement = this.replacementOf(w.value, scope);
    if (replacement) return this.withFrame(e, i + 1, scope, outer, this.overrideFunction(acc, target, scope, w, replacement), k);
    // The value is evaluated where the expression stands, before the modifiers apply.
    return this.evalTerm(w.value, scope, outer, (v) => this.withFrame(e, i + 1, scope, outer, this.override(acc, target, v, scope, w), k));
  }

  /** A `with … as f` whose value names a function: the function replaces the target. */
  private replacementOf(t: Term, scope: Scope): Callee | undefined {
    const path = staticPath(t);
    if (!path || (t.type === 'var' && scope.vars.has(t.name))) return undefined;
    const callee = this.resolveCallee(path.join('.'), scope.mod);
    return callee && (callee.kind === 'builtin' || callee.group.kind === 'function') ? callee : undefined;
  }

  private overrideFunction(acc: Frame, target: string[], scope: Scope, at: { pos: Position }, fn: Callee): Frame {
    const callee = this.resolveCallee(target.join('.'), scope.mod);
    if (!callee) this.fail('rego_compile_error', `with target ${target.join('.')} is not a function`, scope.mod, at);
    const funcOverrides = new Map(acc.funcOverrides).set(callee.key, { fn });
    return { ...acc, funcOverrides, memo: new Map() };
  }

  private override(acc: Frame, target: string[], v: Value, scope: Scope, at: { pos: Position }): Frame {
    const [root, ...rest] = target;
    if (root === 'input') return { ...acc, input: rest.length ? upsert(acc.input, rest, v) : v, memo: new Map() };
    if (root === 'data') {
      const callee = rest.length ? this.resolveCallee(target.join('.'), scope.mod) : undefined;
      if (callee?.kind === 'rule' && callee.group.kind === 'function') {
        return { ...acc, funcOverrides: new Map(acc.funcOverrides).set(callee.key, { value: v }), memo: new Map() };
      }
      if (!rest.length) return { ...acc, data: v instanceof RegoObject ? v : new RegoObject(), dataOverrides: new Map(), memo: new Map() };
      return { ...acc, dataOverrides: new Map(acc.dataOverrides).set(pathKey(rest), v), memo: new Map() };
    }
    const resolved = this.prog.index.resolveName(scope.mod, root!);
    if (resolved) return this.override(acc, [...resolved, ...rest], v, scope, at);
    const callee = this.resolveCallee(target.join('.'), scope.mod);
    if (callee) return { ...acc, funcOverrides: new Map(acc.funcOverrides).set(callee.key, { value: v }), memo: new Map() };
    return this.fail('rego_compile_error', `with target ${target.join('.')} must be input, data or a function`, scope.mod, at);
  }

  // ------------------------------------------------------------------ unification

  /** Unifies a pattern with a value; `fresh` (`:=`, `some … in`) binds the pattern's variables anew. */
  private unify(p: Term, v: Value, scope: Scope, frame: Frame, k: K, fresh = false): boolean {
    switch (p.type) {
      case 'var': {
        if (p.name === '_') return k();
        if (fresh) return this.bind(p.name, v, scope, k);
        const slot = scope.vars.get(p.name);
        if (slot === UNBOUND || (slot === undefined && !this.prog.index.resolveName(scope.mod, p.name))) return this.bind(p.name, v, scope, k);
        if (slot !== undefined) return equal(slot, v) && k();
        return this.evalTerm(p, scope, frame, (x) => equal(x, v) && k());
      }
      case 'array':
        return Array.isArray(v) && v.length === p.items.length && this.unifyList(p.items, v, 0, scope, frame, k, fresh);
      case 'object':
        if (!(v instanceof RegoObject) || v.size !== p.entries.length) return false;
        return this.unifyEntries(p.entries, 0, v, scope, frame, k, fresh);
      default:
        return this.evalTerm(p, scope, frame, (x) => equal(x, v) && k());
    }
  }

  private unifyList(ps: Term[], vs: Value[], i: number, scope: Scope, frame: Frame, k: K, fresh: boolean): boolean {
    if (i === ps.length) return k();
    return this.unify(ps[i]!, vs[i]!, scope, frame, () => this.unifyList(ps, vs, i + 1, scope, frame, k, fresh), fresh);
  }

  private unifyParams(ps: Term[], args: Arg[], i: number, scope: Scope, frame: Frame, k: K): boolean {
    if (i === ps.length) return k();
    const p = ps[i]!;
    const a = args[i]!;
    const next = (): boolean => this.unifyParams(ps, args, i + 1, scope, frame, k);
    if (a === MISSING) return p.type === 'var' && p.name === '_' && next();
    return this.unify(p, a, scope, frame, next, true);
  }

  private unifyEntries(es: ObjectEntry[], i: number, obj: RegoObject, scope: Scope, frame: Frame, k: K, fresh: boolean): boolean {
    if (i === es.length) return k();
    const e = es[i]!;
    return this.evalTerm(e.key, scope, frame, (key) => {
      const v = obj.get(key);
      return v !== undefined && this.unify(e.value, v, scope, frame, () => this.unifyEntries(es, i + 1, obj, scope, frame, k, fresh), fresh);
    });
  }

  private unifyTerms(a: Term, b: Term, scope: Scope, frame: Frame, k: K): boolean {
    if (a.type === 'array' && b.type === 'array') {
      if (a.items.length !== b.items.length) return false;
      const go = (i: number): boolean => (i === a.items.length ? k() : this.unifyTerms(a.items[i]!, b.items[i]!, scope, frame, () => go(i + 1)));
      return go(0);
    }
    if (!this.isPattern(a, scope)) return this.evalTerm(a, scope, frame, (v) => this.unify(b, v, scope, frame, k));
    if (!this.isPattern(b, scope)) return this.evalTerm(b, scope, frame, (v) => this.unify(a, v, scope, frame, k));
    return this.fail('rego_unsafe_var_error', 'both sides of = have unbound variables', scope.mod, a);
  }

  /** A term with an unbound variable where a value would be bound (a var, or inside array/object literals). */
  private isPattern(t: Term, scope: Scope): boolean {
    if (t.type === 'var') return t.name === '_' || this.isUnbound(t.name, scope);
    if (t.type === 'array') return t.items.some((x) => this.isPattern(x, scope));
    if (t.type === 'object') return t.entries.some((e) => this.isPattern(e.value, scope));
    return false;
  }

  private isUnbound(name: string, scope: Scope): boolean {
    const slot = scope.vars.get(name);
    return slot === UNBOUND || (slot === undefined && !this.prog.index.resolveName(scope.mod, name));
  }

  /** No unbound variable outside nested comprehension bodies: the term has values without binding anything. */
  private isGround(t: Term, scope: Scope): boolean {
    switch (t.type) {
      case 'var':
        return t.name !== '_' && !this.isUnbound(t.name, scope);
      case 'ref':
        return this.isGround(t.head, scope) && t.path.every((a) => a.type === 'dot' || this.isGround(a.term, scope));
      case 'call':
        return t.args.every((a) => this.isGround(a, scope));
      case 'array':
      case 'set':
        return t.items.every((x) => this.isGround(x, scope));
      case 'object':
        return t.entries.every((e) => this.isGround(e.key, scope) && this.isGround(e.value, scope));
      case 'binary':
        return this.isGround(t.left, scope) && this.isGround(t.right, scope);
      case 'unary':
        return this.isGround(t.operand, scope);
      case 'membership':
        return this.isGround(t.value, scope) && this.isGround(t.collection, scope) && (!t.key || this.isGround(t.key, scope));
      default:
        return true;
    }
  }

  // ------------------------------------------------------------------ terms

  evalTerm(t: Term, scope: Scope, frame: Frame, k: KV): boolean {
    if (scope.pinned.size > 0) {
      const p = scope.pinned.get(t);
      if (p !== undefined) return k(p);
    }
    switch (t.type) {
      case 'string':
      case 'number':
      case 'boolean':
        return k(t.value);
      case 'null':
        return k(null);
      case 'var':
        return this.evalVar(t, [], scope, frame, k);
      case 'ref':
        if (t.head.type === 'var') return this.evalVar(t.head, t.path, scope, frame, k);
        return this.evalTerm(t.head, scope, frame, (h) => this.walkValue(h, t.path, 0, scope, frame, k));
      case 'call':
        return this.evalCall(t, scope, frame, k);
      case 'array':
      case 'set':
      case 'object': {
        const c = constantOf(t);
        if (c !== undefined) return k(c);
        return this.evalComposite(t, scope, frame, k);
      }
      case 'arrayComprehension': {
        const out: Value[] = [];
        this.evalBody(t.body, scope, frame, () => this.evalTerm(t.term, scope, frame, (v) => (out.push(v), false)));
        return k(out);
      }
      case 'setComprehension': {
        const out = new RegoSet();
        this.evalBody(t.body, scope, frame, () => this.evalTerm(t.term, scope, frame, (v) => (out.add(v), false)));
        return k(out);
      }
      case 'objectComprehension': {
        const out = new RegoObject();
        this.evalBody(t.body, scope, frame, () =>
          this.evalTerm(t.key, scope, frame, (key) =>
            this.evalTerm(t.value, scope, frame, (v) => {
              const had = out.get(key);
              if (had !== undefined && !equal(had, v)) this.fail('eval_conflict_error', 'object keys must be unique', scope.mod, t);
              out.set(key, v);
              return false;
            }),
          ),
        );
        return k(out);
      }
      case 'binary':
        return this.evalTerm(t.left, scope, frame, (a) =>
          this.evalTerm(t.right, scope, frame, (b) => {
            const r = binary(t.op, a, b);
            return r !== undefined && k(r);
          }),
        );
      case 'unary':
        return this.evalTerm(t.operand, scope, frame, (a) => typeof a === 'number' && k(-a));
      case 'membership':
        return this.evalTerm(t.collection, scope, frame, (coll) =>
          this.evalTerm(t.value, scope, frame, (v) => {
            if (!t.key) return k(eachEntry(coll, (_, x) => equal(x, v)));
            return this.evalTerm(t.key, scope, frame, (key) => k(eachEntry(coll, (kk, x) => equal(kk, key) && equal(x, v))));
          }),
        );
    }
  }

  private evalComposite(t: ArrayTerm | SetTerm | ObjectTerm, scope: Scope, frame: Frame, k: KV): boolean {
    if (t.type === 'array') return this.evalList(t.items, scope, frame, k);
    if (t.type === 'set') return this.evalList(t.items, scope, frame, (vs) => k(new RegoSet(vs)));
    return this.evalList(
      t.entries.flatMap((e) => [e.key, e.value]),
      scope,
      frame,
      (vs) => {
        const o = new RegoObject();
        for (let i = 0; i < vs.length; i += 2) o.set(vs[i]!, vs[i + 1]!);
        return k(o);
      },
    );
  }

  private evalList(items: Term[], scope: Scope, frame: Frame, k: (vs: Value[]) => boolean): boolean {
    const out: Value[] = new Array(items.length);
    const go = (i: number): boolean => (i === items.length ? k(out.slice()) : this.evalTerm(items[i]!, scope, frame, (v) => ((out[i] = v), go(i + 1))));
    return go(0);
  }

  private evalVar(v: Var, path: RefArg[], scope: Scope, frame: Frame, k: KV): boolean {
    const slot = scope.vars.get(v.name);
    if (slot !== undefined && slot !== UNBOUND) return this.walkValue(slot, path, 0, scope, frame, k);
    if (slot === undefined) {
      const global = this.prog.index.resolveName(scope.mod, v.name);
      if (global) {
        const [root, ...rest] = global;
        const statics: RefArg[] = rest.map((name) => ({ type: 'dot', name, pos: v.pos, end: v.end }));
        const full = statics.length ? [...statics, ...path] : path;
        if (root === 'input') return frame.input === undefined ? false : this.walkValue(frame.input, full, 0, scope, frame, k);
        return this.walkData([], this.prog.root, full, 0, scope, frame, k);
      }
    }
    return this.fail('rego_unsafe_var_error', `var ${v.name} is unsafe`, scope.mod, v);
  }

  private walkValue(v: Value, ref: RefArg[], i: number, scope: Scope, frame: Frame, k: KV): boolean {
    // Keys known without evaluation (`.name`, `["a"]`, `[0]`, a bound variable) are followed in a loop: no stack per step.
    let cur = v;
    for (; i < ref.length; i++) {
      const key = this.knownKey(ref[i]!, scope);
      if (key === undefined) break;
      const c = select(cur, key);
      if (c === undefined) return false;
      cur = c;
    }
    if (i === ref.length) return k(cur);
    const term = (ref[i] as RefBracket).term;
    const rest = (c: Value): boolean => this.walkValue(c, ref, i + 1, scope, frame, k);
    if (this.isGround(term, scope)) {
      return this.evalTerm(term, scope, frame, (key) => {
        const c = select(cur, key);
        return c !== undefined && rest(c);
      });
    }
    return eachEntry(cur, (key, c) => this.unify(term, key, scope, frame, () => rest(c)));
  }

  private knownKey(arg: RefArg, scope: Scope): Value | undefined {
    if (arg.type === 'dot') return arg.name;
    const t = arg.term;
    if (t.type === 'string' || t.type === 'number') return t.value;
    if (t.type !== 'var') return undefined;
    const slot = scope.vars.get(t.name);
    return slot === UNBOUND ? undefined : slot;
  }

  // ------------------------------------------------------------------ calls

  private resolveCallee(name: string, mod: RegoModule): Callee | undefined {
    const { first, more } = splitCallName(name);
    const resolved = this.prog.index.resolveName(mod, first);
    if (resolved?.[0] === 'data') {
      const path = [...resolved.slice(1), ...more];
      const group = this.prog.index.group(path);
      if (!group) return undefined;
      const def = group.defs[0] ?? group.defaults[0];
      return { kind: 'rule', key: `data.${group.key}`, group, arity: def?.rule.args?.length ?? 0 };
    }
    if (resolved) return undefined;
    const arity = builtinArity(name);
    return arity === undefined ? undefined : { kind: 'builtin', key: name, name, arity };
  }

  private calleeOf(call: Call, mod: RegoModule): Callee {
    let c = this.callees.get(call);
    if (c === undefined && !this.callees.has(call)) {
      c = this.resolveCallee(call.name, mod);
      this.callees.set(call, c);
    }
    if (!c) this.fail('rego_type_error', `undefined function ${call.name}`, mod, call);
    return c;
  }

  private evalCall(call: Call, scope: Scope, frame: Frame, k: KV): boolean {
    this.step(call, scope.mod);
    const callee = this.calleeOf(call, scope.mod);
    const arity = callee.arity === 'any' ? call.args.length : callee.arity;
    const inputs = call.args.slice(0, arity);
    const output = call.args.length > arity ? call.args[arity] : undefined;
    // print shows an undefined argument as <undefined> and still holds
    const lenient = callee.kind === 'rule' || callee.name === 'print';
    return this.evalArgs(inputs, lenient, scope, frame, (args) => {
      const results = this.invoke(callee, args, call, scope, frame);
      for (const r of results) {
        const stop = output ? this.unify(output, r, scope, frame, () => k(true)) : k(r);
        if (stop) return true;
      }
      return false;
    });
  }

  /** Like evalList; with `lenient`, an argument without value is passed on as MISSING. */
  private evalArgs(items: Term[], lenient: boolean, scope: Scope, frame: Frame, k: (vs: Arg[]) => boolean): boolean {
    const out: Arg[] = new Array(items.length);
    const go = (i: number): boolean => {
      if (i === items.length) return k(out.slice());
      let defined = false;
      const stop = this.evalTerm(items[i]!, scope, frame, (v) => ((defined = true), (out[i] = v), go(i + 1)));
      if (defined || !lenient) return stop;
      out[i] = MISSING;
      return go(i + 1);
    };
    return go(0);
  }

  /** The results of a call: none (undefined), one, or several for a relation (`walk`). */
  private invoke(callee: Callee, args: Arg[], call: Call, scope: Scope, frame: Frame): Value[] {
    const replacement = frame.funcOverrides.get(callee.key);
    if (replacement) {
      if ('value' in replacement) return [replacement.value];
      return this.invoke(replacement.fn, args, call, scope, frame);
    }
    if (callee.kind === 'rule') {
      if (++this.depth > MAX_CALL_DEPTH) this.fail('eval_budget_error', `too complex: calls nested deeper than ${MAX_CALL_DEPTH}`, scope.mod, call);
      try {
        return this.applyFunction(callee.group, args, frame);
      } finally {
        this.depth--;
      }
    }
    const impl = BUILTINS[callee.name];
    if (!impl) this.fail('eval_builtin_error', `built-in ${callee.name} is not supported by polcov`, scope.mod, call);
    if (callee.name !== 'print' && args.includes(MISSING)) return [];
    try {
      const r = impl(args as Value[], this.builtinCtx);
      if (r === undefined) return [];
      return callee.name === 'walk' ? (r as Value[]) : [r];
    } catch (e) {
      // OPA makes a failing built-in (wrong types, bad input) undefined unless strict mode is on.
      if (e instanceof BuiltinError) return [];
      throw e;
    }
  }

  private applyFunction(group: RuleGroup, args: Arg[], frame: Frame): Value[] {
    const values = new Map<string, Value>();
    for (const def of group.defs) {
      for (const v of this.definitionValues(def, args, frame)) {
        values.set(keyOf(v), v);
        if (values.size > 1) this.fail('eval_conflict_error', 'functions must not produce multiple outputs for same inputs', def.mod, def.rule);
      }
    }
    if (values.size) return [...values.values()];
    const d = group.defaults[0];
    if (!d) return [];
    const v = this.defaultValue(group, frame);
    return v === undefined ? [] : [v];
  }
}

/** Rules that have a value without arguments; OPA reads `f() = x` as a complete rule too. */
function isDocument(group: RuleGroup): boolean {
  return group.kind !== 'function' || group.defs.every((d) => d.rule.args?.length === 0);
}

/**
 * The operands OPA evaluates before a negation, in order: its compiler moves every call nested in
 * an expression's operands (`count(x)` in `not count(x) > 0`, `g(x)` in `not f(g(x))`, operators
 * included) out in front of it (its expandExpr stage), so an undefined nested call makes the whole
 * expression undefined, not true. References stay inside (`not input.a == 1` is true when
 * `input.a` is undefined).
 */
function hoisted(e: Expr): Term[] {
  const out: Term[] = [];
  const operands = (t: Term): void => {
    switch (t.type) {
      case 'call':
        t.args.forEach(nested);
        break;
      case 'binary':
        nested(t.left);
        nested(t.right);
        break;
      case 'unary':
        nested(t.operand);
        break;
      case 'membership':
        if (t.key) nested(t.key);
        nested(t.value);
        nested(t.collection);
        break;
      case 'ref':
        if (t.head.type !== 'var') nested(t.head);
        for (const a of t.path) if (a.type === 'bracket') nested(a.term);
        break;
      case 'array':
      case 'set':
        t.items.forEach(nested);
        break;
      case 'object':
        t.entries.forEach((x) => (nested(x.key), nested(x.value)));
        break;
      default:
        break;
    }
  };
  const nested = (t: Term): void => {
    operands(t);
    if (t.type === 'call' || t.type === 'binary' || t.type === 'unary' || t.type === 'membership') out.push(t);
  };
  if (e.type === 'termExpr') operands(e.term);
  else if (e.type === 'unify') [e.left, e.right].forEach(nested);
  return out;
}

/** Literal values (`[1, {"a": "b"}]`: scalars in arrays, sets and objects) are built once. */
const NOT_CONSTANT = Symbol('not constant');
const constants = new WeakMap<Term, Value | typeof NOT_CONSTANT>();

function constantOf(t: Term): Value | undefined {
  let c = constants.get(t);
  if (c === undefined) {
    const built = buildConstant(t);
    constants.set(t, (c = built === undefined ? NOT_CONSTANT : built));
  }
  return c === NOT_CONSTANT ? undefined : c;
}

function buildConstant(t: Term): Value | undefined {
  switch (t.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return t.value;
    case 'null':
      return null;
    case 'array': {
      const items = t.items.map(buildConstant);
      return items.every((x) => x !== undefined) ? (items as Value[]) : undefined;
    }
    case 'set': {
      const items = t.items.map(buildConstant);
      return items.every((x) => x !== undefined) ? new RegoSet(items as Value[]) : undefined;
    }
    case 'object': {
      const entries = t.entries.map((e) => [buildConstant(e.key), buildConstant(e.value)]);
      return entries.every(([key, v]) => key !== undefined && v !== undefined) ? new RegoObject(entries as [Value, Value][]) : undefined;
    }
    default:
      return undefined;
  }
}

const ORIGIN = { line: 1, column: 1, offset: 0 };

/** `input.a.b` / `data.x` / `f` as its static segments, or undefined. */
function staticPath(t: Term): string[] | undefined {
  if (t.type === 'var') return [t.name];
  return t.type === 'ref' ? staticSegments(t) : undefined;
}

function baseAt(data: RegoObject, path: readonly string[]): Value | undefined {
  let v: Value | undefined = data;
  for (const seg of path) {
    v = v instanceof RegoObject ? v.get(seg) : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** Override keys: path segments may hold dots (`data.x["a.b"]`), so they are joined by NUL. */
const SEP = '\u0000';
const pathKey = (path: readonly string[]): string => path.join(SEP);

/** A document with the `with data.…` overrides below `path` placed into it. */
function overlay(path: string[], v: Value | undefined, frame: Frame): Value | undefined {
  if (frame.dataOverrides.size === 0) return v;
  const prefix = path.length ? `${pathKey(path)}${SEP}` : '';
  let out = v;
  for (const [key, value] of frame.dataOverrides) if (key.startsWith(prefix) && key.length > prefix.length) out = upsert(out, key.slice(prefix.length).split(SEP), value);
  return out;
}

/** `with input.a.b as v`: input with the value placed at the path, objects made on the way. */
function upsert(base: Value | undefined, path: string[], v: Value): Value {
  if (path.length === 0) return v;
  const obj = new RegoObject(base instanceof RegoObject ? base.entries() : []);
  const [head, ...rest] = path;
  obj.set(head!, upsert(obj.get(head!), rest, v));
  return obj;
}

/** `v[key]`: an array index, an object key, a set member. */
function select(v: Value, key: Value): Value | undefined {
  if (Array.isArray(v)) return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length ? v[key] : undefined;
  if (v instanceof RegoObject) return v.get(key);
  if (v instanceof RegoSet) return v.has(key) ? key : undefined;
  return undefined;
}

/** Calls `f(key, value)` for each element of a collection (set elements are their own keys); true if `f` stopped it. */
function eachEntry(v: Value, f: (key: Value, value: Value) => boolean): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (f(i, v[i]!)) return true;
  } else if (v instanceof RegoObject) {
    for (const [key, x] of v.entries()) if (f(key, x)) return true;
  } else if (v instanceof RegoSet) {
    for (const x of v.values()) if (f(x, x)) return true;
  }
  return false;
}

function binary(op: string, a: Value, b: Value): Value | undefined {
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return compare(a, b) < 0;
    case '<=':
      return compare(a, b) <= 0;
    case '>':
      return compare(a, b) > 0;
    case '>=':
      return compare(a, b) >= 0;
    case '|':
      return a instanceof RegoSet && b instanceof RegoSet ? new RegoSet([...a.values(), ...b.values()]) : undefined;
    case '&':
      return a instanceof RegoSet && b instanceof RegoSet ? new RegoSet(a.values().filter((x) => b.has(x))) : undefined;
    case '-':
      if (a instanceof RegoSet && b instanceof RegoSet) return new RegoSet(a.values().filter((x) => !b.has(x)));
      return typeof a === 'number' && typeof b === 'number' ? a - b : undefined;
  }
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  switch (op) {
    case '+':
      return a + b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : a / b;
    case '%':
      return b === 0 || !Number.isInteger(a) || !Number.isInteger(b) ? undefined : a % b;
  }
  return undefined;
}

