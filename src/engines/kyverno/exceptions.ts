/**
 * Kyverno PolicyException (kyverno.io/v2, v2beta1): exempts the resources it matches from named
 * policy rules. One that matches Pods lets `kubectl debug` add an unchecked container to them.
 */
import type { Node } from 'yaml';
import type { Exemption } from '../../facts';
import type { PolicyDoc } from '../types';

export interface PolicyExemption {
  /** `name` for a ClusterPolicy, `namespace/name` for a Policy. */
  policyName: string;
  exemption: Exemption;
}

/** Describes whom a match block exempts; undefined when it cannot match Pods. */
function scopeOf(doc: PolicyDoc): { kind: Exemption['kind']; value: string } | undefined {
  const y = doc.yaml;
  const match = y.at(y.root, 'spec', 'match');
  const filters: Node[] = [...y.items(y.get(match, 'any')), ...y.items(y.get(match, 'all'))];
  const kinds = filters.flatMap((f) => y.strings(y.at(f, 'resources', 'kinds')));
  if (kinds.length > 0 && !kinds.some((k) => /(^|\/)(Pod|\*)(\/ephemeralcontainers)?$/.test(k))) return undefined;
  const namespaces = filters.flatMap((f) => y.strings(y.at(f, 'resources', 'namespaces')));
  const subjects = filters.flatMap((f) => y.items(y.get(f, 'subjects')).map((s) => y.str(y.get(s, 'name')) ?? '?'));
  if (subjects.length > 0) return { kind: 'user', value: subjects.join(', ') };
  return { kind: 'namespace', value: namespaces.length > 0 ? namespaces.join(', ') : 'every namespace' };
}

export function exceptionExemptions(doc: PolicyDoc): PolicyExemption[] {
  const y = doc.yaml;
  const scope = scopeOf(doc);
  if (!scope) return [];
  return y.items(y.at(y.root, 'spec', 'exceptions')).flatMap((e) => {
    const policyName = y.str(y.get(e, 'policyName'));
    if (!policyName) return [];
    const rules = y.strings(y.get(e, 'ruleNames'));
    const value = `PolicyException ${doc.name} (${rules.join(', ') || 'all rules'}): ${scope.value}`;
    return [{ policyName, exemption: { kind: scope.kind, value, at: y.ref(e), admitsArbitraryDebug: true } }];
  });
}
