import type { PolicyFacts, SourceRef } from '../facts';
import { draft, label } from './shared/draft';
import { hostProcessVerdicts, type RegimeVerdict } from './shared/hostprocess-set';
import { checksPods, isPodPolicy } from './shared/relevance';
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
 * Security label), the check of `privileged` people mistake for it (where a hostProcess check is
 * naturally added), the Pod Security defaults, else the first policy that checks containers.
 */
function anchor(v: RegimeVerdict): Anchor | undefined {
  if (v.alternative) {
    const grant = v.alternative.grants?.find((g) => g.field === 'spec.hostNetwork');
    return { policy: v.alternative, at: grant?.at ?? v.alternative.at, why: grant ? ' (it allows hostNetwork: true)' : '' };
  }
  const own = v.namespace !== undefined ? v.policies.find((p) => p.namespaces?.includes(v.namespace!)) : undefined;
  if (own) return { policy: own, ...(own.engine === 'psa' ? podSecurityWhy(own, 'it') : { at: own.rules[0]?.at ?? own.at, why: '' }) };
  const privileged = (blocking: boolean): Anchor | undefined => {
    for (const p of v.policies) {
      for (const r of p.rules) {
        const priv = r.checks.find((c) => c.control === 'privileged');
        if (priv && r.enforcement.blocking === blocking) return { policy: p, at: priv.at, why: ' (blocking privileged does not block hostProcess)' };
      }
    }
    return undefined;
  };
  const blocked = privileged(true);
  if (blocked) return blocked;
  const defaults = v.policies.find((p) => p.engine === 'psa' && p.rules.length > 0);
  if (defaults) return { policy: defaults, ...podSecurityWhy(defaults, 'the Pod Security default') };
  const audited = privileged(false);
  if (audited) return { ...audited, why: '' };
  const containers = v.policies.find((p) => p.rules.some((r) => checksPods(r) && r.checks.some((c) => c.location !== 'pod')));
  const first = containers ?? v.policies[0];
  return first && { policy: first, at: containers?.rules.find(checksPods)?.at ?? first.at, why: '' };
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
    feature: 'hostProcess',
    summary: 'No blocking policy in the scanned set stops Windows HostProcess containers, directly or indirectly',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    const open = hostProcessVerdicts(ctx.policies).filter((v) => !v.direct && v.indirect.length === 0);
    const anchors = new Map(open.map((v) => [v, anchor(v)]));
    // A regime with no policy at all (only namespaced ones were scanned) makes no claim.
    const clusterOpen = open.some((v) => v.namespace === undefined && !v.alternative && anchors.get(v));
    // Where the whole cluster is open, a namespace whose own policies (not a Pod Security label) add no
    // HostProcess check has the same gap with the same fix: it is part of the one cluster-wide finding.
    const folded = (v: RegimeVerdict): boolean =>
      clusterOpen && v.namespace !== undefined && !v.alternative && !v.policies.some((p) => p.engine === 'psa' && p.namespaces?.includes(v.namespace!));
    // Namespaces named by policies that check Pods, never by other objects that happen to be scanned.
    const scoped = [...new Set(ctx.policies.filter(isPodPolicy).flatMap((p) => p.namespaces ?? []))]
      .filter((n) => !open.some((v) => v.namespace === n && folded(v)))
      .sort();
    for (const v of open) {
      const a = anchors.get(v);
      if (!a || folded(v)) continue;
      out.push(
        draft(a.policy, a.at, `${subject(v, a, scoped)} (${hostProcessReach(ctx)})`, 'block windowsOptions.hostProcess at the pod level and in containers (the API server makes the other lists agree with them), or enforce PSA baseline', {
          control: 'windowsHostProcess',
        }),
      );
    }
    return out;
  },
};
