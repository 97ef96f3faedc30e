/** Shared logic of the two "list unchecked" rules: which controls a rule checks in which lists. */
import { control, CONTROLS, extraContainerCanViolate, type ControlId } from '../../catalog/controls';
import { CONTAINER_LISTS, type Check, type ContainerList, type Location, type PolicyFacts, type RuleFacts } from '../../facts';
import type { FindingDraft, RuleContext } from '../types';
import { draft, label, ownRules } from './draft';

/**
 * Control → locations where the rule constrains each container (presence-only requirements and
 * existential checks excluded). Pod templates cannot carry ephemeral containers: template checks
 * say nothing about that list.
 */
function locationsByControl(r: RuleFacts, missing: ContainerList): Map<ControlId, Set<Location>> {
  const out = new Map<ControlId, Set<Location>>();
  for (const c of r.checks) {
    if (c.presenceOnly || c.existential || (missing === 'ephemeralContainers' && (c.viaTemplate || !settableOnEphemeral(c.onlyWith)))) continue;
    let s = out.get(c.control);
    if (!s) out.set(c.control, (s = new Set()));
    s.add(c.location);
  }
  return out;
}

const catalogueOrder = (a: ControlId, b: ControlId): number =>
  CONTROLS.findIndex((c) => c.id === a) - CONTROLS.findIndex((c) => c.id === b);

const settableOnEphemeral = (id: ControlId | undefined): boolean => !id || control(id).ephemeralSettable;

/**
 * A container check a debug container can fail on its own: not existential, of a control it can set
 * without the regular containers, and not limited to containers that set a field it cannot have.
 */
export function debugContainerCanViolate(c: Check): boolean {
  return c.location !== 'pod' && !c.existential && extraContainerCanViolate(c.control) && settableOnEphemeral(c.onlyWith);
}

/** A rule that keeps every ephemeral container out, enforced where `kubectl debug` arrives. */
export function forbidsDebugAtAdmission(r: RuleFacts): boolean {
  const runs = r.codeEngine?.active !== false;
  return Boolean(r.forbidsEphemeral) && runs && r.enforcement.blocking && r.scope.matchesPod && !r.scope.updateSkipped && r.scope.ephemeralSubresource !== 'no';
}

/** An enforced cluster-wide policy in the set forbids ephemeral containers: `kubectl debug` cannot add one anywhere. */
export function debugImpossible(ctx: RuleContext): boolean {
  return ctx.policies.some((p) => !p.namespaces && !p.partialScope && !p.alternativeGroup && p.rules.some(forbidsDebugAtAdmission));
}

/**
 * One finding per rule and missing list, naming every control the rule checks elsewhere but not
 * there: the fix is one edit, so it is one finding. `control` is the first in catalogue order.
 * All rules of a policy judge the same request, so a list another rule of the policy checks for
 * that control is no gap (of a dual-engine Gatekeeper template, only a rule of the same half: one
 * half runs, never both); and where an enforced cluster-wide policy forbids ephemeral containers
 * outright, none of them can be added.
 */
export function missingListFindings(
  ctx: RuleContext,
  missing: ContainerList,
  applies: (id: ControlId) => boolean,
  hint: (p: PolicyFacts) => string,
  consequence: string,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  if (missing === 'ephemeralContainers' && debugImpossible(ctx)) return out;
  for (const p of ctx.policies) {
    const half = (r: RuleFacts): string => r.codeEngine?.engine ?? '';
    const checkedInPolicy = new Set(
      ownRules(p).flatMap((r) => [...locationsByControl(r, missing)].flatMap(([id, where]) => [...where].map((l) => `${half(r)}|${id}|${l}`))),
    );
    if (missing === 'ephemeralContainers' && p.rules.some(forbidsDebugAtAdmission)) continue;
    for (const r of ownRules(p)) {
      // Pod templates cannot carry ephemeral containers: a controller-only rule is pod-kind-unmatched.
      if (missing === 'ephemeralContainers' && !r.scope.matchesPod) continue;
      const gaps: ControlId[] = [];
      const seenIn = new Set<ContainerList>();
      for (const [id, where] of locationsByControl(r, missing)) {
        // All-or-none controls (HostProcess) tie the other lists to containers: leaving them out is no gap.
        const c = control(id);
        if (!applies(id) || c.allOrNone || c.containerFields.length === 0 || checkedInPolicy.has(`${half(r)}|${id}|${missing}`)) continue;
        const lists = CONTAINER_LISTS.filter((l) => where.has(l));
        if (lists.length === 0) continue;
        gaps.push(id);
        lists.forEach((l) => seenIn.add(l));
      }
      if (gaps.length === 0) continue;
      gaps.sort(catalogueOrder);
      const lists = CONTAINER_LISTS.filter((l) => seenIn.has(l));
      const at = r.listRefs[lists[0]!] ?? r.at;
      out.push(
        draft(
          p,
          at,
          `${label(p, r)} checks ${gaps.join(', ')} in ${lists.join(' and ')} but not in ${missing}: ${consequence}`,
          hint(p),
          { rule: r, control: gaps[0]!, location: missing },
        ),
      );
    }
  }
  return out;
}
