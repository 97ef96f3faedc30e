/**
 * Rego evaluates a body's expressions in whatever order makes its variables safe, so
 * `c := spec[field][_]; field := "containers"` is legal; and a variable an iteration binds may be
 * narrowed by a later test (`spec[k][_]; allowed[k]`, `k == "containers"`). Bodies with either
 * are evaluated more than once, so the later binding or narrowing reaches the earlier use; the
 * others once, in order.
 */
import type { Body, Expr, Term } from '../ast';
import { walkAst as walk } from './ast-walk';

function varsIn(node: unknown): Set<string> {
  const out = new Set<string>();
  walk(node, (n) => {
    if (n.type === 'var' && n.name !== '_') out.add(n.name as string);
  });
  return out;
}

const patternVars = (t: Term): Set<string> =>
  t.type === 'var' || t.type === 'array' || t.type === 'object' ? varsIn(t) : new Set();

/** Variables an expression may bind. */
function targetsOf(e: Expr): Set<string> {
  switch (e.type) {
    case 'assign':
      return patternVars(e.left);
    case 'unify':
      return new Set([...patternVars(e.left), ...patternVars(e.right)]);
    case 'someIn':
      return new Set([...patternVars(e.value), ...(e.key ? patternVars(e.key) : [])]);
    default:
      return new Set();
  }
}

/** The variables an expression uses, and those it uses as a reference key, in one walk. */
function usesOf(e: Expr): { vars: Set<string>; keys: Set<string> } {
  const vars = new Set<string>();
  const keys = new Set<string>();
  walk(e, (n) => {
    if (n.type === 'var' && n.name !== '_') vars.add(n.name as string);
    else if (n.type === 'bracket' && n.term?.type === 'var' && n.term.name !== '_') keys.add(n.term.name as string);
  });
  return { vars, keys };
}

export function needsReorder(body: Body): boolean {
  const targets = body.exprs.map(targetsOf);
  const uses = body.exprs.map(usesOf);
  const used = uses.map((u) => u.vars);
  const boundLater = (v: string, i: number): boolean =>
    !targets[i]!.has(v) && !targets.slice(0, i).some((t) => t.has(v)) && targets.slice(i + 1).some((t) => t.has(v));
  const narrowedLater = (v: string, i: number): boolean => used.slice(i + 1).some((u) => u.has(v));
  return body.exprs.some((_e, i) => [...used[i]!].some((v) => boundLater(v, i)) || [...uses[i]!.keys].some((v) => narrowedLater(v, i)));
}
