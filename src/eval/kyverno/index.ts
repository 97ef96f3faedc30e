/**
 * Kyverno ClusterPolicy / Policy evaluation on an admission request: the common Evaluator over
 * `evaluatePolicy`, one Decision per rule that matches.
 */
import type { AdmissionRequest, ClusterContext, Decision, Evaluator, KubeObject, Verdict } from '../../admission';
import { evaluatePolicy, type RuleStatus } from './engine';
import { isMap } from './values';

export { evaluatePolicy, type EvalInput, type PolicyResponse, type RuleResponse, type RuleStatus } from './engine';
export type { RequestInfo } from './match';

function namespaceLabels(cluster: ClusterContext, ns: string | undefined): Record<string, string> {
  const meta = ns ? cluster.namespaces.get(ns)?.metadata : undefined;
  const labels = isMap(meta) && isMap(meta.labels) ? meta.labels : {};
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

/** A rule's status as an admission verdict: a failing rule denies only when its failure action is Enforce. */
function verdictOf(status: RuleStatus, enforce: boolean): Verdict {
  switch (status) {
    case 'fail':
      return enforce ? 'deny' : 'audit';
    case 'pass':
      return 'admit';
    case 'skip':
      return 'not-evaluated';
    case 'warn':
      return 'warn';
    case 'undecided':
      return 'undecided';
    default:
      return 'error';
  }
}

/** Evaluates Kyverno policies on requests; policies are ClusterPolicy / Policy objects as plain JSON. */
export function kyvernoEvaluator(policies: readonly KubeObject[], exceptions: readonly KubeObject[] = []): Evaluator {
  return {
    engine: 'kyverno',
    evaluate(request: AdmissionRequest, cluster: ClusterContext): Decision[] {
      const resource = request.operation === 'DELETE' ? request.oldObject : request.object;
      if (!resource) return [];
      const user = request.userInfo;
      const out: Decision[] = [];
      for (const policy of policies) {
        const resp = evaluatePolicy(policy, {
          request,
          resource,
          namespaceLabels: namespaceLabels(cluster, request.namespace),
          info: { username: user.username, groups: user.groups ?? [], roles: [], clusterRoles: [], empty: false, rolesUnknown: true },
          exceptions: [...exceptions],
          values: () => ({}),
        });
        const matched = new Set(resp.rules.map((r) => r.rule));
        for (const r of resp.rules) {
          out.push({ engine: 'kyverno', policy: resp.policy, rule: r.rule, verdict: verdictOf(r.status, resp.enforce(r.rule)), messages: r.message ? [r.message] : [], ...(r.status !== 'pass' && r.status !== 'fail' ? { reason: r.message } : {}) });
        }
        if (matched.size === 0) out.push({ engine: 'kyverno', policy: resp.policy, verdict: 'not-evaluated', messages: [], reason: 'no rule matches the request' });
      }
      return out;
    },
  };
}
