/**
 * Set-level HostProcess analysis shared by hostprocess-unchecked and hostprocess-indirect-only:
 * under each admission regime (all policies, plus one PSP when PSPs exist), is hostProcess blocked
 * directly, or only through a hostNetwork rule (hostProcess pods must use the host network)?
 */
import { buildCoverage, regimes, type CoverageEntry } from '../../coverage/matrix';
import { LOCATIONS, type PolicyFacts } from '../../facts';

export interface RegimeVerdict {
  policies: PolicyFacts[];
  /** The alternative (PSP) this regime is built around, if any. */
  alternative?: PolicyFacts;
  direct: boolean;
  indirect: CoverageEntry[];
}

export function hostProcessVerdicts(policies: PolicyFacts[]): RegimeVerdict[] {
  return regimes(policies).map((set) => {
    const cov = buildCoverage(set);
    const direct = LOCATIONS.some((l) => cov.windowsHostProcess[l].length > 0);
    const indirect = cov.hostNamespaces.pod.filter((e) => e.fields.includes('spec.hostNetwork'));
    const alternative = set.find((p) => p.alternativeGroup);
    return { policies: set, direct, indirect, ...(alternative ? { alternative } : {}) };
  });
}
