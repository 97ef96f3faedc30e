/**
 * The regimes a Pod may be admitted under. Every cluster-wide policy applies together; namespace-
 * scoped policies (Pod Security labels, namespaced policies) add one regime per namespace they name:
 * the cluster-wide policies that still apply there, plus that namespace's own. PodSecurityPolicies
 * are judged one by one, each on its own: only one PSP applies to a pod (the weakest one the user
 * may use), and a PSP's verdict should not depend on what other engines happen to be scanned.
 */
import type { PolicyFacts } from '../facts';

export interface Regime {
  /** Absent for the cluster-wide regime (any namespace without policies of its own). */
  namespace?: string;
  policies: PolicyFacts[];
  /** The alternative (PSP) this regime consists of, if any. */
  alternative?: PolicyFacts;
}

function appliesIn(p: PolicyFacts, namespace: string | undefined): boolean {
  if (namespace === undefined) return p.namespaces === undefined;
  return p.namespaces ? p.namespaces.includes(namespace) : !p.excludedNamespaces?.includes(namespace);
}

export function admissionRegimes(policies: PolicyFacts[]): Regime[] {
  const together = policies.filter((p) => !p.alternativeGroup);
  const alternatives = policies.filter((p) => p.alternativeGroup);
  const namespaces = [...new Set(together.flatMap((p) => p.namespaces ?? []))].sort();
  const shared: Regime[] =
    together.length === 0
      ? []
      : [undefined, ...namespaces].map((namespace) => ({
          ...(namespace === undefined ? {} : { namespace }),
          policies: together.filter((p) => appliesIn(p, namespace)),
        }));
  return [...shared, ...alternatives.map((alternative) => ({ policies: [alternative], alternative }))];
}
