/**
 * One scanned policy set as a whole admission chain: every engine's evaluator built from the documents
 * audit() analysed, and the webhook registrations in front of them (a request a registration never
 * sends is not evaluated by the engine it serves).
 */
import { EMPTY_CLUSTER, nameOf, type AdmissionRequest, type ClusterContext, type Decision, type Evaluator, type KubeObject } from '../admission';
import type { EngineId, PolicyFacts, SourceRef } from '../facts';
import { GatekeeperPolicy, readTemplate, type Template } from '../eval/gatekeeper';
import { kyvernoEvaluator } from '../eval/kyverno';
import { validatingPolicyEvaluator } from '../eval/kyverno-cel';
import { psaEvaluator, readPsaConfiguration } from '../eval/psa';
import { pspEvaluator } from '../eval/psp';
import { rawRegoEvaluator } from '../eval/raw-rego';
import { vapEvaluator, vapSet } from '../eval/vap';

/** A scanned object as audit() routed it. */
export interface SetDocument {
  engine: EngineId;
  object: KubeObject;
  at: SourceRef;
  /** A raw source (a `.rego` file): its text; `object` is then empty. */
  text?: string;
}

export interface PolicySet {
  evaluators: Evaluator[];
  cluster: ClusterContext;
  /** Engines with at least one evaluable policy in the set. */
  engines: Set<string>;
  /** Why some documents could not be turned into an evaluator (e.g. an unreadable template). */
  problems: string[];
  /** Registrations in front of engines: the facts that decide which requests reach them. */
  registrations: PolicyFacts[];
  gatekeeperVersion?: string;
  kubernetesMinor?: number;
  /** Decisions by request: findings of one control share their witness requests. */
  decided: Map<string, Decision[]>;
}

const apiGroup = (o: KubeObject): string => String(o.apiVersion ?? '').split('/')[0];
const isKind = (o: KubeObject, group: string, ...kinds: string[]): boolean => apiGroup(o) === group && kinds.includes(String(o.kind));

function gatekeeperPolicies(docs: SetDocument[], problems: string[]): GatekeeperPolicy[] {
  /** By template name. */
  const templates = new Map<string, Template>();
  for (const d of docs.filter((x) => isKind(x.object, 'templates.gatekeeper.sh', 'ConstraintTemplate'))) {
    const t = readTemplate(d.object, d.at);
    if ('error' in t) problems.push(`ConstraintTemplate at ${d.at.file}:${d.at.line}: ${t.error}`);
    else templates.set(String((d.object.metadata as KubeObject | undefined)?.name ?? t.template.kind), t.template);
  }
  const constraints = docs.filter((x) => apiGroup(x.object) === 'constraints.gatekeeper.sh').map((d) => d.object);
  // As the static analysis does: without any constraint, each template is judged under a default one.
  if (constraints.length === 0) {
    // Named after the template, as the findings on it are.
    return [...templates.entries()].map(([name, t]) => new GatekeeperPolicy(t, { apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: t.kind, metadata: { name }, spec: {} }));
  }
  const byKind = new Map([...templates.values()].map((t) => [t.kind, t]));
  return constraints.flatMap((c) => {
    const t = byKind.get(String(c.kind));
    return t ? [new GatekeeperPolicy(t, c)] : [];
  });
}

function psa(docs: SetDocument[], problems: string[], kubernetesMinor?: number): { evaluator?: Evaluator; namespaces: Map<string, KubeObject> } {
  const namespaces = new Map<string, KubeObject>();
  let config: ReturnType<typeof readPsaConfiguration> | undefined;
  for (const d of docs) {
    if (d.object.kind === 'Namespace') namespaces.set(nameOf(d.object), d.object);
    else {
      try {
        config = readPsaConfiguration(d.object);
      } catch (e) {
        problems.push(`Pod Security configuration at ${d.at.file}:${d.at.line}: ${(e as Error).message}`);
      }
    }
  }
  const used = config !== undefined || [...namespaces.values()].some((n) => Object.keys(((n.metadata as KubeObject | undefined)?.labels as KubeObject | undefined) ?? {}).some((l) => l.startsWith('pod-security.kubernetes.io/')));
  return { evaluator: used ? psaEvaluator({ ...(config ?? {}), kubernetesMinor }) : undefined, namespaces };
}

export function buildPolicySet(docs: SetDocument[], registrations: PolicyFacts[], opts: { gatekeeperVersion?: string; kubernetesMinor?: number } = {}): PolicySet {
  const problems: string[] = [];
  const of = (engine: EngineId) => docs.filter((d) => d.engine === engine);
  const evaluators: Evaluator[] = [];
  const kyverno = of('kyverno');
  const kyvernoPolicies = kyverno.filter((d) => isKind(d.object, 'kyverno.io', 'ClusterPolicy', 'Policy')).map((d) => d.object);
  if (kyvernoPolicies.length) evaluators.push(kyvernoEvaluator(kyvernoPolicies, kyverno.filter((d) => d.object.kind === 'PolicyException').map((d) => d.object)));
  const gk = gatekeeperPolicies(of('gatekeeper'), problems);
  if (gk.length) {
    const gkOpts = { gatekeeperVersion: opts.gatekeeperVersion };
    evaluators.push({ engine: 'gatekeeper', evaluate: (req, cluster) => gk.map((p) => p.evaluate(req, cluster, gkOpts)) });
  }
  const rawRego = of('rego').flatMap((d) => (d.text === undefined ? [] : [{ file: d.at.file, text: d.text }]));
  if (rawRego.length) evaluators.push(rawRegoEvaluator(rawRego));
  const vap = vapSet(of('vap').map((d) => ({ object: d.object, at: d.at })));
  if (vap.bindings.length) evaluators.push(vapEvaluator(vap));
  const validating = of('kyverno-cel').map((d) => d.object).filter((o) => apiGroup(o) === 'policies.kyverno.io');
  if (validating.length) evaluators.push({ ...validatingPolicyEvaluator(validating), engine: 'kyverno-cel' });
  const psps = of('psp').map((d) => d.object).filter((o) => o.kind === 'PodSecurityPolicy');
  if (psps.length) evaluators.push(pspEvaluator(psps, { kubernetesMinor: opts.kubernetesMinor }));
  const podSecurity = psa(of('psa'), problems, opts.kubernetesMinor);
  if (podSecurity.evaluator) evaluators.push(podSecurity.evaluator);
  return {
    evaluators,
    cluster: { ...EMPTY_CLUSTER, namespaces: podSecurity.namespaces },
    engines: new Set(evaluators.map((e) => e.engine)),
    problems,
    registrations: registrations.filter((p) => p.rules.some((r) => r.registrationOnly && r.serves)),
    decided: new Map(),
    ...opts,
  };
}

/** Why a registration in front of `engine` never sends `req` to it, if one does not. */
function keptOut(set: PolicySet, engine: string, req: AdmissionRequest): string | undefined {
  if (req.operation !== 'UPDATE' || req.subResource !== 'ephemeralcontainers') return undefined;
  for (const p of set.registrations) {
    for (const r of p.rules.filter((x) => x.registrationOnly && !x.mutating && x.serves === engine)) {
      if (r.scope.ephemeralSubresource === 'no') return `webhook ${p.policy.name} (${r.name}) does not send pods/ephemeralcontainers to ${engine}`;
      if (r.scope.updateSkipped) return `webhook ${p.policy.name} (${r.name}) does not send UPDATE to ${engine}: ${r.scope.updateSkipped.reason}`;
    }
  }
  return undefined;
}

/** A namespace the scanned set does not describe still exists, without labels (as `default` does). */
export function clusterFor(set: PolicySet, req: AdmissionRequest): ClusterContext {
  const ns = req.namespace;
  if (!ns || set.cluster.namespaces.has(ns)) return set.cluster;
  const namespaces = new Map(set.cluster.namespaces).set(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return { ...set.cluster, namespaces };
}

/** Every engine's decisions on `req`; an evaluator that throws yields an `error` decision. */
export function evaluateSet(set: PolicySet, req: AdmissionRequest): Decision[] {
  const key = JSON.stringify(req);
  let decisions = set.decided.get(key);
  if (!decisions) set.decided.set(key, (decisions = evaluateAll(set, req)));
  return decisions;
}

function evaluateAll(set: PolicySet, req: AdmissionRequest): Decision[] {
  return set.evaluators.flatMap((e) => {
    const out = keptOut(set, e.engine, req);
    if (out) return [{ engine: e.engine, policy: '*', verdict: 'not-evaluated' as const, messages: [], reason: out }];
    try {
      return e.evaluate(req, clusterFor(set, req));
    } catch (err) {
      return [{ engine: e.engine, policy: '*', verdict: 'error' as const, messages: [], reason: `evaluation failed: ${(err as Error).message}` }];
    }
  });
}
