/**
 * polcov's concrete Rego evaluator: compile modules once, then evaluate any `data.…` reference on
 * an input, or run the modules' `test_*` rules as `opa test` does.
 *
 * Results are JSON: a Rego set comes back as an array in Rego's sort order, an object key that is
 * not a string as its Rego text (see value.ts). `value: undefined` means the reference is
 * undefined, which is not `false`.
 */
import { compileModules, type CompiledProgram } from './compile';
import { Evaluator, RegoEvalError } from './evaluator';
import type { RegoError, RegoModuleSource, RegoTestResult } from './types';
import { fromJSON, RegoObject, toJSON } from './value';

export type { RegoError, RegoModuleSource, RegoTestResult } from './types';
export { formatRegoError } from './types';

/** Compiled modules; opaque to callers. */
export interface RegoProgram {
  readonly compiled: CompiledProgram;
}

/** Evaluation steps allowed per query when the caller sets none (each expression, call and rule is a step). */
export const DEFAULT_BUDGET = 1_000_000;

export function compileRego(modules: RegoModuleSource[]): { program?: RegoProgram; errors: RegoError[] } {
  const { program, errors } = compileModules(modules);
  return program ? { program: { compiled: program }, errors } : { errors };
}

/** `data.a.b` or `data["a-b"].c` as its segments; undefined for anything else. */
function dataPath(ref: string): string[] | undefined {
  if (!ref.startsWith('data')) return undefined;
  const segs: string[] = [];
  const seg = /\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\]/y;
  seg.lastIndex = 4;
  while (seg.lastIndex < ref.length) {
    const m = seg.exec(ref);
    if (!m) return undefined;
    segs.push(m[1] ?? (JSON.parse(m[2]!) as string));
  }
  return segs;
}

function baseData(data: Record<string, unknown> | undefined): RegoObject {
  const v = fromJSON(data ?? {});
  return v instanceof RegoObject ? v : new RegoObject();
}

/** Runs `fn`, turning an evaluation error into the result's `error`. */
function guarded<T>(fn: () => T): T | { error: RegoError } {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegoEvalError) return { error: e.error };
    if (e instanceof RangeError) return { error: { code: 'eval_budget_error', message: 'too complex: evaluation nested too deeply' } };
    // fail closed: whatever else goes wrong is this query's error, never an answer
    return { error: { code: 'eval_internal_error', message: e instanceof Error ? e.message : String(e) } };
  }
}

/** The value of `ref` (`data.pkg.rule`, `data.pkg["rule"]`) on `input` and base `data`. */
export function evalQuery(
  program: RegoProgram,
  ref: string,
  opts: { input?: unknown; data?: Record<string, unknown>; budget?: number } = {},
): { value?: unknown; error?: RegoError } {
  const path = dataPath(ref);
  if (!path) return { error: { code: 'rego_parse_error', message: `query must be a data reference like data.pkg.rule, not ${JSON.stringify(ref)}` } };
  const ev = new Evaluator(program.compiled, opts.budget ?? DEFAULT_BUDGET);
  return guarded(() => {
    const v = ev.dataValue(path, ev.newFrame(fromJSON(opts.input), baseData(opts.data)));
    return v === undefined ? {} : { value: toJSON(v) };
  });
}

/**
 * Runs every rule whose name starts with `test_` (each definition on its own, as OPA numbers
 * duplicates), with no input and no data: a test passes when its value is defined and not false.
 */
export function runRegoTests(program: RegoProgram, opts: { filter?: RegExp; budget?: number } = {}): RegoTestResult[] {
  const { modules, index } = program.compiled;
  const results: RegoTestResult[] = [];
  for (const mod of modules) {
    const pkg = mod.module.package.segments;
    const seen = new Map<string, number>();
    for (const rule of mod.module.rules) {
      if (!rule.name.startsWith('test_') || rule.default || rule.args || rule.head.path.length > 0) continue;
      const n = seen.get(rule.name) ?? 0;
      seen.set(rule.name, n + 1);
      const name = `data.${[...pkg, rule.name].join('.')}${n ? `#${String(n).padStart(2, '0')}` : ''}`;
      if (opts.filter && !opts.filter.test(name)) continue;
      const at = mod.locate(rule.pos);
      const def = index.group([...pkg, rule.name])?.defs.find((d) => d.rule === rule);
      if (!def) continue;
      const ev = new Evaluator(program.compiled, opts.budget ?? DEFAULT_BUDGET);
      const r = guarded(() => ({ value: ev.evalDefinition(def, ev.newFrame(undefined, new RegoObject())) }));
      const base = { name, package: pkg.join('.'), file: at.file, line: at.line, column: at.column };
      if ('error' in r) results.push({ ...base, outcome: 'error', error: r.error });
      else results.push({ ...base, outcome: r.value !== undefined && r.value !== false ? 'pass' : 'fail' });
    }
  }
  return results;
}
