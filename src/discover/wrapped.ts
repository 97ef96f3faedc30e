/**
 * Policies wrapped for delivery. An Open Cluster Management `Policy`
 * (`policy.open-cluster-management.io/v1`) carries the objects it deploys in
 * `spec.policy-templates[].objectDefinition`; a `ConfigurationPolicy` among them carries more in
 * `spec.object-templates[].objectDefinition`. Those objects (Kyverno, Gatekeeper, VAP, PSA
 * Namespaces…) are what the managed clusters enforce, so each is read as a document of its own,
 * with positions in the wrapper file.
 */
import type { Node } from 'yaml';
import type { ScanError } from '../facts';
import type { YamlDoc } from './yaml-doc';

/**
 * What a file must contain to hold a wrapper. Wrapped objects carry their engine's marker, but a
 * wrapper whose objects polcov cannot read must still get through the prefilter to be reported.
 */
export const WRAPPER_MARKERS = ['policy.open-cluster-management.io'] as const;

const OCM_GROUP = /^policy\.open-cluster-management\.io\//;
/** Wrappers inside wrappers are rare; a bound keeps a hostile file from recursing forever. */
const MAX_DEPTH = 4;

/**
 * The documents a document stands for: itself, or the objects an OCM Policy or ConfigurationPolicy
 * deploys. A disabled Policy deploys nothing; `mustnothave` removes its object rather than creating it.
 * Objects given as templated text (`object-templates-raw`) cannot be read: a warning says so.
 */
export function unwrapDocuments(y: YamlDoc, errors: ScanError[], depth = 0): YamlDoc[] {
  const apiVersion = y.str(y.get(y.root, 'apiVersion')) ?? '';
  if (!OCM_GROUP.test(apiVersion) || depth > MAX_DEPTH) return [y];
  const kind = y.str(y.get(y.root, 'kind'));
  const spec = y.get(y.root, 'spec');
  let templates: Node[];
  if (kind === 'Policy') {
    if (y.scalar(y.get(spec, 'disabled')) === true) return [];
    templates = y.items(y.get(spec, 'policy-templates'));
  } else if (kind === 'ConfigurationPolicy') {
    if (y.get(spec, 'object-templates-raw')) {
      const at = y.keyRef(spec, 'object-templates-raw');
      const name = y.str(y.at(y.root, 'metadata', 'name')) ?? '(unnamed)';
      errors.push({ ...at, severity: 'warning', message: `ConfigurationPolicy ${name} carries objects as templated text (object-templates-raw): polcov does not read them` });
    }
    templates = y.items(y.get(spec, 'object-templates')).filter((t) => (y.str(y.get(t, 'complianceType')) ?? '').toLowerCase() !== 'mustnothave');
  } else {
    return [y];
  }
  return templates.flatMap((t) => {
    const object = y.get(t, 'objectDefinition');
    return y.isMap(object) ? unwrapDocuments(y.sub(object!), errors, depth + 1) : [];
  });
}
