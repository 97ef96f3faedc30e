/**
 * Gatekeeper's K8sNativeValidation driver: the template's CEL with `params` (the constraint),
 * `variables.params` (its spec.parameters) and `variables.anyObject` (object, or oldObject on DELETE),
 * matchConditions that all must hold, and one violation per failing validation.
 */
import type { AdmissionRequest, KubeObject } from '../../admission';
import { evalCel, lazyVariables, requestVariable, toCel, type CelOutcome } from '../cel';
import type { CelHalf } from './template';

export type Violations = { messages: string[] } | { error: string } | { undecided: string } | { skipped: string };

function failed(o: CelOutcome, what: string): Violations | undefined {
  if ('error' in o) return { error: `${what}: ${o.error}` };
  if ('undecided' in o) return { undecided: `${what}: ${o.undecided}` };
  return undefined;
}

export function runCelHalf(cel: CelHalf, constraint: KubeObject, req: AdmissionRequest, namespace: KubeObject | undefined): Violations {
  const params = (constraint.spec as KubeObject | undefined)?.parameters ?? null;
  const object = req.object ?? null;
  const oldObject = req.oldObject ?? null;
  const base = toCel({ object, oldObject, request: requestVariable(req), params: constraint, namespaceObject: namespace ?? null }) as Record<string, unknown>;
  const anyObject = req.operation === 'DELETE' && object === null ? oldObject : object;
  const builtins = [
    { name: 'anyObject', value: toCel(anyObject) },
    { name: 'params', value: toCel(params) },
  ];
  const variables = lazyVariables(cel.variables, base);
  for (const b of builtins) Object.defineProperty(variables, b.name, { value: b.value, enumerable: true });
  const activation = { ...base, variables };

  for (const mc of cel.matchConditions) {
    const o = evalCel(mc.program!, activation);
    const bad = failed(o, `matchCondition ${mc.name}`);
    if (bad) return bad;
    if ('value' in o && o.value !== true) return { skipped: `matchCondition ${mc.name} is false` };
  }
  const messages: string[] = [];
  for (const v of cel.validations) {
    const o = evalCel(v.expression, activation);
    if ('undecided' in o) return { undecided: `validation ${v.expression.text.trim()}: ${o.undecided}` };
    // The driver validates with failurePolicy Fail, as a ValidatingAdmissionPolicy would: an
    // expression that errors at run time is a violation carrying the error.
    if ('error' in o) messages.push(`expression '${v.expression.text.trim()}' resulted in error: ${o.error}`);
    else if (o.value !== true) messages.push(validationMessage(v, activation));
  }
  return { messages };
}

/** messageExpression when it yields a string, else message, else Kubernetes' default wording. */
function validationMessage(v: CelHalf['validations'][number], activation: Record<string, unknown>): string {
  if (v.messageExpression) {
    const m = evalCel(v.messageExpression, activation);
    if ('value' in m && typeof m.value === 'string' && m.value.trim() !== '') return m.value;
  }
  return v.message ?? `failed expression: ${v.expression.text.trim()}`;
}
