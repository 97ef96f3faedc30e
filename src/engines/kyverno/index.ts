/** Kyverno ClusterPolicy / Policy (kyverno.io/v1, v2beta1) and the PolicyExceptions that weaken them. */
import type { Enforcement, Exemption, PolicyFacts, SourceRef } from '../../facts';
import { celAnalysis } from '../cel/load';
import { analyzeEach } from '../guard';
import type { Analyze, PolicyDoc } from '../types';
import { applyException } from './exceptions';
import type { Reach } from './match';
import { analyzeRule, auditAction } from './rule';

function enforcement(doc: PolicyDoc): Enforcement {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  if (y.scalar(y.get(spec, 'admission')) === false) {
    return { blocking: false, action: 'admission: false', at: y.keyRef(spec, 'admission') };
  }
  const action = y.str(y.get(spec, 'validationFailureAction'));
  if (!action) return { blocking: false, action: 'Audit (default)', at: y.keyRef(y.root, 'spec'), auditOnly: true };
  const everywhereAudit = auditOverrides(doc).find((o) => o.namespaces.includes('*'));
  if (everywhereAudit) return { blocking: false, action: 'Audit in every namespace (validationFailureActionOverrides)', at: everywhereAudit.at, auditOnly: true };
  return { blocking: action.toLowerCase() === 'enforce', action, at: y.keyRef(spec, 'validationFailureAction'), ...auditAction(action) };
}

/** `validationFailureActionOverrides` entries that turn Enforce into Audit for some namespaces. */
function auditOverrides(doc: PolicyDoc): { namespaces: string[]; at: SourceRef }[] {
  const y = doc.yaml;
  return y
    .items(y.at(y.root, 'spec', 'validationFailureActionOverrides'))
    .filter((o) => (y.str(y.get(o, 'action')) ?? '').toLowerCase() === 'audit')
    .map((o) => ({ namespaces: y.strings(y.get(o, 'namespaces')), at: y.ref(o) }));
}

/** Namespaces where an override makes the policy audit-only: pods there are not blocked. */
function overrideExemptions(doc: PolicyDoc): Exemption[] {
  return auditOverrides(doc).flatMap((o) =>
    o.namespaces
      .filter((ns) => ns !== '*')
      .map((ns): Exemption => ({ kind: 'namespace', value: `${ns} (Audit override)`, at: o.at, admitsArbitraryDebug: true })),
  );
}

/** A policy whose every validate rule is limited applies only where they do (a Policy: its namespace). */
function policyReach(facts: PolicyFacts, reaches: (Reach | undefined)[]): Pick<PolicyFacts, 'namespaces' | 'partialScope'> {
  if (facts.rules.length === 0 || reaches.length < facts.rules.length || reaches.some((r) => !r)) return {};
  const partial = reaches.map((r) => r!.partial).filter(Boolean);
  if (partial.length > 0) return { partialScope: partial.join('; ') };
  if (facts.namespaces) return {};
  return { namespaces: [...new Set(reaches.flatMap((r) => r!.namespaces ?? []))] };
}

function analyzePolicy(doc: PolicyDoc, latestMinor: number): PolicyFacts {
  const y = doc.yaml;
  const policyEnforcement = enforcement(doc);
  const facts: PolicyFacts = {
    engine: 'kyverno',
    policy: { kind: doc.kind, name: doc.name, ...(doc.namespace ? { namespace: doc.namespace } : {}) },
    at: doc.at,
    rules: [],
    exemptions: overrideExemptions(doc),
    unanalyzable: [],
    // A namespaced Policy only sees requests in its own namespace.
    ...(doc.kind === 'Policy' ? { namespaces: [doc.namespace ?? 'default'] } : {}),
  };
  const rules = y.get(y.get(y.root, 'spec'), 'rules');
  if (!y.isSeq(rules)) {
    facts.unanalyzable.push({ reason: 'spec.rules is missing or not a list', at: doc.at });
    return facts;
  }
  const reaches: (Reach | undefined)[] = [];
  for (const r of y.items(rules)) {
    const rf = analyzeRule(y, r, policyEnforcement, latestMinor, facts.exemptions, reaches);
    if (rf) facts.rules.push(rf);
  }
  Object.assign(facts, policyReach(facts, reaches));
  // The API server applies these before calling Kyverno: one that excludes kubectl debug hides it from every rule.
  const matchConditions = y.at(y.root, 'spec', 'webhookConfiguration', 'matchConditions');
  if (!matchConditions) return facts;
  const conditions = new (celAnalysis().CelPolicy)(y, undefined).matchConditions(matchConditions);
  facts.unanalyzable.push(...conditions.problems);
  for (const rf of facts.rules) if (conditions.updateSkipped) rf.scope.updateSkipped ??= conditions.updateSkipped;
  return facts;
}

export const analyze: Analyze = (docs, _raw, ctx, earlier) => {
  const policies = analyzeEach('kyverno', docs.filter((d) => d.kind !== 'PolicyException'), (d) => analyzePolicy(d, ctx.kubernetesMinor));
  const byName = new Map([...earlier, ...policies].map((p) => [p.policy.namespace ? `${p.policy.namespace}/${p.policy.name}` : p.policy.name, p]));
  for (const doc of docs.filter((d) => d.kind === 'PolicyException')) applyException(doc, byName);
  return policies;
};
