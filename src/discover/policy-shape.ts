/**
 * What counts as a policy document: a document of a policy kind that the API server (or the engine's
 * own admission webhook) would refuse, or that is only part of an object, is no policy. Test
 * runners write such fragments (chainsaw asserts `status` or a lone `spec.validationFailureAction`);
 * they enforce nothing, so they are skipped and listed, never analysed or reported as unanalyzable.
 * A document that has the content of a policy (rules, validations) but cannot be followed is still a
 * policy: the engines report it as unanalyzable.
 */
import type { PolicyDoc } from '../engines/types';

export interface SkippedDocument {
  file: string;
  line: number;
  column: number;
  kind: string;
  name: string;
  reason: string;
}

/** Kinds whose content lives outside `spec` (or whose `spec` is optional): never judged by shape. */
const NO_SPEC_NEEDED = new Set([
  'Namespace',
  'AdmissionConfiguration',
  'PodSecurityConfiguration',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

/** Why the document is not a policy the cluster would run, or undefined when it is one. */
export function notAPolicy(doc: PolicyDoc): string | undefined {
  const { yaml: y, apiVersion, kind } = doc;
  if (NO_SPEC_NEEDED.has(kind)) return undefined;
  const spec = y.get(y.root, 'spec');
  const group = apiVersion.split('/')[0];
  if (group === 'constraints.gatekeeper.sh') {
    // A constraint's spec is optional (no spec: every object, deny), but status without spec is a
    // copy of what the cluster reports, not something to apply.
    return !spec && y.get(y.root, 'status') ? 'status without spec: a test assertion, not a policy' : undefined;
  }
  if (!spec || !y.isMap(spec)) return y.get(y.root, 'status') ? 'status without spec: a test assertion, not a policy' : 'no spec: a partial document, not a policy';
  if (group === 'kyverno.io' && (kind === 'ClusterPolicy' || kind === 'Policy') && !y.get(spec, 'rules')) {
    return 'no spec.rules: a partial document (e.g. a test assertion), not a policy';
  }
  if (group === 'kyverno.io' && kind === 'PolicyException' && !y.get(spec, 'exceptions')) {
    return 'no spec.exceptions: a partial document, not a policy exception';
  }
  if (kind === 'ValidatingAdmissionPolicy' || group === 'policies.kyverno.io') {
    if (!y.get(spec, 'matchConstraints')) return 'no spec.matchConstraints: the API server rejects it, so it is not an admission policy';
  }
  if (group === 'policies.kyverno.io' && y.str(y.at(spec, 'evaluation', 'mode')) === 'JSON') {
    return 'evaluation.mode JSON: validates JSON payloads, not admission requests';
  }
  if (kind === 'ValidatingAdmissionPolicyBinding' && !y.get(spec, 'policyName')) {
    return 'no spec.policyName: the API server rejects it, so it binds nothing';
  }
  return undefined;
}
