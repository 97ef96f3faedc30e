/** Kyverno ClusterPolicy / Policy (kyverno.io/v1, v2beta1). */
import type { Enforcement, PolicyFacts } from '../../facts';
import { analyzeEach } from '../guard';
import type { Engine, PolicyDoc } from '../types';
import { analyzeRule } from './rule';

function enforcement(doc: PolicyDoc): Enforcement {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  if (y.scalar(y.get(spec, 'admission')) === false) {
    return { blocking: false, action: 'admission: false', at: y.keyRef(spec, 'admission') };
  }
  const action = y.str(y.get(spec, 'validationFailureAction'));
  if (!action) return { blocking: false, action: 'Audit (default)', at: y.keyRef(y.root, 'spec') };
  return { blocking: action.toLowerCase() === 'enforce', action, at: y.keyRef(spec, 'validationFailureAction') };
}

function analyzePolicy(doc: PolicyDoc, latestMinor: number): PolicyFacts {
  const y = doc.yaml;
  const policyEnforcement = enforcement(doc);
  const facts: PolicyFacts = {
    engine: 'kyverno',
    policy: { kind: doc.kind, name: doc.name, ...(doc.namespace ? { namespace: doc.namespace } : {}) },
    at: doc.at,
    rules: [],
    exemptions: [],
    unanalyzable: [],
  };
  const rules = y.get(y.get(y.root, 'spec'), 'rules');
  if (!y.isSeq(rules)) {
    facts.unanalyzable.push({ reason: 'spec.rules is missing or not a list', at: doc.at });
    return facts;
  }
  for (const r of y.items(rules)) {
    const rf = analyzeRule(y, r, policyEnforcement, latestMinor, facts.exemptions);
    if (rf) facts.rules.push(rf);
  }
  return facts;
}

export const kyvernoEngine: Engine = {
  id: 'kyverno',
  markers: ['kyverno.io'],
  kinds: ['ClusterPolicy', 'Policy'],
  accepts: (apiVersion, kind) => /^kyverno\.io\//.test(apiVersion) && (kind === 'ClusterPolicy' || kind === 'Policy'),
  analyze: (docs, _raw, ctx) => analyzeEach('kyverno', docs, (d) => analyzePolicy(d, ctx.kubernetesMinor)),
};
