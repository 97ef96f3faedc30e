/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io v1,
 * v1beta1, v1alpha1). A policy does nothing without a binding, and blocks only through a binding
 * whose `validationActions` include Deny, on a cluster that serves both manifests' API versions
 * (`api-versions.ts`). A binding's `matchResources` can only narrow what reaches the policy: its
 * resource rules narrow the request scope, its selectors the namespaces and pods (`selectors.ts`).
 */
import type { AdmissionScope, Enforcement } from '../../facts';
import { excludedSubresource, registrationScope } from '../admission/resource-rules';
import { analyzeEach } from '../guard';
import type { Analyze, EngineContext, PolicyDoc } from '../types';
import { unavailable } from './api-versions';
import { EVERYWHERE, narrowness, readSelection, type Selection } from './selectors';
import { validatingSpecFacts } from './spec';

const POLICY = 'ValidatingAdmissionPolicy';
const BINDING = 'ValidatingAdmissionPolicyBinding';

interface Binding {
  enforcement: Enforcement;
  narrow?: AdmissionScope;
  selection: Selection;
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

const apiVersionAt = (d: PolicyDoc): Enforcement['at'] => d.yaml.keyRef(d.yaml.root, 'apiVersion');

function binding(policy: PolicyDoc, bindings: PolicyDoc[], ctx: EngineContext): Binding {
  const gated = unavailable(policy.apiVersion, POLICY, ctx);
  if (gated) return { enforcement: { blocking: false, action: gated, at: apiVersionAt(policy) }, selection: EVERYWHERE };
  const mine = bindings.filter((b) => b.yaml.str(b.yaml.at(b.yaml.root, 'spec', 'policyName')) === policy.name);
  const actionsAt = (b: PolicyDoc): Enforcement['at'] => b.yaml.keyRef(b.yaml.get(b.yaml.root, 'spec'), 'validationActions');
  // A library ships policies without bindings: --assume-enforce judges them as bound with Deny.
  if (mine.length === 0) return { enforcement: { blocking: false, action: `no ${BINDING}`, at: policy.at, auditOnly: true }, selection: EVERYWHERE };
  const denying = mine.filter((b) => actions(b).includes('Deny'));
  if (denying.length === 0) {
    const b = mine[0]!;
    return { enforcement: { blocking: false, action: `validationActions [${actions(b).join(', ')}]`, at: actionsAt(b), auditOnly: true }, selection: EVERYWHERE };
  }
  // A Deny binding the target cluster does not serve denies nothing.
  const served = denying.filter((b) => !unavailable(b.apiVersion, BINDING, ctx));
  if (served.length === 0) {
    const b = denying[0]!;
    return { enforcement: { blocking: false, action: unavailable(b.apiVersion, BINDING, ctx)!, at: apiVersionAt(b) }, selection: EVERYWHERE };
  }
  // Several Deny bindings: the widest one decides coverage (everywhere, then all but some namespaces,
  // then named namespaces, then label-picked ones); among equals, one that lets kubectl debug through.
  const scoped = served.map((b) => ({ b, narrow: bindingScope(b), selection: readSelection(b.yaml, b.yaml.at(b.yaml.root, 'spec', 'matchResources')) }));
  const rank = (s: (typeof scoped)[number]): number => narrowness(s.selection) * 2 + (s.narrow?.ephemeralSubresource === 'no' ? 1 : 0);
  const best = scoped.reduce((a, s) => (rank(s) < rank(a) ? s : a));
  return {
    enforcement: { blocking: true, action: 'Deny', at: actionsAt(best.b) },
    ...(best.narrow ? { narrow: best.narrow } : {}),
    selection: best.selection,
  };
}

export const analyze: Analyze = (docs, _raw, ctx) => {
  const bindings = docs.filter((d) => d.kind === BINDING);
  return analyzeEach('vap', docs.filter((d) => d.kind === POLICY), (d) => {
    const b = binding(d, bindings, ctx);
    return validatingSpecFacts('vap', d, b.enforcement, b.narrow, b.selection);
  });
};
