/**
 * Gatekeeper's K8sNativeValidation driver: the template's CEL with `params` (the constraint),
 * `variables.params` (its spec.parameters) and `variables.anyObject` (object, or oldObject on DELETE),
 * match conditions that all must hold, and one violation per failing validation.
 */
import type { AdmissionRequest, KubeObject } from '../../admission';
import { evalCel, lazyVariables, requestVariable, toCel, validationMessage } from '../cel';
import type { CelHalf } from './template';

/** Violation messages and the rule(s) that produced them (`violation`, `validations[1]`…). */
export type Violations = { messages: string[]; rules: string[] } | { error: string } | { undecided: string } | { skipped: string };

export function runCelHalf(cel: CelHalf, constraint: KubeObject, req: AdmissionRequest, namespace: KubeObject | undefined): Violations {
  const params = (constraint.spec as KubeObject | undefined)?.parameters ?? null;
  // The driver unsets object on DELETE, as the API server does for ValidatingAdmissionPolicy.
  const object = req.operation === 'DELETE' ? null : req.object ?? null;
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

  // failurePolicy Fail (the default): an expression that errs at run time is a violation carrying the
  // error, as a ValidatingAdmissionPolicy denies; Ignore drops it.
  const messages: string[] = [];
  const rules = new Set<string>();
  const erred = (what: string, rule: string, error: string) => {
    if (cel.failurePolicy === 'Ignore') return;
    messages.push(`${what} resulted in error: ${error}`);
    rules.add(rule);
  };
  for (const mc of cel.matchConditions) {
    const o = evalCel(mc.program!, activation);
    if ('undecided' in o) return { undecided: `matchCondition ${mc.name}: ${o.undecided}` };
    if ('error' in o) {
      erred(`matchCondition '${mc.name}'`, `matchCondition ${mc.name}`, o.error);
      return { messages, rules: [...rules] };
    }
    if (o.value !== true) return { skipped: `matchCondition ${mc.name} is false` };
  }
  for (const [i, v] of cel.validations.entries()) {
    const o = evalCel(v.expression, activation);
    if ('undecided' in o) return { undecided: `validation ${v.expression.text.trim()}: ${o.undecided}` };
    if ('error' in o) erred(`expression '${v.expression.text.trim()}'`, `validations[${i}]`, o.error);
    else if (o.value !== true) {
      messages.push(validationMessage(v, activation));
      rules.add(`validations[${i}]`);
    }
  }
  return { messages, rules: [...rules] };
}
