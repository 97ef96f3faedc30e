/** What an evaluator says about one admission request: the common result every engine returns. */
import type { SourceRef } from '../facts';
import type { AdmissionRequest, ClusterContext } from './request';

/**
 * - `deny`: the policy rejects the request (an enforcing action).
 * - `warn` / `audit`: the policy finds a violation but lets the request in (warn, dryrun, Audit).
 * - `admit`: the policy looked and found nothing.
 * - `not-evaluated`: the request never reaches the policy (match, registration, subresource).
 * - `undecided`: the outcome needs data polcov does not have (cluster lookups, `authorizer`).
 * - `error`: evaluation failed (unknown built-in, budget, conflict); never read as admit.
 */
export type Verdict = 'deny' | 'warn' | 'audit' | 'admit' | 'not-evaluated' | 'undecided' | 'error';

export interface Decision {
  /** The engine that decided, e.g. `gatekeeper-rego`, `gatekeeper-cel`, `vap`, `kyverno`. */
  engine: string;
  /** The policy (template+constraint, VAP+binding, ClusterPolicy) and, where there is one, the rule. */
  policy: string;
  rule?: string;
  verdict: Verdict;
  /** Violation messages as the engine renders them. */
  messages: string[];
  /** Why the verdict is what it is, for not-evaluated / undecided / error. */
  reason?: string;
  at?: SourceRef;
}

/** A policy set compiled for evaluation by one engine. */
export interface Evaluator {
  engine: string;
  evaluate(request: AdmissionRequest, cluster: ClusterContext): Decision[];
}

/** True when any decision rejects the request. */
export function isDenied(decisions: readonly Decision[]): boolean {
  return decisions.some((d) => d.verdict === 'deny');
}
