/**
 * Policies wrapped for delivery. An Open Cluster Management `Policy`
 * (`policy.open-cluster-management.io/v1`) carries the objects it deploys in
 * `spec.policy-templates[].objectDefinition`; a `ConfigurationPolicy` among them carries more in
 * `spec.object-templates[].objectDefinition`. Those objects (Kyverno, Gatekeeper, VAP, PSA
 * Namespaces…) are what the managed clusters enforce, so each is read as a document of its own,
 * with positions in the wrapper file.
 */
import type { Node } from 'yaml';
import type { ScanError, SourceRef } from '../facts';
import type { YamlDoc } from './yaml-doc';

/**
 * What a file must contain to hold a wrapper. Wrapped objects carry their engine's marker, but a
 * wrapper whose objects polcov cannot read must still get through the prefilter to be reported.
 */
export const WRAPPER_MARKERS = ['policy.open-cluster-management.io'] as const;

/** A `remediationAction` and where it is written. */
interface Action {
  value: string;
  at: SourceRef;
}

function remediationAction(y: YamlDoc, spec: Node | undefined): Action | undefined {
  const value = y.str(y.get(spec, 'remediationAction'));
  return value ? { value, at: y.keyRef(spec, 'remediationAction') } : undefined;
}

const OCM_GROUP = /^policy\.open-cluster-management\.io\//;
/** Wrappers inside wrappers are rare; a bound keeps a hostile file from recursing forever. */
const MAX_DEPTH = 4;

/**
 * The documents a document stands for: itself, or the objects an OCM Policy or ConfigurationPolicy
 * deploys. A disabled Policy deploys nothing; `mustnothave` removes its object rather than creating it.
 * A ConfigurationPolicy that only informs (its `remediationAction`, or the parent Policy's, which
 * overrides it) checks that its objects exist but never creates them, and objects given as templated
 * text (`object-templates-raw`) cannot be read: neither is counted, and a warning says so.
 */
export function unwrapDocuments(y: YamlDoc, errors: ScanError[], depth = 0, parentAction?: Action): YamlDoc[] {
  const apiVersion = y.str(y.get(y.root, 'apiVersion')) ?? '';
  if (!OCM_GROUP.test(apiVersion) || depth > MAX_DEPTH) return [y];
  const kind = y.str(y.get(y.root, 'kind'));
  const spec = y.get(y.root, 'spec');
  const action = parentAction ?? remediationAction(y, spec);
  const warn = (at: SourceRef, why: string): void => {
    const name = y.str(y.at(y.root, 'metadata', 'name')) ?? '(unnamed)';
    errors.push({ ...at, severity: 'warning', message: `${kind} ${name} ${why}: polcov does not read its objects` });
  };
  let templates: Node[];
  if (kind === 'Policy') {
    if (y.scalar(y.get(spec, 'disabled')) === true) return [];
    templates = y.items(y.get(spec, 'policy-templates'));
  } else if (kind === 'ConfigurationPolicy') {
    if (action && /^inform/i.test(action.value)) {
      warn(action.at, `only informs (remediationAction: ${action.value}), so it creates none of the objects it checks for`);
      return [];
    }
    if (y.get(spec, 'object-templates-raw')) warn(y.keyRef(spec, 'object-templates-raw'), 'carries objects as templated text (object-templates-raw)');
    templates = y.items(y.get(spec, 'object-templates')).filter((t) => (y.str(y.get(t, 'complianceType')) ?? '').toLowerCase() !== 'mustnothave');
  } else {
    return [y];
  }
  const inherited = kind === 'Policy' ? remediationAction(y, spec) : undefined;
  return templates.flatMap((t) => {
    const object = y.get(t, 'objectDefinition');
    return y.isMap(object) ? unwrapDocuments(y.sub(object!), errors, depth + 1, inherited) : [];
  });
}
