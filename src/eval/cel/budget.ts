/**
 * A step budget for concrete CEL evaluation. cel-js has no cost limit of its own, so every AST node
 * evaluation is counted through the node prototype (the library caches each node's evaluator on the
 * node itself; counting replaces that cache with a lookup of the same function).
 */
import { Environment } from '@marcbachmann/cel-js';

export class CelBudgetExceeded extends Error {}

interface NodeMeta {
  alternate?: CountedNode;
  macro?: CountedNode;
  evaluate: (ev: unknown, ast: CountedNode, ctx: unknown) => unknown;
}
interface CountedNode {
  meta: NodeMeta;
  evaluate(ev: unknown, ast: CountedNode, ctx: unknown): unknown;
}

let stepsLeft = Infinity;

const proto = Object.getPrototypeOf(new Environment().parse('1').ast) as CountedNode;
if (!Object.getOwnPropertyDescriptor(proto, 'meta')?.get) {
  throw new Error('cel-js changed its AST node shape: the CEL step budget cannot count evaluation');
}
proto.evaluate = function counted(this: CountedNode, ev, ast, ctx) {
  if (--stepsLeft < 0) throw new CelBudgetExceeded('CEL evaluation exceeded its step budget');
  const meta = this.meta;
  if (meta.alternate) return meta.alternate.evaluate(ev, meta.alternate, ctx);
  if (meta.macro) return meta.macro.evaluate(ev, meta.macro, ctx);
  return meta.evaluate(ev, ast, ctx);
};

/** Runs `fn` with at most `steps` node evaluations; nested runs share the outer budget. */
export function withBudget<T>(steps: number, fn: () => T): T {
  const outer = stepsLeft;
  stepsLeft = Math.min(steps, outer);
  try {
    return fn();
  } finally {
    stepsLeft = outer === Infinity ? Infinity : Math.max(0, outer - (Math.min(steps, outer) - stepsLeft));
  }
}
