/**
 * Policies wrapped for delivery. An Open Cluster Management `Policy`
 * (`policy.open-cluster-management.io/v1`) carries the objects it deploys in
 * `spec.policy-templates[].objectDefinition`; a `ConfigurationPolicy` among them carries more in
 * `spec.object-templates[].objectDefinition`. Those objects (Kyverno, Gatekeeper, VAP, PSA
 * Namespaces…) are what the managed clusters enforce, so each is read as a document of its own,
 * with positions in the wrapper file. The text prefilter needs no marker of its own: each wrapped
 * object carries its engine's (`kyverno.io`, `templates.gatekeeper.sh`…).
 */
import type { Node } from 'yaml';
import type { YamlDoc } from './yaml-doc';

const OCM_GROUP = /^policy\.open-cluster-management\.io\//;
/** Wrappers inside wrappers are rare; a bound keeps a hostile file from recursing forever. */
const MAX_DEPTH = 4;

/**
 * The documents a document stands for: itself, or the objects an OCM Policy or ConfigurationPolicy
 * deploys. A disabled Policy deploys nothing; `mustnothave` removes its object rather than creating it.
 */
export function unwrapDocuments(y: YamlDoc, depth = 0): YamlDoc[] {
  const apiVersion = y.str(y.get(y.root, 'apiVersion')) ?? '';
  if (!OCM_GROUP.test(apiVersion) || depth > MAX_DEPTH) return [y];
  const kind = y.str(y.get(y.root, 'kind'));
  const spec = y.get(y.root, 'spec');
  let templates: Node[];
  if (kind === 'Policy') {
    if (y.scalar(y.get(spec, 'disabled')) === true) return [];
    templates = y.items(y.get(spec, 'policy-templates'));
  } else if (kind === 'ConfigurationPolicy') {
    templates = y.items(y.get(spec, 'object-templates')).filter((t) => (y.str(y.get(t, 'complianceType')) ?? '').toLowerCase() !== 'mustnothave');
  } else {
    return [y];
  }
  return templates.flatMap((t) => {
    const object = y.get(t, 'objectDefinition');
    return y.isMap(object) ? unwrapDocuments(y.sub(object!), depth + 1) : [];
  });
}
