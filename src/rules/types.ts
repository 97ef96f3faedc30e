/** What a finding rule is: metadata plus a detector that only reads facts. */
import type { Finding, PolicyFacts, Severity } from '../facts';

export interface RuleMeta {
  id: string;
  severity: Severity;
  summary: string;
}

export interface RuleContext {
  policies: PolicyFacts[];
  kubernetesMinor: number;
  /** The user named the version (--kubernetes-version); otherwise the latest is assumed. */
  explicitVersion: boolean;
}

/** `severity` only when the finding is milder than its rule's level. */
export type FindingDraft = Omit<Finding, 'ruleId' | 'severity'> & { severity?: Severity };

export interface RuleModule {
  meta: RuleMeta;
  check(ctx: RuleContext): FindingDraft[];
}
