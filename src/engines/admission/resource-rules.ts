/**
 * Admission registration rules (webhook `rules`, ValidatingAdmissionPolicy and Kyverno
 * ValidatingPolicy `matchConstraints.resourceRules`): do Pods reach the policy, does a Pod CREATE,
 * and does the `pods/ephemeralcontainers` subresource? `pods` and `*` match no subresource; only
 * `pods/ephemeralcontainers`, `pods/*`, `*\/ephemeralcontainers` and `*\/*` do (DOMAIN.md §1.3).
 * A `*` subresource also matches the main resource (the API server's rule matcher compares the
 * subresource with `*` or equality, and a Pod itself has the empty one), so `pods/*` reaches Pods
 * too; `*\/ephemeralcontainers` does not.
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { AdmissionScope, SourceRef } from '../../facts';

const POD_RESOURCES = new Set(['pods', '*', 'pods/*', '*/*']);
const DEBUG_SUBRESOURCES = new Set(['pods/ephemeralcontainers', 'pods/*', '*/ephemeralcontainers', '*/*']);

interface ResourceRule {
  node: Node;
  resources: string[];
  operations: string[];
  /** The rule matches core-group, namespaced resources (where Pods live). */
  core: boolean;
}

function readRule(y: YamlDoc, node: Node): ResourceRule {
  const groups = y.strings(y.get(node, 'apiGroups'));
  const scope = y.str(y.get(node, 'scope'));
  return {
    node,
    resources: y.strings(y.get(node, 'resources')),
    operations: y.strings(y.get(node, 'operations')).map((o) => o.toUpperCase()),
    core: (groups.includes('') || groups.includes('*')) && scope !== 'Cluster',
  };
}

const seesUpdate = (r: ResourceRule): boolean => r.operations.includes('UPDATE') || r.operations.includes('*');
const seesCreate = (r: ResourceRule): boolean => r.operations.includes('CREATE') || r.operations.includes('*');
/** A CREATE of the Pod itself (not a subresource) reaches the rule. */
const createsPod = (r: ResourceRule): boolean => r.core && seesCreate(r) && r.resources.some((x) => POD_RESOURCES.has(x));
/** CREATE or UPDATE: the operations that carry a Pod spec. */
const carriesSpec = (r: ResourceRule): boolean => seesUpdate(r) || r.operations.includes('CREATE');
const hasSubresource = (r: ResourceRule): boolean => r.resources.some((x) => DEBUG_SUBRESOURCES.has(x));

/**
 * The scope a list of rules gives a policy. `exclude` rules (VAP `excludeResourceRules`) that take
 * the subresource away win over the rules that add it.
 */
export function registrationScope(y: YamlDoc, rules: Node | undefined, fallback: SourceRef, exclude?: Node): AdmissionScope {
  const all = y.items(rules).map((n) => readRule(y, n));
  const podRules = all.filter((r) => r.core && carriesSpec(r) && (hasSubresource(r) || r.resources.some((x) => POD_RESOURCES.has(x))));
  const subRules = podRules.filter(hasSubresource);
  const resourcesAt = (r: ResourceRule | undefined): SourceRef => (r ? y.keyRef(r.node, 'resources') : fallback);
  const scope: AdmissionScope = {
    matchesPod: podRules.length > 0,
    ephemeralSubresource: subRules.length > 0 ? 'yes' : 'no',
    subresourceAt: resourcesAt(subRules[0] ?? podRules[0] ?? all[0]),
    podCreate: podRules.some(createsPod) && !excludedPodCreate(y, exclude),
  };
  const relevant = subRules.length > 0 ? subRules : podRules;
  if (relevant.length > 0 && !relevant.some(seesUpdate)) {
    const r = relevant[0]!;
    scope.updateSkipped = { at: y.keyRef(r.node, 'operations'), reason: `operations are [${r.operations.join(', ')}]: UPDATE is not matched` };
  }
  const excluded = excludedSubresource(y, exclude);
  if (excluded && scope.ephemeralSubresource === 'yes') {
    scope.ephemeralSubresource = 'no';
    scope.subresourceAt = excluded;
  }
  return scope;
}

/** Where exclusion rules take the whole `pods/ephemeralcontainers` UPDATE away, if they do. */
export function excludedSubresource(y: YamlDoc, exclude: Node | undefined): SourceRef | undefined {
  const r = y
    .items(exclude)
    .map((n) => readRule(y, n))
    .find((x) => x.core && seesUpdate(x) && hasSubresource(x) && !y.get(x.node, 'resourceNames'));
  return r && y.keyRef(r.node, 'resources');
}

/** Exclusion rules that take every Pod CREATE away (no `resourceNames`: a CREATE has no name to match). */
function excludedPodCreate(y: YamlDoc, exclude: Node | undefined): boolean {
  return y
    .items(exclude)
    .map((n) => readRule(y, n))
    .some((x) => createsPod(x) && !y.get(x.node, 'resourceNames'));
}

/** A policy matched by two registrations (a VAP and its binding) sees only what both let through. */
export function narrowScope(outer: AdmissionScope, inner: AdmissionScope): AdmissionScope {
  const cut = inner.ephemeralSubresource === 'no' && outer.ephemeralSubresource !== 'no';
  const updateSkipped = outer.updateSkipped ?? inner.updateSkipped;
  return {
    matchesPod: outer.matchesPod && inner.matchesPod,
    ephemeralSubresource: cut ? 'no' : outer.ephemeralSubresource,
    subresourceAt: cut ? inner.subresourceAt : outer.subresourceAt,
    ...(outer.podCreate === false || inner.podCreate === false ? { podCreate: false } : {}),
    ...(updateSkipped ? { updateSkipped } : {}),
  };
}
