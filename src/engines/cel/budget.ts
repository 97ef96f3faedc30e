/**
 * The budget of one policy's abstract CEL evaluation: steps, nesting and value size. Chained
 * `.map`, `+` of a value with itself and nested macros grow values or work exponentially in the
 * size of a small expression; past the budget the expression is "too complex to follow".
 */
import { StepBudget, TooComplex } from '../too-complex';

const MAX_STEPS = 200_000;
const MAX_DEPTH = 200;
/** Paths, strings or list items one value may stand for, and characters of one string. */
export const MAX_VALUE = 2_000;
const MAX_STRING = 100_000;

export class CelBudget {
  private readonly work: StepBudget;
  private depth = 0;

  constructor(what: string) {
    this.work = new StepBudget(MAX_STEPS, what);
  }

  /** Work that is not a nested evaluation (e.g. checks recorded). */
  steps(n: number): void {
    this.work.tick(n);
  }

  /** One evaluation step, nested in the current one. */
  run<T>(fn: () => T): T {
    this.work.tick();
    if (this.depth >= MAX_DEPTH) throw new TooComplex(`CEL nested more than ${MAX_DEPTH} deep`);
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  /** A built value, refused when it is too large to carry on. */
  sized<T extends string | unknown[]>(v: T): T {
    if (v.length > (typeof v === 'string' ? MAX_STRING : MAX_VALUE)) throw new TooComplex(`a CEL value larger than ${typeof v === 'string' ? MAX_STRING : MAX_VALUE}`);
    return v;
  }
}
