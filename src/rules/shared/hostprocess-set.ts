/**
 * Set-level HostProcess analysis shared by hostprocess-unchecked and hostprocess-indirect-only:
 * under each admission regime (see coverage/regimes.ts), is hostProcess blocked directly, or only
 * through a hostNetwork rule (hostProcess pods must use the host network)? Each policy is summarised
 * once and regimes combine the summaries, so the cost stays linear in the number of policies.
 */
import { admissionRegimes, buildCoverage, type Coverage, type CoverageEntry, type Regime } from '../../coverage/matrix';
import { LOCATIONS, type PolicyFacts } from '../../facts';
import { isPodPolicy } from './relevance';

export interface RegimeVerdict extends Regime {
  direct: boolean;
  indirect: CoverageEntry[];
}


/**
 * Indirect coverage counts only without exemptions (DOMAIN.md §2): a hostNetwork rule that skips a
 * namespace or an identity admits HostProcess pods there.
 */
const exempts = (p: PolicyFacts): boolean => p.exemptions.some((e) => e.kind === 'namespace' || e.kind === 'user');

interface Summary {
  direct: boolean;
  indirect: CoverageEntry[];
}

/** HostProcess coverage one policy contributes, read from a matrix that already knows the webhooks in front of it. */
function summarise(p: PolicyFacts, cov: Coverage): Summary {
  const own = (entries: CoverageEntry[]): CoverageEntry[] => entries.filter((e) => e.policy === p.policy);
  // A HostProcess pod is created, not debugged into: coverage only in ephemeral containers stops none.
  const direct = LOCATIONS.some((l) => l !== 'ephemeralContainers' && own(cov.windowsHostProcess[l]).length > 0);
  // A rule that skips Windows pods (or reaches Linux pods only) lets exactly the HostProcess pods through.
  const byNodeOs = new Set(p.rules.filter((r) => r.nodeOsSelection).map((r) => r.name));
  const indirect = exempts(p) ? [] : own(cov.hostNamespaces.pod).filter((e) => e.fields.includes('spec.hostNetwork') && !byNodeOs.has(e.rule));
  return { direct, indirect };
}

/** Both set-level HostProcess rules read the same verdicts: compute them once per policy set. */
const verdictCache = new WeakMap<PolicyFacts[], RegimeVerdict[]>();

export function hostProcessVerdicts(policies: PolicyFacts[]): RegimeVerdict[] {
  let verdicts = verdictCache.get(policies);
  if (!verdicts) verdictCache.set(policies, (verdicts = computeVerdicts(policies)));
  return verdicts;
}

function computeVerdicts(policies: PolicyFacts[]): RegimeVerdict[] {
  // Webhook registrations and policies about other objects neither cover a regime nor make one.
  const relevant = policies.filter(isPodPolicy);
  // PSPs are alternatives: each is summarised alone. The rest share one matrix, with the webhooks.
  const shared = buildCoverage(policies.filter((p) => !p.alternativeGroup));
  const summaries = new Map(relevant.map((p) => [p, summarise(p, p.alternativeGroup ? buildCoverage([p]) : shared)]));
  if (relevant.length === 0) return [];
  return admissionRegimes(relevant).map((regime) => {
    const parts = regime.policies.map((p) => summaries.get(p)!);
    return { ...regime, direct: parts.some((s) => s.direct), indirect: parts.flatMap((s) => s.indirect) };
  });
}
