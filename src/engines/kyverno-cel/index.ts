/**
 * Kyverno's CEL policy types (policies.kyverno.io v1alpha1, v1beta1, v1): ValidatingPolicy and its
 * namespaced twin. Unlike ClusterPolicies, their webhook rules come straight from
 * `matchConstraints.resourceRules`: Kyverno adds no `pods/ephemeralcontainers` (DOMAIN.md §5).
 */
import type { Enforcement } from '../../facts';
import { analyzeEach } from '../guard';
import type { Analyze, PolicyDoc } from '../types';
import { validatingSpecFacts } from '../vap/spec';

function enforcement(doc: PolicyDoc): Enforcement {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  const evaluation = y.get(spec, 'evaluation');
  const admission = y.get(evaluation, 'admission');
  if (y.scalar(y.get(admission, 'enabled')) === false) {
    return { blocking: false, action: 'evaluation.admission.enabled: false', at: y.keyRef(admission, 'enabled') };
  }
  const mode = y.str(y.get(evaluation, 'mode'));
  if (mode && mode !== 'Kubernetes') return { blocking: false, action: `evaluation.mode: ${mode}`, at: y.keyRef(evaluation, 'mode') };
  const actions = y.strings(y.get(spec, 'validationActions'));
  if (actions.length === 0) return { blocking: false, action: 'no validationActions (the field is required)', at: y.keyRef(y.root, 'spec') };
  const blocking = actions.includes('Deny');
  return { blocking, action: actions.join(', '), at: y.keyRef(spec, 'validationActions'), ...(blocking ? {} : { auditOnly: true }) };
}

export const analyze: Analyze = (docs) =>
  analyzeEach('kyverno-cel', docs, (d) => {
    const facts = validatingSpecFacts('kyverno-cel', d, enforcement(d));
    return d.kind === 'NamespacedValidatingPolicy' ? { ...facts, namespaces: [d.namespace ?? 'default'] } : facts;
  });
