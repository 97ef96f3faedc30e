/**
 * Bounds on the Rego analysis, so hostile input ends in "too complex to follow" instead of a
 * stack overflow, an hour of work or an out-of-memory crash. Recursion is bounded by a depth count
 * (nested terms and rules), never by the size of the call stack.
 */
import type { Value } from './values';

export class BudgetExceeded extends Error {}

/** Terms (and the rules they reach) evaluated inside each other. Real policies stay under 60. */
export const MAX_DEPTH = 250;

/** Counts nesting; `enter` throws BudgetExceeded past MAX_DEPTH. */
export class Depth {
  private n = 0;

  enter(): void {
    if (++this.n > MAX_DEPTH) {
      this.n--;
      throw new BudgetExceeded(`terms and rules nested more than ${MAX_DEPTH} deep`);
    }
  }

  leave(): void {
    this.n--;
  }
}

/**
 * Segments of an input path the analysis follows. The deepest field of a control is about ten
 * below the object; extending longer paths step by step would cost time quadratic in their length.
 */
export const MAX_PATH = 64;

export function checkPathLength(segs: readonly string[]): void {
  if (segs.length > MAX_PATH) throw new BudgetExceeded(`a reference more than ${MAX_PATH} segments long`);
}

/**
 * Parts of one abstract value, counted as the walks over it see them (a part shared twice counts
 * twice). `l1 := [l0, l0]; l2 := [l1, l1]…` doubles each step: bounded here.
 */
export const MAX_VALUE_SIZE = 20_000;
const sizes = new WeakMap<Value, number>();

function valueSize(v: Value): number {
  const own = 1 + v.paths.length + v.consts.length + v.opaque.length;
  // Most values have no parts: their size is not worth a WeakMap entry (which collection must trace).
  if (!v.elems && !v.keys && !v.fields && !v.items) return own;
  let n = sizes.get(v);
  if (n !== undefined) return n;
  n = own;
  for (const c of [v.elems, v.keys, ...(v.fields?.values() ?? []), ...(v.items ?? [])]) {
    if (c) n += valueSize(c);
    if (n > MAX_VALUE_SIZE) break;
  }
  sizes.set(v, n);
  return n;
}

export function checkValueSize(v: Value): Value {
  if (valueSize(v) > MAX_VALUE_SIZE) throw new BudgetExceeded(`a value with more than ${MAX_VALUE_SIZE} parts`);
  return v;
}
