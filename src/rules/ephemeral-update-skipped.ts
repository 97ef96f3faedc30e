import { control } from '../catalog/controls';
import { draft, label, ownRules } from './shared/draft';
import type { RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'ephemeral-update-skipped',
    severity: 'error',
    summary: 'The policy skips UPDATE requests, so ephemeral containers added by kubectl debug are never checked',
  },
  check: (ctx) =>
    ctx.policies.flatMap((p) =>
      ownRules(p)
        .filter(
          (r) =>
            r.scope.matchesPod &&
            r.scope.updateSkipped &&
            (r.registrationOnly || r.checks.some((c) => c.location !== 'pod' && !c.presenceOnly && control(c.control).ephemeralSettable)),
        )
        .map((r) =>
          draft(
            p,
            r.scope.updateSkipped!.at,
            `${label(p, r)} skips UPDATE (${r.scope.updateSkipped!.reason}); ephemeral containers arrive as an UPDATE on pods/ephemeralcontainers and are never checked at admission`,
            'let UPDATE requests reach the rule (operations, preconditions, operation guards) so kubectl debug is checked',
            { rule: r, location: 'ephemeralContainers' },
          ),
        ),
    ),
};
