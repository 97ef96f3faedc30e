import { debugContainerCanViolate, debugImpossible } from './shared/container-lists';
import { draft, label, mutatingNote, ownRules } from './shared/draft';
import { ephemeralReach } from './shared/versions';
import type { RuleModule } from './types';

const HINTS: Record<string, string> = {
  kyverno: 'match operations [CREATE, UPDATE] and let preconditions, deny conditions and CEL guards hold for UPDATE',
  gatekeeper: 'drop the UPDATE guard (e.g. not is_update(input.review)) or exempt only non-ephemeral updates',
  'gatekeeper-cel': 'drop the request.operation guard (e.g. variables.isUpdate || …) or let it hold for UPDATEs on pods/ephemeralcontainers',
  rego: 'drop the UPDATE guard so pods/ephemeralcontainers updates are checked',
  webhook: 'add UPDATE to the operations of the rule that matches pods/ephemeralcontainers',
  vap: 'include UPDATE in matchConstraints and drop request.operation guards that skip it',
  'kyverno-cel': 'include UPDATE in matchConstraints and drop request.operation guards that skip it',
};

export const rule: RuleModule = {
  meta: {
    id: 'ephemeral-update-skipped',
    severity: 'error',
    feature: 'ephemeralContainers',
    summary: 'The policy skips UPDATE requests, so ephemeral containers added by kubectl debug are never checked',
  },
  // Where an enforced policy forbids ephemeral containers outright, kubectl debug cannot add one.
  check: (ctx) =>
    (debugImpossible(ctx) ? [] : ctx.policies).flatMap((p) =>
      ownRules(p)
        .filter(
          (r) =>
            r.scope.matchesPod &&
            r.scope.updateSkipped &&
            (r.registrationOnly || r.checks.some((c) => !c.presenceOnly && debugContainerCanViolate(c))),
        )
        // A mutating webhook that misses the subresource too is noted once, by ephemeral-subresource-unmatched.
        .filter((r) => !(r.mutating && r.scope.ephemeralSubresource === 'no'))
        .map((r) => {
          const skips = `${label(p, r)} skips UPDATE (${r.scope.updateSkipped!.reason})`;
          if (r.mutating) return mutatingNote(p, r.scope.updateSkipped!.at, skips, r);
          return draft(
            p,
            r.scope.updateSkipped!.at,
            `${skips}; ephemeral containers arrive as an UPDATE on pods/ephemeralcontainers and are never checked at admission (${ephemeralReach(ctx)})`,
            HINTS[p.engine === 'gatekeeper' && r.name === 'K8sNativeValidation' ? 'gatekeeper-cel' : p.engine] ?? 'let UPDATE requests reach the rule (operations, preconditions, operation guards) so kubectl debug is checked',
            { rule: r, location: 'ephemeralContainers' },
          );
        }),
    ),
};
