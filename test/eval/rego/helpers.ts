/** Compiles one Rego module (package `t` unless the text names one) and evaluates a reference of it. */
import { compileRego, evalQuery, type RegoError } from '../../../src/eval/rego';

export interface Evaluated {
  value?: unknown;
  error?: RegoError;
}

export function evalRego(
  body: string,
  opts: { ref?: string; input?: unknown; data?: Record<string, unknown>; budget?: number; version?: 'v0' | 'v1' } = {},
): Evaluated {
  const text = /^\s*package /.test(body) ? body : `package t\n${body}`;
  const { program, errors } = compileRego([{ file: 't.rego', text, version: opts.version }]);
  if (!program) return { error: errors[0] };
  return evalQuery(program, opts.ref ?? 'data.t.r', { input: opts.input, data: opts.data, budget: opts.budget });
}
