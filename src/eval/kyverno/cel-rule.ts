/**
 * Kyverno `validate.cel` (kyverno/pkg/engine/handlers/validation/validate_cel.go): the rule's
 * `celPreconditions`, `variables` and `expressions` run as a ValidatingAdmissionPolicy would, with
 * failure policy Fail, so an expression that errors denies. `paramKind` needs cluster data.
 */
import { compileCel, evalCel, fromCel, lazyVariables, toCel, type CelProgram } from '../cel';
import { isMap } from './values';

type Json = Record<string, unknown>;

export interface CelRuleInput {
  object: unknown;
  oldObject: unknown;
  request: Json;
  namespace: string;
}

export type CelRuleOutcome = { status: 'pass' | 'fail' | 'skip' | 'error' | 'undecided'; message: string };

function compiled(text: unknown): { program: CelProgram } | { error: string } {
  return typeof text === 'string' ? compileCel(text) : { error: 'no expression' };
}

/** Evaluates the rule's CEL block; `message` is the rule's `validate.message`, used where an expression has none. */
export function evaluateCelRule(ruleName: string, cel: Json, celPreconditions: unknown[], message: string, input: CelRuleInput): CelRuleOutcome {
  if (cel.paramKind !== undefined || cel.paramRef !== undefined) return { status: 'undecided', message: 'skip: needs cluster data: validate.cel params come from the cluster' };
  const activation: Record<string, unknown> = {
    object: toCel(input.object ?? null),
    oldObject: toCel(input.oldObject ?? null),
    request: toCel(input.request),
    namespaceObject: input.namespace ? toCel({ metadata: { name: input.namespace } }) : null,
    params: null,
  };
  const defs = (Array.isArray(cel.variables) ? cel.variables : []).filter(isMap).map((v) => ({ name: String(v.name ?? ''), ...compiled(v.expression) }));
  activation.variables = lazyVariables(defs, activation);
  for (const c of celPreconditions.filter(isMap)) {
    const p = compiled(c.expression);
    if ('error' in p) return { status: 'fail', message: `cel precondition ${String(c.name)}: ${p.error}` };
    const out = evalCel(p.program, activation);
    if ('undecided' in out) return { status: 'undecided', message: out.undecided };
    if ('error' in out) return { status: 'fail', message: `cel precondition ${String(c.name)}: ${out.error}` };
    if (out.value !== true) return { status: 'skip', message: 'cel preconditions not met' };
  }
  for (const e of (Array.isArray(cel.expressions) ? cel.expressions : []).filter(isMap)) {
    const p = compiled(e.expression);
    const out = 'error' in p ? { error: p.error } : evalCel(p.program, activation);
    if ('undecided' in out) return { status: 'undecided', message: out.undecided };
    if ('error' in out) return { status: 'fail', message: `expression '${String(e.expression)}' resulted in error: ${out.error}` };
    if (out.value === true) continue;
    if (typeof out.value !== 'boolean') return { status: 'fail', message: `expression '${String(e.expression)}' did not evaluate to a bool` };
    return { status: 'fail', message: failMessage(e, message, activation) };
  }
  return { status: 'pass', message: `Validation rule '${ruleName}' passed.` };
}

function failMessage(e: Json, ruleMessage: string, activation: Record<string, unknown>): string {
  if (typeof e.messageExpression === 'string') {
    const p = compileCel(e.messageExpression);
    if ('program' in p) {
      const out = evalCel(p.program, activation);
      if ('value' in out && typeof fromCel(out.value) === 'string' && (fromCel(out.value) as string).trim()) return fromCel(out.value) as string;
    }
  }
  const msg = typeof e.message === 'string' && e.message ? e.message : ruleMessage;
  return msg || `failed expression: ${String(e.expression)}`;
}
