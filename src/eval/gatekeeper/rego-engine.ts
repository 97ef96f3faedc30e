/**
 * Gatekeeper's Rego driver: the template's modules compiled once, `data.<package>.violation` queried
 * with `input = {review, parameters}` and `data.inventory`; each element of the violation set is one
 * violation whose `msg` is its message.
 */
import type { KubeObject } from '../../admission';
import { compileRego, evalQuery, formatRegoError, type RegoProgram } from '../rego';
import type { RegoHalf } from './template';
import type { Violations } from './cel-engine';

/** Evaluation steps one constraint may take per request. */
export const REGO_BUDGET = 5_000_000;

export interface CompiledRego {
  program: RegoProgram;
  query: string;
}

function packageOf(text: string): string | undefined {
  return /^\s*package\s+([\w.]+)/m.exec(text)?.[1];
}

/** Why the Rego half does not compile, and where: the module (`<file>#rego`, `#libs[i]`) and its line. */
export interface RegoCompileError {
  error: string;
  module?: string;
  line?: number;
  column?: number;
}

export function compileRegoHalf(half: RegoHalf): { compiled: CompiledRego } | RegoCompileError {
  const pkg = packageOf(half.modules[0]!.text);
  if (!pkg) return { error: 'the Rego source has no package' };
  const { program, errors } = compileRego(half.modules);
  if (!program || errors.length > 0) {
    const e = errors[0];
    if (!e) return { error: 'the Rego does not compile' };
    return { error: formatRegoError(e), ...(e.file ? { module: e.file } : {}), ...(e.line ? { line: e.line, column: e.column ?? 1 } : {}) };
  }
  return { compiled: { program, query: `data.${pkg}.violation` } };
}


export function runRegoHalf(c: CompiledRego, review: KubeObject, parameters: unknown, inventory: KubeObject): Violations {
  const out = evalQuery(c.program, c.query, { input: { review, parameters }, data: { inventory }, budget: REGO_BUDGET });
  if (out.error) return { error: formatRegoError(out.error) };
  // The violation set arrives as an array; undefined means none; anything else is not Gatekeeper's shape.
  if (out.value !== undefined && !Array.isArray(out.value)) return { error: `${c.query} is not a set of violations` };
  const violations = out.value ?? [];
  return {
    rules: violations.length ? ['violation'] : [],
    messages: violations.map((r) => {
      const msg = (r as { msg?: unknown } | null)?.msg;
      return typeof msg === 'string' ? msg : JSON.stringify(msg ?? r);
    }),
  };
}
