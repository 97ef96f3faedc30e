/**
 * Label selectors that narrow a ValidatingAdmissionPolicy (or Kyverno ValidatingPolicy):
 * `namespaceSelector` and `objectSelector` in the policy's `matchConstraints` and in a binding's
 * `matchResources`. Both must match, so the selections of the policy and its binding add up.
 *
 * - `objectSelector` is matched against the Pod's own labels: whoever creates the Pod picks them, so
 *   a policy with one is never cluster-wide coverage (`partialScope`).
 * - `namespaceSelector` on ordinary labels: whoever labels namespaces picks them; the same.
 * - `namespaceSelector` only on `kubernetes.io/metadata.name`: the API server sets that label to the
 *   namespace's name and nobody can change it, so it is a match by name: `In` scopes the policy to
 *   those namespaces, `NotIn` leaves them out (the usual `NotIn [kube-system]`).
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { Exemption, PolicyFacts, SourceRef } from '../../facts';

const NAME_LABEL = 'kubernetes.io/metadata.name';

export interface Selection {
  /** Namespaces picked by name; undefined: not limited by name. */
  namespaces?: string[];
  /** Namespaces left out by name. */
  excluded: { name: string; at: SourceRef }[];
  /** Selectors on labels others choose: the policy applies only where they match. */
  partial: { description: string; at: SourceRef }[];
}

export const EVERYWHERE: Selection = { excluded: [], partial: [] };

interface Requirement {
  key: string;
  operator: string;
  values: { value: string; at: SourceRef }[];
}

function requirements(y: YamlDoc, selector: Node | undefined): Requirement[] {
  const labels = y.pairs(y.get(selector, 'matchLabels')).map((p): Requirement => ({
    key: p.key,
    operator: 'In',
    values: [{ value: y.str(p.value) ?? '', at: y.ref(p.value ?? p.keyNode) }],
  }));
  const expressions = y.items(y.get(selector, 'matchExpressions')).map((e): Requirement => ({
    key: y.str(y.get(e, 'key')) ?? '',
    operator: y.str(y.get(e, 'operator')) ?? '',
    values: y.items(y.get(e, 'values')).map((v) => ({ value: y.str(v) ?? '', at: y.ref(v) })),
  }));
  return [...labels, ...expressions];
}

function describe(reqs: Requirement[]): string {
  return reqs
    .map((r) => {
      const values = r.values.map((v) => v.value);
      if (r.operator === 'In' && values.length === 1) return `${r.key}=${values[0]}`;
      return values.length > 0 ? `${r.key} ${r.operator} (${values.join(', ')})` : `${r.key} ${r.operator}`;
    })
    .join(', ');
}

/** The selection a `matchConstraints` or `matchResources` map makes. */
export function readSelection(y: YamlDoc, match: Node | undefined): Selection {
  const out: Selection = { excluded: [], partial: [] };
  const ns = requirements(y, y.get(match, 'namespaceSelector'));
  const byName = ns.length > 0 && ns.every((r) => r.key === NAME_LABEL && ['In', 'NotIn', 'Exists'].includes(r.operator));
  if (byName) {
    for (const r of ns) {
      if (r.operator === 'NotIn') out.excluded.push(...r.values.map((v) => ({ name: v.value, at: v.at })));
      if (r.operator !== 'In') continue;
      const names = r.values.map((v) => v.value);
      out.namespaces = out.namespaces ? out.namespaces.filter((n) => names.includes(n)) : names;
    }
  } else if (ns.length > 0) {
    out.partial.push({ description: `namespaces selected by namespaceSelector ${describe(ns)}`, at: y.keyRef(match, 'namespaceSelector') });
  }
  const pods = requirements(y, y.get(match, 'objectSelector'));
  if (pods.length > 0) out.partial.push({ description: `pods selected by objectSelector ${describe(pods)}`, at: y.keyRef(match, 'objectSelector') });
  return out;
}

/** Both selections must match (a policy's matchConstraints and its binding's matchResources). */
export function intersect(a: Selection, b: Selection): Selection {
  const namespaces = a.namespaces && b.namespaces ? a.namespaces.filter((n) => b.namespaces!.includes(n)) : (a.namespaces ?? b.namespaces);
  return { ...(namespaces ? { namespaces } : {}), excluded: [...a.excluded, ...b.excluded], partial: [...a.partial, ...b.partial] };
}

/** How far a selection narrows a policy: 0 everywhere, 1 all but some namespaces, 2 named namespaces, 3 picked by labels. */
export function narrowness(s: Selection): number {
  if (s.partial.length > 0) return 3;
  if (s.namespaces) return 2;
  return s.excluded.length > 0 ? 1 : 0;
}

/** Records a selection on a policy's facts: its namespace scope, what it leaves out, and exemptions for both. */
export function applySelection(facts: PolicyFacts, s: Selection): void {
  const exempt = (value: string, at: SourceRef): Exemption => ({ kind: 'namespace', value, at, admitsArbitraryDebug: true });
  if (s.partial.length > 0) {
    facts.partialScope = s.partial.map((p) => p.description).join('; ');
    facts.exemptions.push(...s.partial.map((p) => exempt(p.description, p.at)));
  }
  const excluded = [...new Set(s.excluded.map((e) => e.name))];
  if (s.namespaces) {
    facts.namespaces = [...new Set(s.namespaces.filter((n) => !excluded.includes(n)))].sort();
    return;
  }
  if (excluded.length === 0) return;
  facts.excludedNamespaces = [...new Set([...(facts.excludedNamespaces ?? []), ...excluded])].sort();
  const seen = new Set<string>();
  for (const e of s.excluded) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    facts.exemptions.push(exempt(e.name, e.at));
  }
}
