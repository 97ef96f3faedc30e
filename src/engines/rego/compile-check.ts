/**
 * What OPA's compiler refuses, checked before a module counts as a policy: a call to a function
 * that is neither a builtin nor a rule of the scanned modules, a call with the wrong number of
 * arguments, a variable that nothing in its rule binds (unsafe), several `default`s of one rule,
 * a rule defined as two kinds (complete and partial, or a function). A
 * module OPA (and so Gatekeeper) would refuse enforces nothing: each problem is reported and the
 * module covers nothing. The checks are conservative: a name they cannot resolve with certainty
 * (a lib outside the scanned files) is left alone.
 */
import type { SourceRef, Unanalyzable } from '../../facts';
import type { Call, Node, Rule, Term } from './ast';
import { walkAst } from './analysis/ast-walk';
import { headPath, splitCallName, type RegoModule, type RulesIndex } from './analysis/rules-index';
import { builtinArity } from './builtin-arity';

type AnyNode = Record<string, unknown> & { type?: string };

/**
 * Every node below `root` of one of `types`; a call's operator (a function name), the variables a
 * `some` declares (bound, or reported, where they are used) and a `with` target (a path or a
 * function name, `with count as mock`) are left out.
 */
function nodesOf<T>(root: unknown, types: readonly string[]): T[] {
  const out: T[] = [];
  walkAst(
    root,
    (n) => {
      if (types.includes(n.type as string)) out.push(n as T);
    },
    (n, k) => (n.type === 'call' && k === 'operator') || (n.type === 'some' && k === 'vars') || (n.type === 'with' && k === 'target'),
  );
  return out;
}

export function compileProblems(mod: RegoModule, index: RulesIndex): Unanalyzable[] {
  const at = (n: Node): SourceRef => mod.locate(n.pos);
  return [...callProblems(mod, index, at), ...safetyProblems(mod, index, at), ...conflictProblems(mod, at)];
}

/** The arguments a call's function takes (without the output argument), 'any', or undefined when it is undefined or unknown. */
export function arityOf(call: Call, mod: RegoModule, index: RulesIndex): { arity: number | 'any' } | 'undefined' | 'unknown' {
  const { first, more } = splitCallName(call.name);
  const resolved = index.resolveName(mod, first);
  if (resolved?.[0] === 'data') {
    const path = [...resolved.slice(1), ...more];
    const group = index.group(path);
    const def = group?.defs[0] ?? group?.defaults[0];
    if (def?.rule.args) return { arity: def.rule.args.length };
    // A package polcov has scanned with no such function: undefined; anything else may come from elsewhere.
    return !group && index.isPrefix(path.slice(0, -1)) ? 'undefined' : 'unknown';
  }
  if (resolved) return 'unknown';
  const builtin = builtinArity(call.name);
  return builtin === undefined ? 'undefined' : { arity: builtin };
}

function callProblems(mod: RegoModule, index: RulesIndex, at: (n: Node) => SourceRef): Unanalyzable[] {
  const out: Unanalyzable[] = [];
  for (const call of nodesOf<Call>(mod.module.rules, ['call'])) {
    const a = arityOf(call, mod, index);
    if (a === 'undefined') out.push({ reason: `OPA refuses this module: undefined function ${call.name}`, at: at(call) });
    else if (a !== 'unknown' && a.arity !== 'any' && call.args.length !== a.arity && call.args.length !== a.arity + 1) {
      out.push({ reason: `OPA refuses this module: ${call.name} takes ${a.arity} argument(s), not ${call.args.length}`, at: at(call) });
    }
  }
  return out;
}

/** Variables a rule binds: arguments, `:=`/`=` patterns, reference keys, `some … in`, `every`, output arguments. */
function boundIn(rule: Rule, mod: RegoModule, index: RulesIndex): Set<string> {
  const bound = new Set<string>();
  const vars = (t: Term | undefined): void => {
    for (const v of nodesOf<{ name: string }>(t, ['var'])) bound.add(v.name);
  };
  for (let r: Rule | undefined = rule; r; r = r.else) r.args?.forEach(vars);
  walkAst(rule, (n) => {
    const node = n as AnyNode;
    switch (node.type) {
      case 'assign':
      case 'unify':
        vars(node.left as Term);
        if (node.type === 'unify') vars(node.right as Term);
        break;
      case 'bracket': // `xs[i]`, `rule[{"msg": msg}]`: a key pattern binds its variables
        vars(node.term as Term);
        break;
      case 'someIn':
        vars(node.value as Term);
        vars(node.key as Term | undefined);
        break;
      case 'every':
        vars(node.value as Term);
        vars(node.key as Term | undefined);
        break;
      case 'call': {
        const call = node as unknown as Call;
        const a = arityOf(call, mod, index);
        const arity = typeof a === 'object' && a.arity !== 'any' ? a.arity : call.args.length - 1;
        if (call.args.length === arity + 1) vars(call.args[arity]);
        break;
      }
    }
  });
  return bound;
}

function safetyProblems(mod: RegoModule, index: RulesIndex, at: (n: Node) => SourceRef): Unanalyzable[] {
  const out: Unanalyzable[] = [];
  for (const rule of mod.module.rules) {
    const bound = boundIn(rule, mod, index);
    const reported = new Set<string>();
    for (const v of nodesOf<Term & { name: string }>([rule.key, rule.value, rule.args, rule.bodies, rule.else], ['var'])) {
      if (v.name === '_' || v.name.startsWith('$') || bound.has(v.name) || reported.has(v.name) || index.resolveName(mod, v.name)) continue;
      reported.add(v.name);
      out.push({ reason: `OPA refuses this module: var ${v.name} is unsafe (nothing in rule ${rule.name} binds it)`, at: at(v) });
    }
  }
  return out;
}

function conflictProblems(mod: RegoModule, at: (n: Node) => SourceRef): Unanalyzable[] {
  const out: Unanalyzable[] = [];
  const byPath = new Map<string, Rule[]>();
  for (const r of mod.module.rules) {
    const k = headPath(r).join('.');
    byPath.set(k, [...(byPath.get(k) ?? []), r]);
  }
  for (const [name, rules] of byPath) {
    const defaults = rules.filter((r) => r.default);
    if (defaults.length > 1) out.push({ reason: `OPA refuses this module: multiple default rules ${name}`, at: at(defaults[1]!) });
    const defs = rules.filter((r) => !r.default);
    const kinds = new Set(defs.map((r) => (r.kind === 'complete' && r.args ? 'function' : r.kind)));
    if (kinds.size > 1) out.push({ reason: `OPA refuses this module: rule ${name} is defined as ${[...kinds].join(' and ')}`, at: at(defs[1]!) });
  }
  return out;
}
