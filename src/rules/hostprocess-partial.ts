import { LOCATIONS, type Check } from '../facts';
import { draft, label, ownRules } from './shared/draft';
import { hostProcessReach } from './shared/versions';
import type { FindingDraft, RuleModule } from './types';

const WHERE: Record<string, string> = {
  pod: 'the pod level (spec.securityContext.windowsOptions.hostProcess)',
  containers: 'containers',
  initContainers: 'initContainers',
  ephemeralContainers: 'ephemeralContainers',
};

export const rule: RuleModule = {
  meta: {
    id: 'hostprocess-partial',
    severity: 'error',
    feature: 'hostProcess',
    summary: 'hostProcess is checked at the pod level only, the container level only, or in some container lists only',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    for (const p of ctx.policies) {
      const checks: Check[] = ownRules(p).flatMap((r) =>
        r.checks.filter((c) => c.control === 'windowsHostProcess' && !c.presenceOnly),
      );
      if (checks.length === 0) continue;
      const missing = LOCATIONS.filter((l) => !checks.some((c) => c.location === l));
      if (missing.length === 0) continue;
      const first = checks[0]!;
      out.push(
        draft(
          p,
          first.at,
          `${label(p)} checks windowsOptions.hostProcess but not at ${missing.map((m) => WHERE[m]).join(', ')}: a HostProcess pod can set it there (${hostProcessReach(ctx)})`,
          'check hostProcess at spec.securityContext.windowsOptions and in containers, initContainers and ephemeralContainers',
          { control: 'windowsHostProcess', location: missing[0]! },
        ),
      );
    }
    return out;
  },
};
