/**
 * cel-js accepts `has(a.b.c)` only on a chain of fields rooted at a variable; CEL also allows it on
 * any operand (`has(object.spec.containers[i].securityContext)`, common in MutatingPolicies). Such a
 * `has(e.f)` is rewritten to `e.?f.hasValue()`: the same test of the last field, with `e` evaluated
 * (and its errors raised) as before.
 */
import { Environment, serialize } from '@marcbachmann/cel-js';

interface Node {
  op: string;
  args: unknown;
}
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && 'op' in v;

const PARSER = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });

function rootedAtVariable(node: unknown): boolean {
  let n = node;
  while (isNode(n) && (n.op === '.' || n.op === '.?')) n = (n.args as unknown[])[0];
  return isNode(n) && n.op === 'id';
}

function rewrite(node: unknown, depth = 0): unknown {
  if (depth > 500) throw new Error('expression nested too deeply');
  if (Array.isArray(node)) return node.map((n) => rewrite(n, depth + 1));
  if (!isNode(node)) return node;
  if (node.op === 'call' && Array.isArray(node.args) && node.args[0] === 'has') {
    const [arg] = node.args[1] as unknown[];
    if (isNode(arg) && arg.op === '.' && !rootedAtVariable(arg)) {
      const [operand, field] = arg.args as [unknown, string];
      return { op: 'rcall', args: ['hasValue', { op: '.?', args: [rewrite(operand, depth + 1), field] }, []] };
    }
  }
  return { ...node, args: Array.isArray(node.args) ? node.args.map((a) => rewrite(a, depth + 1)) : isNode(node.args) ? rewrite(node.args, depth + 1) : node.args };
}

/** The expression with every `has()` cel-js rejects rewritten; unchanged when it has none (or does not parse). */
export function rewriteHas(text: string): string {
  if (!text.includes('has(')) return text;
  try {
    return serialize(rewrite(PARSER.parse(text).ast) as never);
  } catch {
    return text;
  }
}
