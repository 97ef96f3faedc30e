import { draft, label, ownRules } from './shared/draft';
import type { RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'webhook-fail-open',
    severity: 'note',
    summary: 'A webhook that receives pods fails open (failurePolicy: Ignore): a policy-engine outage admits everything',
  },
  check: (ctx) =>
    ctx.policies.flatMap((p) =>
      ownRules(p)
        .filter((r) => r.failOpen && r.scope.matchesPod)
        .map((r) =>
          draft(
            p,
            r.failOpen!.at,
            `${label(p)} webhook "${r.name}" receives pods but fails open (${r.failOpen!.reason}): while the policy engine is down or slow, every pod and every kubectl debug container is admitted unchecked`,
            'set failurePolicy: Fail and run the policy engine highly available (replicas, PodDisruptionBudget)',
            { rule: r },
          ),
        ),
    ),
};
