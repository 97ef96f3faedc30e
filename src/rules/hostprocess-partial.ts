import type { Check, Location } from '../facts';
import { draft, label, ownRules } from './shared/draft';
import { hostProcessReach } from './shared/versions';
import type { FindingDraft, RuleModule } from './types';

/**
 * The API server admits a pod only if all its containers are HostProcess or none is, and a
 * container's value is its own flag, else the pod's (DOMAIN.md §2). So rejecting the flag at the pod
 * level and on `containers` blocks every HostProcess pod, and init or ephemeral containers add
 * nothing. Each other combination leaves a HostProcess pod that can still be created.
 */
function openGap(checked: Set<Location>): { missing: Location; why: string } | undefined {
  if (checked.has('pod') && checked.has('containers')) return undefined;
  if (checked.has('pod')) {
    return { missing: 'containers', why: 'checks it at the pod level only: containers that set it themselves make a HostProcess pod' };
  }
  if (checked.has('containers')) {
    return { missing: 'pod', why: 'does not check the pod level (spec.securityContext.windowsOptions.hostProcess): containers inherit it from there' };
  }
  return {
    missing: 'pod',
    why: 'checks it only in initContainers or ephemeralContainers: a pod that sets it at the pod level or on its containers has none of those',
  };
}

export const rule: RuleModule = {
  meta: {
    id: 'hostprocess-partial',
    severity: 'error',
    feature: 'hostProcess',
    summary: 'A HostProcess pod can still be created: hostProcess is checked at the pod level only, in containers only without the pod level, or only in init/ephemeral containers',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    for (const p of ctx.policies) {
      const checks: Check[] = ownRules(p).flatMap((r) =>
        r.checks.filter((c) => c.control === 'windowsHostProcess' && !c.presenceOnly && !c.existential),
      );
      if (checks.length === 0) continue;
      const gap = openGap(new Set(checks.map((c) => c.location)));
      if (!gap) continue;
      out.push(
        draft(
          p,
          checks[0]!.at,
          `${label(p)} ${gap.why}, so a HostProcess pod can still be created (${hostProcessReach(ctx)})`,
          'reject hostProcess at spec.securityContext.windowsOptions and in containers (or check each container\'s effective value: its own, else the pod\'s); the API server\'s all-or-none rule then covers initContainers and ephemeralContainers',
          { control: 'windowsHostProcess', location: gap.missing },
        ),
      );
    }
    return out;
  },
};
