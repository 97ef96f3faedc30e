import type { Term } from '../ast';

/** A generic walk over Rego AST nodes (nested comprehension bodies included), positions left out. */
export type Visit = (n: { type?: unknown; name?: unknown; term?: { type?: unknown; name?: unknown } }) => void;

/** `skip(node, key)` leaves a child out of the walk. */
export function walkAst(node: unknown, visit: Visit, skip: (n: Record<string, unknown>, k: string) => boolean = () => false): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const x of node) walkAst(x, visit, skip);
    return;
  }
  const n = node as Record<string, unknown>;
  visit(n);
  for (const k in n) {
    const v = n[k];
    if (k !== 'pos' && k !== 'end' && !skip(n, k) && typeof v === 'object' && v !== null) walkAst(v, visit, skip);
  }
}

/** Every variable in a node (`_` left out). */
export function varsIn(node: unknown): Set<string> {
  const out = new Set<string>();
  walkAst(node, (n) => {
    if (n.type === 'var' && n.name !== '_') out.add(n.name as string);
  });
  return out;
}

/** The variables a pattern binds: the term itself, or inside array literals and object values (`_` left out). */
export function varsBoundByPattern(t: Term): string[] {
  if (t.type === 'var') return t.name === '_' ? [] : [t.name];
  if (t.type === 'array') return t.items.flatMap(varsBoundByPattern);
  if (t.type === 'object') return t.entries.flatMap((e) => varsBoundByPattern(e.value));
  return [];
}
