/**
 * Facts of one file as those of a verbatim copy of it: the same text has the same lines and columns,
 * so only the file named in each place differs (template-memo.ts, raw-rego.ts).
 */

/**
 * A copy of plain data (arrays, sets, plain objects) with every `file` field naming `from` naming `to`.
 * Anything else (a Map, a class instance) is shared as it is, not renamed: facts must stay plain data.
 */
export function relocated<T>(value: T, from: string, to: string): T {
  if (Array.isArray(value)) return value.map((v: unknown) => relocated(v, from, to)) as T;
  if (value instanceof Set) return new Set([...value].map((v: unknown) => relocated(v, from, to))) as T;
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'file' && v === from ? to : relocated(v, from, to);
  return out as T;
}
