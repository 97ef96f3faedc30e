import { draft, label, ownRules } from './shared/draft';
import { checksPods, unanalyzableMatters } from './shared/relevance';
import type { PolicyFacts } from '../facts';
import type { FindingDraft, RuleModule } from './types';

const HINTS: Record<string, string> = {
  kyverno: 'set validationFailureAction (or failureAction) to Enforce once the policy is tuned',
  'kyverno-cel': 'add Deny to spec.validationActions (and keep evaluation.admission enabled)',
  vap: 'bind the policy with a ValidatingAdmissionPolicyBinding whose validationActions include Deny',
  psa: 'set pod-security.kubernetes.io/enforce to the level you audit or warn at (and keep the namespace out of the exemptions)',
  psp: 'PodSecurityPolicy is gone from Kubernetes 1.25: enforce these controls with Pod Security Admission or a policy engine',
};

export const rule: RuleModule = {
  meta: {
    id: 'enforcement-not-blocking',
    severity: 'note',
    summary: 'The policy only audits or warns, so its checks do not block anything',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    for (const p of ctx.policies) {
      const seen = new Set<string>();
      for (const r of ownRules(p)) {
        const e = r.enforcement;
        const key = `${e.at.line}:${e.at.column}`;
        // A rule that checks no Pod control (nor might, where polcov cannot read it) would not be coverage even if it blocked.
        if (e.blocking || seen.has(key) || !(checksPods(r) || r.unanalyzable.some((u) => unanalyzableMatters(r, u)))) continue;
        seen.add(key);
        out.push(
          draft(
            p,
            e.at,
            `${label(p)} does not block (${e.action}): its checks are not counted as coverage`,
            HINTS[p.engine] ?? 'switch the enforcement action to deny',
            { rule: r },
          ),
        );
      }
    }
    const retired = retiredSet(ctx.retired);
    if (retired) out.push(retired);
    return out;
  },
};

/** Policies the target version no longer runs (PSPs from 1.25): said once per set, at the first of them. */
function retiredSet(retired: PolicyFacts[]): FindingDraft | undefined {
  const first = retired[0];
  if (!first) return undefined;
  const names = retired.map((p) => p.policy.name);
  const listed = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const what = retired.length === 1 ? `${first.policy.kind} ${listed} enforces` : `the ${retired.length} ${first.policy.kind.replace(/y$/, 'ie')}s of this set (${listed}) enforce`;
  return draft(first, first.at, `${first.retired}: on the target version ${what} nothing, and none of its checks count as coverage`, HINTS[first.engine] ?? 'enforce these controls with an admission plugin the target version runs');
}
