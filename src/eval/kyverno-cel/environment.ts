/**
 * Kyverno's CEL environment differs from the API server's in one way policies rely on: `x.orValue(d)`
 * on a value that is not optional returns the value (Kyverno keeps cel-go 0.27's behaviour through
 * its `__orValueCompat__` macro) where Kubernetes CEL fails. Expressions are compiled here with the
 * Kubernetes libraries of `eval/cel` and every `orValue` call rewritten to that compat function.
 */
import { Environment, Optional, serialize } from '@marcbachmann/cel-js';
import type { CelProgram } from '../cel';
import { registerKubernetesLibraries } from '../cel/kubernetes-library';

const COMPAT = '__orValueCompat__';

const ENV = registerKubernetesLibraries(
  new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false }),
).registerFunction(`${COMPAT}(dyn, dyn): dyn`, ((value: unknown, fallback: unknown) =>
  value instanceof Optional ? (value.hasValue() ? value.value() : fallback) : value) as never);

interface Node {
  op: string;
  args: unknown;
}

const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && 'op' in v;

/** Rewrites `r.orValue(d)` to `__orValueCompat__(r, d)`, depth-first. */
function rewrite(node: unknown, depth = 0): unknown {
  if (depth > 500) throw new Error('expression nested too deeply');
  if (Array.isArray(node)) return node.map((n) => rewrite(n, depth + 1));
  if (!isNode(node)) return node;
  if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'orValue') {
    const [, receiver, callArgs] = node.args as [string, unknown, unknown[]];
    return { ...node, op: 'call', args: [COMPAT, [rewrite(receiver, depth + 1), ...callArgs.map((a) => rewrite(a, depth + 1))]] };
  }
  return { ...node, args: Array.isArray(node.args) ? node.args.map((a) => rewrite(a, depth + 1)) : isNode(node.args) ? rewrite(node.args, depth + 1) : node.args };
}

export function compileKyvernoCel(text: string): { program: CelProgram } | { error: string } {
  try {
    const first = ENV.parse(text);
    const parsed = text.includes('orValue') ? ENV.parse(serialize(rewrite(first.ast) as never)) : first;
    return { program: { text, run: (a) => parsed(a), usesAuthorizer: false } };
  } catch (e) {
    const err = e as { message?: string };
    return { error: String(err.message ?? e).split('\n')[0] };
  }
}
