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
