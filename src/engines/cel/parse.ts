/**
 * CEL parsing through @marcbachmann/cel-js: parse only, never evaluate. Optional types are on
 * because Kubernetes policies use `x.?f.orValue(d)`; unlisted variables are dynamic because each
 * admission environment (VAP, Kyverno, Gatekeeper) declares its own.
 */
import { Environment, type ASTNode } from '@marcbachmann/cel-js';

export type CelNode = ASTNode;

const ENV = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });

export type Parsed = { ast: CelNode } | { error: string };

export function parseCel(text: string): Parsed {
  try {
    return { ast: ENV.parse(text).ast };
  } catch (e) {
    const err = e as { summary?: string; message: string };
    return { error: err.summary ?? err.message.split('\n')[0]! };
  }
}
