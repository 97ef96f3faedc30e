/**
 * The policy-set coverage matrix: for every control and Pod location, the blocking policies that
 * enforce it as seen at admission. An ephemeral-container check in a policy that skips UPDATE or
 * never receives `pods/ephemeralcontainers` does not count: `kubectl debug` never reaches it.
 */
import { CONTROLS, type ControlId } from '../catalog/controls';
import type { EngineId, Location, PolicyFacts, PolicyRef, RuleFacts, SourceRef } from '../facts';
import { LOCATIONS } from '../facts';

export interface CoverageEntry {
  engine: EngineId;
  policy: PolicyRef;
  rule: string;
  fields: string[];
  at: SourceRef;
}

export type Coverage = Record<ControlId, Record<Location, CoverageEntry[]>>;

/** Whether a rule's checks at `location` are enforced at admission. */
export function enforcedAt(rule: RuleFacts, location: Location): boolean {
  if (!rule.enforcement.blocking || !rule.scope.matchesPod) return false;
  if (location !== 'ephemeralContainers') return true;
  return !rule.scope.updateSkipped && rule.scope.ephemeralSubresource !== 'no';
}

function emptyCoverage(): Coverage {
  const c = {} as Coverage;
  for (const ctl of CONTROLS) {
    c[ctl.id] = Object.fromEntries(LOCATIONS.map((l) => [l, []])) as unknown as Record<Location, CoverageEntry[]>;
  }
  return c;
}

export function buildCoverage(policies: PolicyFacts[]): Coverage {
  const cov = emptyCoverage();
  for (const p of policies) {
    for (const r of p.rules) {
      for (const ch of r.checks) {
        if (ch.presenceOnly || !enforcedAt(r, ch.location)) continue;
        const cell = cov[ch.control][ch.location];
        const existing = cell.find((e) => e.policy === p.policy && e.rule === r.name);
        if (existing) {
          if (!existing.fields.includes(ch.field)) existing.fields.push(ch.field);
        } else {
          cell.push({ engine: p.engine, policy: p.policy, rule: r.name, fields: [ch.field], at: ch.at });
        }
      }
    }
  }
  return cov;
}

/**
 * The regimes a Pod may be admitted under: every non-alternative policy applies together, plus
 * exactly one of the alternatives (PSPs, the only alternatives so far). One regime per alternative.
 */
export function regimes(policies: PolicyFacts[]): PolicyFacts[][] {
  const always = policies.filter((p) => !p.alternativeGroup);
  const alternatives = policies.filter((p) => p.alternativeGroup);
  if (alternatives.length === 0) return [always];
  return alternatives.map((a) => [...always, a]);
}
