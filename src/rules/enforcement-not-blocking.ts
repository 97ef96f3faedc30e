import { draft, label, ownRules } from './shared/draft';
import type { FindingDraft, RuleModule } from './types';

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
        if (e.blocking || seen.has(key)) continue;
        seen.add(key);
        out.push(
          draft(
            p,
            e.at,
            `${label(p)} does not block (${e.action}): its checks are not counted as coverage`,
            p.engine === 'kyverno' ? 'set validationFailureAction (or failureAction) to Enforce once the policy is tuned' : 'switch the enforcement action to deny',
            { rule: r },
          ),
        );
      }
    }
    return out;
  },
};
