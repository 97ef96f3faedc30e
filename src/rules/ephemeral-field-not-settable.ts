import { control } from '../catalog/controls';
import { draft, label, ownRules, title } from './shared/draft';
import type { FindingDraft, RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'ephemeral-field-not-settable',
    severity: 'warning',
    feature: 'ephemeralContainers',
    summary: 'A rule requires ephemeral containers to set a field they cannot have, so every kubectl debug fails',
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
              `${label(p, r)} requires ephemeral containers to set ${c.field}, which the API forbids on them (${title(c.control)}): every kubectl debug is rejected`,
              'drop the ephemeralContainers branch for this field, or make it conditional (=(field))',
              { rule: r, control: c.control, location: 'ephemeralContainers' },
            ),
          );
        }
      }
    }
    return out;
  },
};
