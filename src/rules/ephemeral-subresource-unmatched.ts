import { control } from '../catalog/controls';
import { debugImpossible } from './shared/container-lists';
import { draft, label, ownRules } from './shared/draft';
import { ephemeralReach } from './shared/versions';
import type { FindingDraft, RuleModule } from './types';

const HINTS: Record<string, string> = {
  psp: 'PSPs never see subresources; enforce these controls with Pod Security Admission or a policy engine',
  webhook: 'add pods/ephemeralcontainers (or pods/*) with operation UPDATE to the webhook rules',
};

export const rule: RuleModule = {
  meta: {
    id: 'ephemeral-subresource-unmatched',
    severity: 'error',
    feature: 'ephemeralContainers',
    summary: 'The admission registration never sends pods/ephemeralcontainers to the policy',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    // Where an enforced policy forbids ephemeral containers outright, kubectl debug cannot add one.
    if (debugImpossible(ctx)) return out;
    for (const p of ctx.policies) {
      const seen = new Set<string>();
      for (const r of ownRules(p)) {
        // A webhook registration checks nothing itself but hides the subresource from every policy behind it.
        const checksContainers = r.registrationOnly || r.checks.some((c) => c.location !== 'pod' && control(c.control).ephemeralSettable);
        if (!r.scope.matchesPod || r.scope.ephemeralSubresource !== 'no' || !checksContainers) continue;
        const at = r.scope.subresourceAt ?? p.at;
        const key = `${at.file}:${at.line}:${at.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(
          draft(
            p,
            at,
            `${label(p)} never receives UPDATE requests on pods/ephemeralcontainers, so containers added by kubectl debug bypass it (${ephemeralReach(ctx)})`,
            HINTS[p.engine] ?? 'add pods/ephemeralcontainers (or pods/*) with operation UPDATE to the resources the policy matches',
            { location: 'ephemeralContainers' },
          ),
        );
      }
    }
    return out;
  },
};
