/** Shared logic of the two "list unchecked" rules: which controls a rule checks in which lists. */
import { control, type ControlId } from '../../catalog/controls';
import type { ContainerList, Location, PolicyFacts, RuleFacts, SourceRef } from '../../facts';
import { draft, label, ownRules } from './draft';
import type { FindingDraft, RuleContext } from '../types';

/** Control → container lists where the rule constrains it (presence-only requirements excluded). */
export function listsByControl(r: RuleFacts): Map<ControlId, Set<Location>> {
  const out = new Map<ControlId, Set<Location>>();
  for (const c of r.checks) {
    if (c.presenceOnly) continue;
    let s = out.get(c.control);
    if (!s) out.set(c.control, (s = new Set()));
    s.add(c.location);
  }
  return out;
}

export function missingListFindings(
  ctx: RuleContext,
  missing: ContainerList,
  applies: (id: ControlId) => boolean,
  hint: (p: PolicyFacts) => string,
  consequence: string,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const p of ctx.policies) {
    for (const r of ownRules(p)) {
      for (const [id, where] of listsByControl(r)) {
        if (!applies(id) || control(id).containerFields.length === 0 || where.has(missing)) continue;
        const seen = (['containers', 'initContainers', 'ephemeralContainers'] as const).filter((l) => where.has(l));
        if (seen.length === 0) continue;
        const at: SourceRef = r.listRefs[seen[0]!] ?? r.at;
        out.push(
          draft(
            p,
            at,
            `${label(p, r)} checks ${id} in ${seen.join(' and ')} but not in ${missing}: ${consequence}`,
            hint(p),
            { rule: r, control: id, location: missing },
          ),
        );
      }
    }
  }
  return out;
}
