/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io v1,
 * v1beta1). A policy does nothing without a binding, and blocks only through a binding whose
 * `validationActions` include Deny; a binding's `matchResources` can only narrow what reaches it.
 */
import type { AdmissionScope, Enforcement, PolicyFacts } from '../../facts';
import { excludedSubresource, registrationScope } from '../admission/resource-rules';
import { analyzeEach } from '../guard';
import type { Engine, PolicyDoc } from '../types';
import { validatingSpecFacts } from './spec';

const POLICY = 'ValidatingAdmissionPolicy';
const BINDING = 'ValidatingAdmissionPolicyBinding';

interface Binding {
  enforcement: Enforcement;
  narrow?: AdmissionScope;
}

function actions(b: PolicyDoc): string[] {
  return b.yaml.strings(b.yaml.at(b.yaml.root, 'spec', 'validationActions'));
}

/** What a binding lets through; undefined when it does not narrow the policy's own match. */
function bindingScope(b: PolicyDoc): AdmissionScope | undefined {
  const y = b.yaml;
  const mr = y.at(y.root, 'spec', 'matchResources');
  const rules = y.get(mr, 'resourceRules');
  const exclude = y.get(mr, 'excludeResourceRules');
  if (rules) return registrationScope(y, rules, y.keyRef(mr, 'resourceRules'), exclude);
  const excluded = excludedSubresource(y, exclude);
  return excluded && { matchesPod: true, ephemeralSubresource: 'no', subresourceAt: excluded };
}

function binding(policy: PolicyDoc, bindings: PolicyDoc[]): Binding {
  const mine = bindings.filter((b) => b.yaml.str(b.yaml.at(b.yaml.root, 'spec', 'policyName')) === policy.name);
  const actionsAt = (b: PolicyDoc): Enforcement['at'] => b.yaml.keyRef(b.yaml.get(b.yaml.root, 'spec'), 'validationActions');
  if (mine.length === 0) return { enforcement: { blocking: false, action: `no ${BINDING}`, at: policy.at } };
  const denying = mine.filter((b) => actions(b).includes('Deny'));
  if (denying.length === 0) {
    const b = mine[0]!;
    return { enforcement: { blocking: false, action: `validationActions [${actions(b).join(', ')}]`, at: actionsAt(b) } };
  }
  // Several Deny bindings: the one that lets kubectl debug through to the policy decides coverage.
  const scoped = denying.map((b) => ({ b, narrow: bindingScope(b) }));
  const best = scoped.find((s) => s.narrow?.ephemeralSubresource !== 'no') ?? scoped[0]!;
  return { enforcement: { blocking: true, action: 'Deny', at: actionsAt(best.b) }, ...(best.narrow ? { narrow: best.narrow } : {}) };
}

function analyze(docs: PolicyDoc[]): PolicyFacts[] {
  const bindings = docs.filter((d) => d.kind === BINDING);
  return analyzeEach('vap', docs.filter((d) => d.kind === POLICY), (d) => {
    const b = binding(d, bindings);
    return validatingSpecFacts('vap', d, b.enforcement, b.narrow);
  });
}

export const vapEngine: Engine = {
  id: 'vap',
  markers: [POLICY],
  kinds: [POLICY, BINDING],
  accepts: (apiVersion, kind) => /^admissionregistration\.k8s\.io\/v1(beta1)?$/.test(apiVersion) && (kind === POLICY || kind === BINDING),
  analyze: (docs) => analyze(docs),
};
