/**
 * Kyverno ValidatingPolicy (`policies.kyverno.io`, CEL) at admission, as `pkg/cel/policies/vpol`
 * evaluates it: `matchConstraints` with webhook rule semantics (`resources: ["pods"]` never receives
 * the `pods/ephemeralcontainers` UPDATE: no automatic subresource), autogen for pod controllers,
 * CEL PolicyExceptions, `matchConditions` (false: skipped), lazy `variables`, then `validations` in
 * order: the first false one fails the request with its message, the first error is an error.
 * `validationActions` decide what a failure does. `resource` reads the cluster context's objects and
 * `globalContext` supplied values; without them, and always for `http` and image data (network,
 * registry), an expression that stops on them is undecided, never a pass.
 */
import { asObject, asObjects, nameOf, type AdmissionRequest, type ClusterContext, type Decision, type Evaluator, type KubeObject, type Verdict } from '../../admission';
import { evalCel, lazyVariables, requestVariable, toCel, type CelOutcome } from '../cel';
import { compileKyvernoCel, GlobalContext, ResourceContext } from './environment';
import { compilePolicy, resourcesMatch, type Compiled } from '../vap';

const ENGINE = 'kyverno-cel';

/** Kyverno's pod controllers for autogen, and where each keeps its pod template. */
const AUTOGEN: { group: string; resource: string; prefix: string }[] = [
  { group: 'apps', resource: 'daemonsets', prefix: 'spec.template' },
  { group: 'apps', resource: 'deployments', prefix: 'spec.template' },
  { group: 'apps', resource: 'replicasets', prefix: 'spec.template' },
  { group: 'apps', resource: 'statefulsets', prefix: 'spec.template' },
  { group: 'batch', resource: 'jobs', prefix: 'spec.template' },
  { group: 'batch', resource: 'cronjobs', prefix: 'spec.jobTemplate.spec.template' },
];

/** Kyverno's libraries that need the network or an image registry: polcov never has that data. */
const REMOTE_LIBRARIES = /\b(http|imagedata)\s*\.\s*\w+\s*\(|\bimage\s*\.\s*GetMetadata\s*\(/;

/**
 * `autogen.CanAutoGen`: one rule for `pods` of core v1, no object selector, no excludes, no names;
 * the controllers it targets (`spec.autogen.podControllers.controllers`, default all).
 */
export function autogenTargets(spec: KubeObject): typeof AUTOGEN {
  const m = asObject(spec.matchConstraints);
  const rules = asObjects(m.resourceRules);
  const selector = asObject(m.objectSelector);
  if (Object.keys(asObject(selector.matchLabels)).length > 0 || asObjects(selector.matchExpressions).length > 0) return [];
  if (asObjects(m.excludeResourceRules).length > 0 || rules.length !== 1) return [];
  const r = rules[0];
  const one = (v: unknown, want: string): boolean => Array.isArray(v) && v.length === 1 && v[0] === want;
  if (asObjects(r.resourceNames).length > 0 || !one(r.apiGroups, '') || !one(r.apiVersions, 'v1') || !one(r.resources, 'pods')) return [];
  const chosen = asObject(asObject(spec.autogen).podControllers).controllers;
  return Array.isArray(chosen) ? AUTOGEN.filter((a) => chosen.includes(a.resource)) : AUTOGEN;
}

/** The autogen spec for a controller: `object.spec` and `object.metadata` (not `.namespace`) moved into the template. */
export function autogenSpec(spec: KubeObject, target: (typeof AUTOGEN)[number]): KubeObject {
  const rule = asObjects(asObject(spec.matchConstraints).resourceRules)[0];
  let text = JSON.stringify({ ...spec, matchConstraints: undefined });
  for (const root of ['object', 'oldObject']) {
    for (const part of ['spec', 'metadata']) {
      text = text.replace(new RegExp(`\\b${root}\\.${part}(?!\\.namespace(?![A-Za-z0-9_]))`, 'g'), `${root}.${target.prefix}.${part}`);
    }
  }
  const rewritten = JSON.parse(text) as KubeObject;
  const namespaceSelector = asObject(spec.matchConstraints).namespaceSelector;
  rewritten.matchConstraints = {
    resourceRules: [{ apiGroups: [target.group], apiVersions: ['v1'], resources: [target.resource], operations: rule.operations }],
    ...(namespaceSelector ? { namespaceSelector } : {}),
  };
  return rewritten;
}

function failureVerdict(actions: string[]): Verdict {
  return actions.includes('Deny') ? 'deny' : actions.includes('Warn') ? 'warn' : 'audit';
}

export interface ValidatingPolicyOptions {
  /** CEL PolicyExceptions (`policies.kyverno.io` PolicyException): `policyRefs` and `matchConditions`. */
  exceptions?: readonly KubeObject[];
  /** GlobalContextEntry values by name for `globalContext.Get(name, projection)` (a projection: a key of the value). */
  globalContext?: Readonly<Record<string, unknown>>;
}

/** One ValidatingPolicy deciding one request. */
export function evaluateValidatingPolicy(policy: KubeObject, req: AdmissionRequest, cluster: ClusterContext, options: ValidatingPolicyOptions = {}): Decision {
  const name = nameOf(policy);
  const base = { engine: ENGINE, policy: `ValidatingPolicy/${name}`, messages: [] as string[] };
  const decide = (verdict: Verdict, extra: Partial<Decision> = {}): Decision => ({ ...base, verdict, ...extra });
  let spec = asObject(policy.spec);
  const evaluation = asObject(spec.evaluation);
  if (evaluation.mode === 'JSON') return decide('not-evaluated', { reason: 'evaluation.mode JSON: the policy checks JSON payloads, not admission requests' });
  if (asObject(evaluation.admission).enabled === false) return decide('not-evaluated', { reason: 'evaluation.admission.enabled is false: background scans only' });
  const actions = Array.isArray(spec.validationActions) ? spec.validationActions.map(String) : [];
  if (actions.length === 0) return decide('error', { reason: 'validationActions is required' });
  const failClosed = spec.failurePolicy !== 'Ignore';
  const expressions = JSON.stringify([spec.variables, spec.matchConditions, spec.validations]);
  const namespaceUnknown = !!req.namespace && !cluster.namespaces.has(req.namespace) && /\bnamespaceObject\b/.test(expressions);
  const usesClusterData = REMOTE_LIBRARIES.test(expressions) || namespaceUnknown;
  /** An evaluation error: undecided when the policy reads cluster data, else failurePolicy decides. */
  const problem = (o: CelOutcome, where: string): Decision | undefined => {
    if ('undecided' in o) return decide('undecided', { reason: `${where}: ${o.undecided}` });
    if (!('error' in o)) return undefined;
    if (usesClusterData) {
      const what = namespaceUnknown ? `namespaceObject (Namespace ${req.namespace} is not in the cluster context)` : "Kyverno's http or image data library";
      return decide('undecided', { reason: `needs cluster data: ${where} reads ${what} (${o.error})` });
    }
    return failClosed ? decide('error', { reason: `${where}: ${o.error}` }) : decide('admit', { reason: `failurePolicy Ignore: ${where}: ${o.error}` });
  };

  const match = resourcesMatch(asObject(spec.matchConstraints), req, cluster, 'matchConstraints');
  if ('undecided' in match) return decide('undecided', { reason: match.undecided });
  if ('error' in match) return decide('error', { reason: match.error });
  if (!match.matches) {
    const target = autogenTargets(spec).find((t) => t.group === req.resource.group && t.resource === req.resource.resource);
    const again = target ? resourcesMatch(asObject(autogenSpec(spec, target).matchConstraints), req, cluster, 'autogen matchConstraints') : undefined;
    if (!target || !again || !('matches' in again) || !again.matches) return decide('not-evaluated', { reason: match.reason });
    spec = autogenSpec(spec, target);
  }

  const compiled = compilePolicy(spec, compileKyvernoCel);
  if ('error' in compiled) return decide('error', { reason: compiled.error });
  const namespace = req.namespace ? (cluster.namespaces.get(req.namespace) ?? null) : null;
  const activation = toCel({ object: req.object ?? null, oldObject: req.oldObject ?? null, request: requestVariable(req), namespaceObject: namespace }) as Record<string, unknown>;
  activation.resource = new ResourceContext(cluster.inventory);
  activation.globalContext = new GlobalContext(options.globalContext);

  const exceptions = (options.exceptions ?? []).filter((e) => asObjects(asObject(e.spec).policyRefs).some((r) => r.name === name && (r.kind === undefined || r.kind === 'ValidatingPolicy')));
  const allowedImages: string[] = [];
  const allowedValues: string[] = [];
  for (const e of exceptions) {
    const conditions = compilePolicy({ matchConditions: asObject(e.spec).matchConditions }, compileKyvernoCel);
    if ('error' in conditions) return decide('error', { reason: `PolicyException ${nameOf(e)}: ${conditions.error}` });
    let matches = true;
    for (const mc of conditions.matchConditions) {
      const o = evalCel(mc.program, activation);
      const p = problem(o, `PolicyException ${nameOf(e)} matchCondition ${mc.name}`);
      if (p) return p;
      if ((o as { value: unknown }).value !== true) matches = false;
    }
    if (!matches) continue;
    const images = Array.isArray(asObject(e.spec).images) ? (asObject(e.spec).images as unknown[]).map(String) : [];
    const values = Array.isArray(asObject(e.spec).allowedValues) ? (asObject(e.spec).allowedValues as unknown[]).map(String) : [];
    if (images.length === 0 && values.length === 0) return decide('not-evaluated', { reason: `skipped by PolicyException ${nameOf(e)}` });
    allowedImages.push(...images);
    allowedValues.push(...values);
  }
  activation.exceptions = toCel({ allowedImages, allowedValues });
  activation.variables = lazyVariables(compiled.variables, activation);

  for (const mc of compiled.matchConditions) {
    const o = evalCel(mc.program, activation);
    if ('error' in o && !failClosed) return decide('not-evaluated', { reason: `matchCondition ${mc.name} failed and failurePolicy is Ignore` });
    const p = problem(o, `matchCondition ${mc.name}`);
    if (p) return p;
    if ((o as { value: unknown }).value !== true) return decide('not-evaluated', { reason: `matchCondition ${mc.name} is false` });
  }
  for (const [i, v] of compiled.validations.entries()) {
    const o = evalCel(v.expression, activation);
    const p = problem(o, `validations[${i}]`);
    if (p) return p;
    if ((o as { value: unknown }).value === true) continue;
    return decide(failureVerdict(actions), { messages: [messageOf(v, i, activation)] });
  }
  return decide('admit');
}

/** Kyverno's message: the messageExpression's string, else `message`, else the index. */
function messageOf(v: Compiled['validations'][number], index: number, activation: Record<string, unknown>): string {
  if (v.messageExpression) {
    const m = evalCel(v.messageExpression, activation);
    if ('value' in m && typeof m.value === 'string') return m.value === '' ? `CEL expression validation failed at index ${index}` : m.value;
    return `failed to evaluate message expression: ${'error' in m ? m.error : 'undecided' in m ? m.undecided : ''}`;
  }
  return v.message || `CEL expression validation failed at index ${index}`;
}

/** Every ValidatingPolicy of the set decides. */
export function validatingPolicyEvaluator(policies: readonly KubeObject[], options: ValidatingPolicyOptions = {}): Evaluator {
  return {
    engine: ENGINE,
    evaluate: (req, cluster) => policies.map((p) => evaluateValidatingPolicy(p, req, cluster, options)),
  };
}
