import { draft } from './shared/draft';
import { hostProcessVerdicts } from './shared/hostprocess-set';
import { hostProcessReach } from './shared/versions';
import type { FindingDraft, RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'hostprocess-indirect-only',
    severity: 'warning',
    feature: 'hostProcess',
    summary: 'hostProcess is blocked only through a hostNetwork rule',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    const seen = new Set<string>();
    for (const v of hostProcessVerdicts(ctx.policies)) {
      if (v.direct) continue;
      for (const e of v.indirect) {
        const key = `${e.at.file}:${e.at.line}:${e.at.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const p = v.policies.find((x) => x.policy === e.policy)!;
        out.push(
          draft(
            p,
            e.at,
            `HostProcess containers are blocked only because this forbids hostNetwork: an exemption or change to the hostNetwork rule silently admits them (${hostProcessReach(ctx)})`,
            'add an explicit windowsOptions.hostProcess check at the pod level and in containers (the API server makes the other lists agree with containers)',
            { control: 'windowsHostProcess' },
          ),
        );
      }
    }
    return out;
  },
};
