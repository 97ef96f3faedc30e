import type { PolicyFacts, SourceRef } from '../facts';
import { draft, label } from './shared/draft';
import { hostProcessVerdicts } from './shared/hostprocess-set';
import type { FindingDraft, RuleModule } from './types';

/** Where to point a set-level gap: a grant that opens it, else a privileged check people mistake for it. */
function anchor(set: PolicyFacts[], alternative?: PolicyFacts): { policy: PolicyFacts; at: SourceRef; why: string } | undefined {
  if (alternative) {
    const grant = alternative.grants?.find((g) => g.field === 'spec.hostNetwork');
    return { policy: alternative, at: grant?.at ?? alternative.at, why: grant ? ' (it allows hostNetwork: true)' : '' };
  }
  for (const p of set) {
    for (const r of p.rules) {
      const priv = r.checks.find((c) => c.control === 'privileged');
      if (priv && r.enforcement.blocking) return { policy: p, at: priv.at, why: ' (blocking privileged does not block hostProcess)' };
    }
  }
  const first = set[0];
  return first && { policy: first, at: first.at, why: '' };
}

export const rule: RuleModule = {
  meta: {
    id: 'hostprocess-unchecked',
    severity: 'error',
    summary: 'No blocking policy in the scanned set stops Windows HostProcess containers, directly or indirectly',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    for (const v of hostProcessVerdicts(ctx.policies)) {
      if (v.direct || v.indirect.length > 0) continue;
      const a = anchor(v.policies, v.alternative);
      if (!a) continue;
      const subject = v.alternative ? `${label(v.alternative)} admits HostProcess pods${a.why}, and no other blocking policy stops them` : `No blocking policy in the scanned set stops Windows HostProcess containers${a.why}`;
      out.push(
        draft(a.policy, a.at, subject, 'block windowsOptions.hostProcess at the pod level and in all three container lists (or enforce PSA baseline)', {
          control: 'windowsHostProcess',
        }),
      );
    }
    return out;
  },
};
