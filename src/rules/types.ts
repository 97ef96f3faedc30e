/** What a finding rule is: metadata plus a detector that only reads facts. */
import type { Finding, PolicyFacts, Severity } from '../facts';
import type { Feature } from './shared/versions';

export interface RuleMeta {
  id: string;
  severity: Severity;
  summary: string;
  /** The Kubernetes feature its findings are about: on a cluster without it they are not errors. */
  feature?: Feature;
}

export interface RuleContext {
  /** The policies in force on the target version. */
  policies: PolicyFacts[];
  /** Policies the target version no longer enforces (`retired`): reported once per set, never judged. */
  retired: PolicyFacts[];
  kubernetesMinor: number;
}

/** `severity` only when the finding is milder than its rule's level. */
export type FindingDraft = Omit<Finding, 'ruleId' | 'severity'> & { severity?: Severity };

export interface RuleModule {
  meta: RuleMeta;
  check(ctx: RuleContext): FindingDraft[];
}
