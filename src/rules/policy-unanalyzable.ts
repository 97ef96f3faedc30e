import { draft, label } from './shared/draft';
import { unanalyzableMatters } from './shared/relevance';
import type { RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'policy-unanalyzable',
    severity: 'error',
    summary: 'A policy could not be parsed or contains logic the analysis cannot follow',
  },
  check: (ctx) =>
    ctx.policies.flatMap((p) => [
      ...p.unanalyzable.map((u) =>
        draft(p, u.at, `${label(p)} could not be analysed: ${u.reason}; it is not counted as coverage`, 'fix the policy, or review this part by hand'),
      ),
      // One finding per rule and reason: the same problem at several call sites is one fix.
      ...p.rules.flatMap((r) =>
        // Whole-policy problems always count (fail closed); a rule's only where they could decide a Pod control.
        r.unanalyzable.filter((u, i) => unanalyzableMatters(r, u) && r.unanalyzable.findIndex((o) => o.reason === u.reason) === i).map((u) =>
          draft(p, u.at, `${label(p, r)} could not be fully analysed: ${u.reason}`, 'review this part by hand; polcov reports only what it can follow', { rule: r }),
        ),
      ),
    ]),
};
