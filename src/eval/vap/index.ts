/**
 * ValidatingAdmissionPolicy with its bindings, decided as the API server does: the policy's
 * matchConstraints and the binding's matchResources (resource rules, excludes, namespace and object
 * selectors), matchConditions, params from paramRef (by name or selector, parameterNotFoundAction),
 * variables and validations (message / messageExpression), failurePolicy for evaluation errors, and
 * the binding's validationActions.
 */
import { asObject, asObjects, nameOf, type AdmissionRequest, type ClusterContext, type Decision, type Evaluator, type KubeObject, type Verdict } from '../../admission';
import type { SourceRef } from '../../facts';
import { compileCel, evalCel, lazyVariables, requestVariable, toCel, validationMessage, type CelNamed, type CelOutcome, type CelProgram, type CelValidation } from '../cel';
import { labelsOf, SelectorError, selectorMatches } from '../label-selector';
import { ruleMatches } from '../resource-rules';

export interface VapDocument {
  object: KubeObject;
  at?: SourceRef;
}

export interface VapSet {
  policies: VapDocument[];
  bindings: VapDocument[];
  /** Objects a paramRef may name (of any kind; the paramKind picks). */
  params: KubeObject[];
}

export type Match = { matches: boolean; reason?: string } | { undecided: string } | { error: string };

/** matchConstraints / matchResources: resource rules, excludes, namespace and object selectors. */
export function resourcesMatch(m: KubeObject, req: AdmissionRequest, cluster: ClusterContext, where: string, required = where === 'matchConstraints'): Match {
  const equivalent = m.matchPolicy !== 'Exact';
  const rules = asObjects(m.resourceRules);
  // A policy (or a webhook) matches only what its rules name; a binding without them narrows nothing.
  if ((rules.length > 0 || required) && !rules.some((r) => ruleMatches(r, req, equivalent))) return { matches: false, reason: `${where}.resourceRules do not match ${req.operation} ${req.resource.resource}${req.subResource ? `/${req.subResource}` : ''}` };
  if (asObjects(m.excludeResourceRules).some((r) => ruleMatches(r, req, equivalent))) return { matches: false, reason: `${where}.excludeResourceRules exclude the request` };
  try {
    if (m.namespaceSelector !== undefined) {
      const isNamespace = req.resource.group === '' && req.resource.resource === 'namespaces';
      const nsName = isNamespace ? req.name : req.namespace;
      if (nsName) {
        const ns = isNamespace ? (req.object ?? req.oldObject) : cluster.namespaces.get(nsName);
        if (!ns) return { undecided: `${where}.namespaceSelector needs the labels of Namespace ${nsName}, which polcov was not given` };
        if (!selectorMatches(m.namespaceSelector, labelsOf(ns))) return { matches: false, reason: `${where}.namespaceSelector does not select namespace ${nsName}` };
      }
    }
    if (m.objectSelector !== undefined) {
      const either = [req.object, req.oldObject].filter((o): o is KubeObject => !!o);
      if (!either.some((o) => selectorMatches(m.objectSelector, labelsOf(o)))) return { matches: false, reason: `${where}.objectSelector does not select the object` };
    }
  } catch (e) {
    if (e instanceof SelectorError) return { error: `${where}: ${e.message}` };
    throw e;
  }
  return { matches: true };
}

export interface Compiled {
  variables: CelNamed[];
  matchConditions: (CelNamed & { program: CelProgram })[];
  validations: CelValidation[];
}

/** Compiles `variables`, `matchConditions` and `validations` (with `compiler`, Kubernetes CEL by default). */
export function compilePolicy(spec: KubeObject, compiler: typeof compileCel = compileCel): Compiled | { error: string } {
  const compile = (text: unknown, what: string): CelProgram => {
    const c = compiler(typeof text === 'string' ? text : '');
    if ('error' in c) throw new Error(`${what}: ${c.error}`);
    return c.program;
  };
  try {
    return {
      variables: asObjects(spec.variables).map((v) => ({ name: String(v.name), program: compile(v.expression, `variable ${String(v.name)}`) })),
      matchConditions: asObjects(spec.matchConditions).map((v) => ({ name: String(v.name), program: compile(v.expression, `matchCondition ${String(v.name)}`) })),
      validations: asObjects(spec.validations).map((v, i) => ({
        expression: compile(v.expression, `validations[${i}]`),
        ...(typeof v.message === 'string' ? { message: v.message } : {}),
        ...(typeof v.messageExpression === 'string' ? { messageExpression: compile(v.messageExpression, `validations[${i}].messageExpression`) } : {}),
      })),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The params objects a binding's paramRef selects, or why there are none. */
function selectParams(paramKind: KubeObject, ref: KubeObject, req: AdmissionRequest, all: KubeObject[]): KubeObject[] {
  const ofKind = all.filter((p) => p.apiVersion === paramKind.apiVersion && p.kind === paramKind.kind);
  const ns = typeof ref.namespace === 'string' ? ref.namespace : req.namespace;
  const inNs = ofKind.filter((p) => !ns || (asObject(p.metadata).namespace ?? '') === ns || !asObject(p.metadata).namespace);
  if (typeof ref.name === 'string') return inNs.filter((p) => nameOf(p) === ref.name);
  return inNs.filter((p) => selectorMatches(ref.selector ?? {}, labelsOf(p)));
}

/** The verdict of violations under the binding's validationActions (Deny wins, then Warn, then Audit). */
function actionVerdict(actions: string[]): Verdict {
  return actions.includes('Deny') ? 'deny' : actions.includes('Warn') ? 'warn' : 'audit';
}

function outcomeProblem(o: CelOutcome): { undecided: string } | { error: string } | undefined {
  if ('undecided' in o) return { undecided: o.undecided };
  if ('error' in o) return { error: o.error };
  return undefined;
}

/** One binding of one policy deciding one request. */
export function evaluateBinding(policy: VapDocument, binding: VapDocument, params: KubeObject[], req: AdmissionRequest, cluster: ClusterContext): Decision {
  const spec = asObject(policy.object.spec);
  const bspec = asObject(binding.object.spec);
  const actions = Array.isArray(bspec.validationActions) ? bspec.validationActions.map(String) : [];
  const failClosed = spec.failurePolicy !== 'Ignore';
  const base = { engine: 'vap', policy: `${nameOf(policy.object)}/${nameOf(binding.object)}`, messages: [] as string[], ...(policy.at ? { at: policy.at } : {}) };
  const decide = (verdict: Verdict, extra: Partial<Decision> = {}): Decision => ({ ...base, verdict, ...extra });
  if (actions.length === 0) return decide('error', { reason: 'the binding has no validationActions (the API server rejects it)' });
  // An evaluation error is a violation under failurePolicy Fail and nothing under Ignore.
  const failure = (reason: string): Decision =>
    failClosed ? decide(actionVerdict(actions), { messages: [reason], reason: `failurePolicy Fail: ${reason}` }) : decide('admit', { reason: `failurePolicy Ignore: ${reason}` });

  for (const [m, where] of [[asObject(spec.matchConstraints), 'matchConstraints'], [bspec.matchResources ? asObject(bspec.matchResources) : undefined, 'matchResources']] as const) {
    if (!m) continue;
    const r = resourcesMatch(m, req, cluster, where);
    if ('undecided' in r) return decide('undecided', { reason: r.undecided });
    if ('error' in r) return decide('error', { reason: r.error });
    if (!r.matches) return decide('not-evaluated', { reason: r.reason });
  }
  const compiled = compilePolicy(spec);
  if ('error' in compiled) return decide('error', { reason: compiled.error });

  let paramObjects: (KubeObject | null)[] = [null];
  const paramKind = spec.paramKind ? asObject(spec.paramKind) : undefined;
  if (paramKind) {
    if (!bspec.paramRef) return failure('the policy has a paramKind but the binding no paramRef');
    const ref = asObject(bspec.paramRef);
    paramObjects = selectParams(paramKind, ref, req, params);
    if (paramObjects.length === 0) {
      if (ref.parameterNotFoundAction === 'Allow') return decide('admit', { reason: 'no params object found; parameterNotFoundAction: Allow' });
      return failure(`no params object of kind ${String(paramKind.kind)} found for the binding`);
    }
  }

  const namespace = req.namespace ? cluster.namespaces.get(req.namespace) ?? null : null;
  const messages: string[] = [];
  const rules = new Set<string>();
  for (const p of paramObjects) {
    const activation = toCel({ object: req.object ?? null, oldObject: req.oldObject ?? null, request: requestVariable(req), params: p, namespaceObject: namespace }) as Record<string, unknown>;
    activation.variables = lazyVariables(compiled.variables, activation);
    let skipped = false;
    for (const mc of compiled.matchConditions) {
      const o = evalCel(mc.program, activation);
      const problem = outcomeProblem(o);
      if (problem && 'undecided' in problem) return decide('undecided', { reason: `matchCondition ${mc.name}: ${problem.undecided}` });
      if (problem) return failure(`matchCondition ${mc.name}: ${problem.error}`);
      if ((o as { value: unknown }).value !== true) {
        skipped = true;
        break;
      }
    }
    if (skipped) continue;
    for (const [i, v] of compiled.validations.entries()) {
      const o = evalCel(v.expression, activation);
      const problem = outcomeProblem(o);
      if (problem && 'undecided' in problem) return decide('undecided', { reason: problem.undecided });
      if (problem) return failure(`expression ${v.expression.text.trim()}: ${problem.error}`);
      if ((o as { value: unknown }).value === true) continue;
      messages.push(validationMessage(v, activation));
      rules.add(`validations[${i}]`);
    }
  }
  return messages.length > 0 ? decide(actionVerdict(actions), { messages, rule: [...rules].join(', ') }) : decide('admit');
}

/** Every binding of the set decides; a binding naming no policy of the set is an error, not a pass. */
export function vapEvaluator(set: VapSet): Evaluator {
  return {
    engine: 'vap',
    evaluate(req, cluster) {
      return set.bindings.map((b) => {
        const policyName = asObject(b.object.spec).policyName;
        const policy = set.policies.find((p) => nameOf(p.object) === policyName);
        if (!policy) return { engine: 'vap', policy: `?/${nameOf(b.object)}`, verdict: 'error', messages: [], reason: `the binding names policy ${String(policyName)}, which is not in the scanned set`, ...(b.at ? { at: b.at } : {}) };
        return evaluateBinding(policy, b, set.params, req, cluster);
      });
    },
  };
}

/** A scanned set split into policies, bindings and the other objects (what a paramRef may name). */
export function vapSet(docs: readonly VapDocument[]): VapSet {
  const isAdmission = (d: VapDocument) => String(d.object.apiVersion ?? '').startsWith('admissionregistration.k8s.io/');
  return {
    policies: docs.filter((d) => isAdmission(d) && d.object.kind === 'ValidatingAdmissionPolicy'),
    bindings: docs.filter((d) => isAdmission(d) && d.object.kind === 'ValidatingAdmissionPolicyBinding'),
    params: docs.filter((d) => !isAdmission(d)).map((d) => d.object),
  };
}
