import type { PolicyFacts, SourceRef } from '../facts';
import { draft, label } from './shared/draft';
import { hostProcessVerdicts, type RegimeVerdict } from './shared/hostprocess-set';
import { hostProcessReach } from './shared/versions';
import type { FindingDraft, RuleModule } from './types';

interface Anchor {
  policy: PolicyFacts;
  at: SourceRef;
  why: string;
}

/** A Pod Security setting that leaves the regime open: what it enforces, or why it does not. */
function podSecurityWhy(p: PolicyFacts, who: string): { at: SourceRef; why: string } {
  const enforce = p.rules.find((r) => r.name.endsWith('enforce'));
  if (!enforce) return { at: p.rules[0]?.at ?? p.at, why: ' (Pod Security only audits or warns there)' };
  const why = enforce.enforcement.blocking ? `${who} enforces ${enforce.enforcement.action.replace(/^enforce: /, '')}` : enforce.enforcement.action;
  return { at: enforce.at, why: ` (${why})` };
}

/**
 * Where to point a set-level gap: a grant that opens it, the namespace's own policy (its Pod
 * Security label), a privileged check people mistake for it, else the Pod Security defaults.
 */
function anchor(v: RegimeVerdict): Anchor | undefined {
  if (v.alternative) {
    const grant = v.alternative.grants?.find((g) => g.field === 'spec.hostNetwork');
    return { policy: v.alternative, at: grant?.at ?? v.alternative.at, why: grant ? ' (it allows hostNetwork: true)' : '' };
  }
  const own = v.namespace !== undefined ? v.policies.find((p) => p.namespaces?.includes(v.namespace!)) : undefined;
  if (own) return { policy: own, ...(own.engine === 'psa' ? podSecurityWhy(own, 'it') : { at: own.rules[0]?.at ?? own.at, why: '' }) };
  for (const p of v.policies) {
    for (const r of p.rules) {
      const priv = r.checks.find((c) => c.control === 'privileged');
      if (priv && r.enforcement.blocking) return { policy: p, at: priv.at, why: ' (blocking privileged does not block hostProcess)' };
    }
  }
  const defaults = v.policies.find((p) => p.engine === 'psa' && p.rules.length > 0);
  if (defaults) return { policy: defaults, ...podSecurityWhy(defaults, 'the Pod Security default') };
  const first = v.policies[0];
  return first && { policy: first, at: first.at, why: '' };
}

function subject(v: RegimeVerdict, a: Anchor, scoped: string[]): string {
  if (v.alternative) return `${label(v.alternative)} admits HostProcess pods${a.why}, and no other blocking policy stops them`;
  if (v.namespace !== undefined) return `In namespace ${v.namespace}, no blocking policy stops Windows HostProcess containers${a.why}`;
  if (scoped.length > 0) return `In namespaces other than ${scoped.join(', ')}, no blocking policy stops Windows HostProcess containers${a.why}`;
  return `No blocking policy in the scanned set stops Windows HostProcess containers${a.why}`;
}

export const rule: RuleModule = {
  meta: {
    id: 'hostprocess-unchecked',
    severity: 'error',
    summary: 'No blocking policy in the scanned set stops Windows HostProcess containers, directly or indirectly',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    const scoped = [...new Set(ctx.policies.flatMap((p) => p.namespaces ?? []))].sort();
    for (const v of hostProcessVerdicts(ctx.policies)) {
      if (v.direct || v.indirect.length > 0) continue;
      // A regime with no policy at all (only namespaced ones were scanned) makes no claim.
      const a = anchor(v);
      if (!a) continue;
      out.push(
        draft(a.policy, a.at, `${subject(v, a, scoped)} (${hostProcessReach(ctx)})`, 'block windowsOptions.hostProcess at the pod level and in containers (the API server makes the other lists agree with them), or enforce PSA baseline', {
          control: 'windowsHostProcess',
        }),
      );
    }
    return out;
  },
};
