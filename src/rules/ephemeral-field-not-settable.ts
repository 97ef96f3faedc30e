import { control } from '../catalog/controls';
import type { PolicyFacts, RuleFacts } from '../facts';
import { draft, label, ownRules, title } from './shared/draft';
import type { FindingDraft, RuleModule } from './types';

const HINTS: Record<string, string> = {
  kyverno: 'drop the ephemeralContainers branch for this field, or make it conditional (=(field))',
  gatekeeper: 'check this field on containers and initContainers only',
  rego: 'check this field on containers and initContainers only',
};
const CEL_HINT = 'leave ephemeralContainers out of the list this field is required on (containers and initContainers only)';

/**
 * What the impossible requirement breaks depends on the registration: a policy that receives
 * `pods/ephemeralcontainers` rejects the debug UPDATE itself; one that receives only `pods` lets
 * the debug container in and then rejects every later update of that pod.
 */
function consequence(r: RuleFacts): string {
  return r.scope.ephemeralSubresource === 'no'
    ? 'kubectl debug is not checked, but every later update of a debugged pod is rejected'
    : 'every kubectl debug is rejected';
}

function hint(p: PolicyFacts): string {
  return HINTS[p.engine] ?? CEL_HINT;
}

export const rule: RuleModule = {
  meta: {
    id: 'ephemeral-field-not-settable',
    severity: 'warning',
    feature: 'ephemeralContainers',
    summary: 'A rule requires ephemeral containers to set a field they cannot have, so kubectl debug (or every later update of a debugged pod) fails',
  },
  check: (ctx) => {
    const out: FindingDraft[] = [];
    for (const p of ctx.policies) {
      for (const r of ownRules(p)) {
        const seen = new Set<string>();
        for (const c of r.checks) {
          if (c.location !== 'ephemeralContainers' || !c.requiresPresence || control(c.control).ephemeralSettable) continue;
          if (seen.has(c.control)) continue;
          seen.add(c.control);
          out.push(
            draft(
              p,
              c.at,
              `${label(p, r)} requires ephemeral containers to set ${c.field}, which the API forbids on them (${title(c.control)}): ${consequence(r)}`,
              hint(p),
              { rule: r, control: c.control, location: 'ephemeralContainers' },
            ),
          );
        }
      }
    }
    return out;
  },
};
