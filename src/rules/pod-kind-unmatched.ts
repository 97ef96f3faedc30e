import { draft, label, ownRules } from './shared/draft';
import type { RuleModule } from './types';

const HINTS: Record<string, string> = {
  kyverno: 'match kind Pod (Kyverno autogen then covers the controllers too)',
  gatekeeper: 'add {apiGroups: [""], kinds: ["Pod"]} to the constraint\'s match.kinds and read input.review.object.spec',
};

export const rule: RuleModule = {
  meta: {
    id: 'pod-kind-unmatched',
    severity: 'warning',
    summary: 'The rule matches only pod controllers, not Pod',
  },
  check: (ctx) =>
    ctx.policies.flatMap((p) =>
      ownRules(p)
        .filter((r) => r.scope.controllersOnlyAt && r.checks.length > 0)
        .map((r) =>
          draft(
            p,
            r.scope.controllersOnlyAt!,
            `${label(p, r)} matches only pod controllers: bare Pods, and every container kubectl debug adds, are never checked`,
            HINTS[p.engine] ?? 'match Pod as well as the controllers',
            { rule: r },
          ),
        ),
    ),
};
