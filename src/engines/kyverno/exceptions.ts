/**
 * Kyverno PolicyException (kyverno.io/v2, v2beta1): exempts the resources it matches from named
 * policy rules. Scoped to some namespaces or identities, it is an exemption `kubectl debug` can use;
 * unscoped, it switches the rules off for every Pod, or for every UPDATE — every debug container.
 */
import type { Node } from 'yaml';
import type { Exemption, PolicyFacts, SourceRef } from '../../facts';
import type { PolicyDoc } from '../types';

interface Scope {
  operations?: string[];
  /** Whom a namespace- or identity-scoped exception exempts. */
  exemption?: { kind: Exemption['kind']; value: string };
}

/** Whom the match block exempts; undefined when it cannot match Pods. */
function scopeOf(doc: PolicyDoc): Scope | undefined {
  const y = doc.yaml;
  const match = y.at(y.root, 'spec', 'match');
  const filters: Node[] = [...y.items(y.get(match, 'any')), ...y.items(y.get(match, 'all'))];
  const kinds = filters.flatMap((f) => y.strings(y.at(f, 'resources', 'kinds')));
  if (kinds.length > 0 && !kinds.some((k) => /(^|\/)(Pod|\*)(\/ephemeralcontainers)?$/.test(k))) return undefined;
  const operations = filters.flatMap((f) => y.strings(y.at(f, 'resources', 'operations')).map((o) => o.toUpperCase()));
  const ops = operations.length > 0 ? { operations } : {};
  const namespaces = filters.flatMap((f) => y.strings(y.at(f, 'resources', 'namespaces')));
  const subjects = filters.flatMap((f) => y.items(y.get(f, 'subjects')).map((s) => y.str(y.get(s, 'name')) ?? '?'));
  const named = filters.some((f) => ['names', 'selector', 'namespaceSelector'].some((k) => y.at(f, 'resources', k) !== undefined));
  if (subjects.length > 0) return { ...ops, exemption: { kind: 'user', value: subjects.join(', ') } };
  if (namespaces.length > 0) return { ...ops, exemption: { kind: 'namespace', value: namespaces.join(', ') } };
  if (named) return { ...ops, exemption: { kind: 'namespace', value: 'the Pods it names or selects' } };
  return ops;
}

/** Applies a PolicyException to the policies it names. */
export function applyException(doc: PolicyDoc, byName: Map<string, PolicyFacts>): void {
  const y = doc.yaml;
  const scope = scopeOf(doc);
  if (!scope) return;
  for (const e of y.items(y.at(y.root, 'spec', 'exceptions'))) {
    const policy = byName.get(y.str(y.get(e, 'policyName')) ?? '');
    if (!policy) continue;
    const ruleNames = y.strings(y.get(e, 'ruleNames'));
    const at = y.ref(e);
    const label = `PolicyException ${doc.name}`;
    if (scope.exemption) {
      const value = `${scope.exemption.value} (${label}, ${ruleNames.join(', ') || 'all rules'})`;
      policy.exemptions.push({ kind: scope.exemption.kind, value, at, admitsArbitraryDebug: true, ...(ruleNames.length > 0 ? { rules: ruleNames } : {}) });
      continue;
    }
    const rules = policy.rules.filter((r) => ruleNames.length === 0 || ruleNames.includes(r.name) || ruleNames.includes(r.autogenOf ?? ''));
    for (const r of rules) disable(r, scope.operations, label, at);
  }
}

function disable(r: PolicyFacts['rules'][number], operations: string[] | undefined, label: string, at: SourceRef): void {
  if (!operations || operations.includes('CREATE')) {
    r.enforcement = { blocking: false, action: `exempted for every Pod by ${label}`, at };
  } else if (operations.includes('UPDATE')) {
    r.scope.updateSkipped ??= { at, reason: `${label} exempts every UPDATE request` };
  }
}
