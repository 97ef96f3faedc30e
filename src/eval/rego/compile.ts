/**
 * Compiling Rego modules for evaluation: parse each module (polcov's parser), index the rules by
 * their path under `data` (the RulesIndex the analysis uses), refuse what OPA's compiler refuses
 * (the shared compile checks), build the tree of virtual documents, and order each body's
 * expressions so every variable is bound before it is read, as OPA reorders them.
 */
import { parseModule, RegoSyntaxError, type Body, type Call, type Expr, type Rule, type Term } from '../../engines/rego';
import { varsBoundByPattern, varsIn, walkAst } from '../../engines/rego/analysis/ast-walk';
import { headPath, RulesIndex, splitCallName, type RegoModule, type RuleGroup } from '../../engines/rego/analysis/rules-index';
import { arityOf, compileProblems } from '../../engines/rego/compile-check';
import { DEPRECATED_IN_V1 } from './builtins';
import type { RegoError, RegoModuleSource } from './types';

/** A node of `data`: a package or a rule object, with the rule group defined exactly here if any. */
export interface DataNode {
  children: Map<string, DataNode>;
  group?: RuleGroup;
}

export interface CompiledProgram {
  modules: RegoModule[];
  index: RulesIndex;
  root: DataNode;
  /** Each body's expressions in evaluation order. */
  orders: Map<Body, Expr[]>;
}

export function compileModules(sources: RegoModuleSource[]): { program?: CompiledProgram; errors: RegoError[] } {
  const errors: RegoError[] = [];
  const modules: RegoModule[] = [];
  for (const src of sources) {
    const locate = (p: { line: number; column: number }) => ({ file: src.file, line: p.line, column: p.column });
    try {
      modules.push({ module: parseModule(src.text, { version: src.version ?? 'v0' }), text: src.text, locate });
    } catch (e) {
      if (!(e instanceof RegoSyntaxError)) throw e;
      errors.push({ code: 'rego_parse_error', message: e.message, file: src.file, line: e.line, column: e.column });
    }
  }
  if (errors.length) return { errors };
  const index = new RulesIndex(modules);
  for (const mod of modules) {
    for (const p of compileProblems(mod, index)) {
      errors.push({ code: 'rego_compile_error', message: p.reason.replace(/^OPA refuses this module: /, ''), ...p.at });
    }
  }
  for (const mod of modules) if (mod.module.v1) errors.push(...deprecatedCalls(mod, index));
  if (errors.length) return { errors };
  const root: DataNode = { children: new Map() };
  const orders = new Map<Body, Expr[]>();
  for (const mod of modules) {
    for (const rule of mod.module.rules) {
      const group = index.group([...mod.module.package.segments, ...headPath(rule)]);
      if (group) placeGroup(root, group);
      for (const body of bodiesBelow(rule)) orders.set(body, orderBody(body, (call) => outputArg(call, mod, index)));
    }
  }
  return { program: { modules, index, root, orders }, errors };
}

/** Rego v1 refuses the deprecated built-ins (`any`, `re_match`, `cast_*`…). */
function deprecatedCalls(mod: RegoModule, index: RulesIndex): RegoError[] {
  const out: RegoError[] = [];
  walkAst(mod.module.rules, (n) => {
    const call = n as unknown as Call;
    if (n.type !== 'call' || !DEPRECATED_IN_V1.has(call.name) || index.resolveName(mod, splitCallName(call.name).first)) return;
    out.push({ code: 'rego_compile_error', message: `deprecated built-in function calls in expression: ${call.name}`, ...mod.locate(call.pos) });
  });
  return out;
}

function placeGroup(root: DataNode, group: RuleGroup): void {
  let node = root;
  for (const seg of group.path) {
    let next = node.children.get(seg);
    if (!next) node.children.set(seg, (next = { children: new Map() }));
    node = next;
  }
  node.group = group;
}

/** Every body of a rule, its else chain and the comprehensions and `every`s nested in them. */
function bodiesBelow(rule: Rule): Body[] {
  const out: Body[] = [];
  walkAst(rule, (n) => {
    if (n.type === 'body') out.push(n as unknown as Body);
  });
  return out;
}

// ------------------------------------------------------------------ body order

/** Adds the variables a pattern (if any) binds to `out`. */
function patternVars(t: Term | undefined, out: Set<string>): void {
  if (t) for (const v of varsBoundByPattern(t)) out.add(v);
}

/** Variables used as reference keys (`xs[i]`): an iteration binds them. Comprehension bodies are their own scope. */
function keyVars(node: unknown, out: Set<string>): void {
  walkAst(
    node,
    (n) => {
      if (n.type === 'bracket' && n.term?.type === 'var') out.add(n.term.name as string);
    },
    (n, k) => k === 'body' && n.type !== 'every',
  );
}

/** A call's output argument (`count(xs, n)`: n), if it has one. */
function outputArg(call: Call, mod: RegoModule, index: RulesIndex): Term | undefined {
  const a = arityOf(call, mod, index);
  return typeof a === 'object' && a.arity !== 'any' && call.args.length === a.arity + 1 ? call.args[a.arity] : undefined;
}

/** The variables an expression can bind. */
function outputsOf(e: Expr, output: (call: Call) => Term | undefined): Set<string> {
  const out = new Set<string>();
  switch (e.type) {
    case 'assign':
      patternVars(e.left, out);
      keyVars(e.right, out);
      break;
    case 'unify':
      patternVars(e.left, out);
      patternVars(e.right, out);
      keyVars(e, out);
      break;
    case 'someIn':
      patternVars(e.key, out);
      patternVars(e.value, out);
      keyVars(e.collection, out);
      break;
    case 'termExpr':
      keyVars(e.term, out);
      if (e.term.type === 'call') patternVars(output(e.term), out);
      break;
    default:
      break;
  }
  out.delete('_');
  return out;
}

/**
 * OPA's reordering, simplified: repeatedly take the first expression whose inputs that some other
 * expression of the body binds are bound already. Conjunctions commute, so only safety changes.
 */
function orderBody(body: Body, output: (call: Call) => Term | undefined): Expr[] {
  const exprs = body.exprs;
  const outs = exprs.map((e) => outputsOf(e, output));
  const boundBySome = new Set<string>();
  for (const o of outs) for (const v of o) boundBySome.add(v);
  // `some x` declares, it reads nothing
  const needs = exprs.map((e, i) => (e.type === 'some' ? [] : [...varsIn(e)].filter((v) => boundBySome.has(v) && !outs[i]!.has(v))));
  const done = new Array<boolean>(exprs.length).fill(false);
  const bound = new Set<string>();
  const order: Expr[] = [];
  while (order.length < exprs.length) {
    let pick = exprs.findIndex((_, i) => !done[i] && needs[i]!.every((v) => bound.has(v)));
    if (pick < 0) pick = done.indexOf(false);
    done[pick] = true;
    order.push(exprs[pick]!);
    for (const v of outs[pick]!) bound.add(v);
  }
  return order;
}
