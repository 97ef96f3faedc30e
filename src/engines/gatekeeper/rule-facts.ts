/** RuleFacts for an analysed Rego entry rule, under the admission scope and enforcement it runs with. */
import type { Enforcement, RuleFacts, SourceRef, SubresourceReach } from '../../facts';
import type { EntryRuleFacts } from '../rego/analysis';

export interface RunContext {
  /** Pods reach the rule (the constraint matches Pod). */
  matchesPod: boolean;
  /** Only pod controllers are matched: where that is declared. */
  controllersOnlyAt?: SourceRef;
  ephemeralSubresource: SubresourceReach;
  subresourceAt: SourceRef;
  enforcement: Enforcement;
}

/** A rule that reads only pod templates never checks a bare Pod, whatever the match says. */
export function ruleFacts(e: EntryRuleFacts & { nodeOsSelection?: SourceRef }, run: RunContext): RuleFacts {
  const controllersOnlyAt = run.controllersOnlyAt ?? e.templateOnlyAt;
  return {
    name: e.name,
    at: e.at,
    checks: e.checks,
    listRefs: e.listRefs,
    scope: {
      matchesPod: run.matchesPod && !e.templateOnlyAt,
      ...(controllersOnlyAt ? { controllersOnlyAt } : {}),
      ephemeralSubresource: run.ephemeralSubresource,
      subresourceAt: run.subresourceAt,
      ...(e.updateSkipped ? { updateSkipped: e.updateSkipped } : {}),
    },
    enforcement: run.enforcement,
    unanalyzable: e.unanalyzable,
    ...(e.forbidsEphemeral ? { forbidsEphemeral: e.forbidsEphemeral } : {}),
    ...(e.nodeOsSelection ? { nodeOsSelection: e.nodeOsSelection } : {}),
  };
}
