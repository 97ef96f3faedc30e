/**
 * Bounds on the Rego analysis, so hostile input ends in "too complex to follow" instead of a
 * stack overflow, an hour of work or an out-of-memory crash. Recursion is bounded by a depth count
 * (nested terms and rules), never by the size of the call stack.
 */
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
