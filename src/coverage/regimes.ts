/**
 * The regimes a Pod may be admitted under. A Pod must pass every admission plugin, so every
 * cluster-wide policy applies together, plus exactly one of the alternatives (PSPs: the weakest one
 * the user may use decides): one regime per alternative. Namespace-scoped policies (Pod Security
 * labels, namespaced policies, matches by namespace) add one regime per namespace they name: the
 * cluster-wide policies that still apply there, plus that namespace's own. A policy limited by a
 * selector (`partialScope`) joins no regime: whoever picks the labels picks whether it applies.
 */
import type { PolicyFacts } from '../facts';

export interface Regime {
  /** Absent for the cluster-wide regime (any namespace without policies of its own). */
  namespace?: string;
  policies: PolicyFacts[];
  /** The alternative (PSP) this regime is built around, if any. */
  alternative?: PolicyFacts;
}

function appliesIn(p: PolicyFacts, namespace: string | undefined): boolean {
  if (p.partialScope) return false;
  if (namespace === undefined) return p.namespaces === undefined;
  return p.namespaces ? p.namespaces.includes(namespace) : !p.excludedNamespaces?.includes(namespace);
}

export function admissionRegimes(policies: PolicyFacts[]): Regime[] {
  const namespaces = [...new Set(policies.flatMap((p) => p.namespaces ?? []))].sort();
  return [undefined, ...namespaces].flatMap((namespace) => {
    const applying = policies.filter((p) => appliesIn(p, namespace));
    const always = applying.filter((p) => !p.alternativeGroup);
    const alternatives = applying.filter((p) => p.alternativeGroup);
    const scope = namespace === undefined ? {} : { namespace };
    if (alternatives.length === 0) return [{ ...scope, policies: always }];
    return alternatives.map((alternative) => ({ ...scope, policies: [...always, alternative], alternative }));
  });
}
