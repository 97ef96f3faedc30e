import { isAppArmorAnnotation } from '../catalog/controls';
import { CONTAINER_LISTS, type RuleFacts } from '../facts';
import { debugContainerCanViolate, debugImpossible } from './shared/container-lists';
import { draft, label, mutatingNote, ownRules } from './shared/draft';
import { ephemeralReach } from './shared/versions';
import type { FindingDraft, RuleModule } from './types';

const HINTS: Record<string, string> = {
  psp: 'PSPs never see subresources; enforce these controls with Pod Security Admission or a policy engine',
  webhook: 'add pods/ephemeralcontainers (or pods/*) with operation UPDATE to the webhook rules',
};

/**
 * A debug container could break the rule if it were delivered. The registration gap does not
 * depend on the body: a rule that reads a container list has it, unless every container check is
 * one an extra container cannot violate (resources, probes, HostProcess, existential checks, checks
 * only of containers that set resources or probes) or
 * the containers are read only for their AppArmor annotations.
 * A webhook registration checks nothing itself but hides the subresource from every policy behind it.
 */
function debugContainerMatters(r: RuleFacts): boolean {
  if (r.registrationOnly) return true;
  const perContainer = r.checks.filter((c) => c.location !== 'pod');
  if (perContainer.length > 0) return perContainer.some(debugContainerCanViolate);
  // Container names read to build AppArmor annotation keys: a debug container never has one.
  if (r.checks.some((c) => isAppArmorAnnotation(c.field))) return false;
  return CONTAINER_LISTS.some((l) => r.listRefs[l]);
}

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
        if (!r.scope.matchesPod || r.scope.ephemeralSubresource !== 'no' || !debugContainerMatters(r)) continue;
        const at = r.scope.subresourceAt ?? p.at;
        const key = `${at.file}:${at.line}:${at.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const never = `${label(p)} never receives UPDATE requests on pods/ephemeralcontainers`;
        out.push(
          r.mutating
            ? mutatingNote(p, at, never)
            : draft(
                p,
                at,
                `${never}, so containers added by kubectl debug bypass it (${ephemeralReach(ctx)})`,
                HINTS[p.engine] ?? 'add pods/ephemeralcontainers (or pods/*) with operation UPDATE to the resources the policy matches',
                { location: 'ephemeralContainers' },
              ),
        );
      }
    }
    return out;
  },
};
