/**
 * Concrete CEL evaluation for admission engines (ValidatingAdmissionPolicy, Gatekeeper
 * K8sNativeValidation): cel-js with the Kubernetes libraries, a step budget, lazily evaluated
 * `variables`, and `authorizer` reported as undecided (polcov has no RBAC to ask).
 */
import { Environment } from '@marcbachmann/cel-js';
import type { AdmissionRequest, KubeObject } from '../../admission';
import { celErrorLine } from '../../engines/cel/parse';
import { CelBudgetExceeded, withBudget } from './budget';
import { registerKubernetesLibraries } from './kubernetes-library';

export { toCel, fromCel } from './values';

/** Node evaluations one expression may take: far beyond any policy, small enough to stop a runaway. */
const DEFAULT_CEL_STEPS = 1_000_000;

const ENV = registerKubernetesLibraries(
  new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false }),
);

export interface CelProgram {
  text: string;
  run: (activation: Record<string, unknown>) => unknown;
  /** The expression asks the API server's authorizer: its value cannot be known here. */
  usesAuthorizer: boolean;
}

export type CelOutcome = { value: unknown } | { error: string } | { undecided: string };

/** Raised inside an evaluation when it needs what polcov cannot know (an undecidable variable). */
export class CelUndecided extends Error {}

function mentions(node: unknown, name: string, depth = 0): boolean {
  if (!node || typeof node !== 'object' || depth > 500) return false;
  const n = node as { op?: string; args?: unknown };
  if (n.op === 'id' && n.args === name) return true;
  const args = n.args;
  if (Array.isArray(args)) return args.some((a) => mentions(a, name, depth + 1) || (Array.isArray(a) && a.some((x) => mentions(x, name, depth + 1))));
  if (args && typeof args === 'object') return Object.values(args).some((a) => mentions(a, name, depth + 1));
  return false;
}

export function compileCel(text: string): { program: CelProgram } | { error: string } {
  try {
    const parsed = ENV.parse(text);
    return { program: { text, run: (a) => parsed(a), usesAuthorizer: mentions(parsed.ast, 'authorizer') } };
  } catch (e) {
    return { error: celErrorLine(e) };
  }
}

export function evalCel(program: CelProgram, activation: Record<string, unknown>, steps = DEFAULT_CEL_STEPS): CelOutcome {
  if (program.usesAuthorizer) return { undecided: 'the expression asks the authorizer (RBAC), which polcov cannot consult' };
  try {
    const value = withBudget(steps, () => program.run(activation));
    if (value instanceof Promise) return { error: 'asynchronous CEL evaluation is not supported' };
    return { value };
  } catch (e) {
    if (e instanceof CelUndecided) return { undecided: e.message };
    if (e instanceof CelBudgetExceeded) return { error: e.message };
    return { error: celErrorLine(e) };
  }
}

/** A named expression (`variables`, `matchConditions`); `error` when it did not compile. */
export interface CelNamed {
  name: string;
  program?: CelProgram;
  error?: string;
}

/** One of `validations`: the expression that must hold and what to say when it does not. */
export interface CelValidation {
  expression: CelProgram;
  message?: string;
  messageExpression?: CelProgram;
}

/** messageExpression when it yields a non-blank string, else message, else Kubernetes' default wording. */
export function validationMessage(v: CelValidation, activation: Record<string, unknown>): string {
  if (v.messageExpression) {
    const m = evalCel(v.messageExpression, activation);
    if ('value' in m && typeof m.value === 'string' && m.value.trim() !== '') return m.value;
  }
  return v.message ?? `failed expression: ${v.expression.text.trim()}`;
}

/**
 * `variables` as Kubernetes offers them: each is evaluated on first use, in declaration order
 * visibility (a variable sees the ones before it), and its error surfaces where it is read.
 */
export function lazyVariables(defs: readonly CelNamed[], activation: Record<string, unknown>): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  const scope = { ...activation, variables };
  for (const d of defs) {
    let cached: CelOutcome | undefined;
    Object.defineProperty(variables, d.name, {
      enumerable: true,
      get() {
        cached ??= d.program ? evalCel(d.program, scope) : { error: d.error ?? 'no expression' };
        if ('value' in cached) return cached.value;
        if ('undecided' in cached) throw new CelUndecided(`variables.${d.name}: ${cached.undecided}`);
        throw new Error(`variables.${d.name}: ${cached.error}`);
      },
    });
  }
  return variables;
}

/** The request as CEL's `request` variable: fields at their zero value are absent, as in proto. */
export function requestVariable(req: AdmissionRequest): KubeObject {
  const out: KubeObject = {};
  for (const [k, v] of Object.entries(req)) if (v !== undefined && v !== '' && v !== false && k !== 'object' && k !== 'oldObject') out[k] = v;
  return out;
}
