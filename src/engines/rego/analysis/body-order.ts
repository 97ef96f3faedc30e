/**
 * Rego evaluates a body's expressions in whatever order makes its variables safe, so
 * `c := spec[field][_]; field := "containers"` is legal; and a variable an iteration binds may be
 * narrowed by a later test (`spec[k][_]; allowed[k]`, `k == "containers"`). Bodies with either
 * are evaluated more than once, so the later binding or narrowing reaches the earlier use; the
 * others once, in order.
 */
import type { Body, Expr, Term } from '../ast';
import { varsIn, walkAst as walk } from './ast-walk';

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
  // Where each variable is first bound and last used: one pass each, so long bodies stay linear.
  const firstBound = new Map<string, number>();
  const lastUsed = new Map<string, number>();
  const uses = body.exprs.map(usesOf);
  body.exprs.forEach((e, i) => {
    for (const v of targetsOf(e)) if (!firstBound.has(v)) firstBound.set(v, i);
    for (const v of uses[i]!.vars) lastUsed.set(v, i);
  });
  const boundLater = (v: string, i: number): boolean => (firstBound.get(v) ?? -1) > i;
  const narrowedLater = (v: string, i: number): boolean => (lastUsed.get(v) ?? -1) > i;
  return uses.some((u, i) => [...u.vars].some((v) => boundLater(v, i)) || [...u.keys].some((v) => narrowedLater(v, i)));
}
