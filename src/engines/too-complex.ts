/**
 * An analysis ran past its budget (steps, value size or nesting): the policy is reported as
 * unanalyzable ("too complex to follow") and the scan goes on. Every abstract evaluation —
 * JMESPath, CEL, Rego — has such a budget, so a small hostile policy cannot exhaust time or memory.
 */
export class TooComplex extends Error {
  constructor(what: string) {
    super(`too complex to follow: ${what}`);
  }
}

/** Counts work; `tick` throws TooComplex past the limit. */
export class StepBudget {
  private steps = 0;

  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  tick(n = 1): void {
    this.steps += n;
    if (this.steps > this.max) throw new TooComplex(`more than ${this.max} steps ${this.what}`);
  }
}

/** Throws TooComplex when an abstract value holds more than `max` alternatives. */
export function checkSize<T>(values: T[], max: number, what: string): T[] {
  if (values.length > max) throw new TooComplex(`${what} stands for more than ${max} values`);
  return values;
}

/** A policy-unanalyzable reason for an analysis error: the budget's own words, or what was invalid. */
export function failure(e: unknown, invalid: string): string {
  return e instanceof TooComplex ? e.message : `${invalid}: ${(e as Error).message}`;
}
