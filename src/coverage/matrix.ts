/**
 * The policy-set coverage matrix: for every control and Pod location, the blocking policies that
 * enforce it as seen at admission. An ephemeral-container check in a policy that skips UPDATE or
 * never receives `pods/ephemeralcontainers` does not count: `kubectl debug` never reaches it.
 */
import { CONTROLS, type ControlId } from '../catalog/controls';
import type { Check, EngineId, Location, PolicyFacts, PolicyRef, RuleFacts, SourceRef } from '../facts';
import { LOCATIONS } from '../facts';

export interface CoverageEntry {
  engine: EngineId;
  policy: PolicyRef;
  rule: string;
  fields: string[];
  at: SourceRef;
  /** The policy's namespace scope (Pod Security labels); absent when it applies cluster-wide. */
  namespaces?: string[];
  /** Namespaces a cluster-wide policy does not reach (PSA defaults overridden there). */
  excludedNamespaces?: string[];
}

export type Coverage = Record<ControlId, Record<Location, CoverageEntry[]>>;

/** Whether a rule's checks at `location` are enforced at admission. */
function enforcedAt(rule: RuleFacts, location: Location, hidden: boolean): boolean {
  // Fail closed: a rule with logic polcov could not follow covers nothing.
  if (!rule.enforcement.blocking || !rule.scope.matchesPod || rule.unanalyzable.length > 0) return false;
  if (location !== 'ephemeralContainers') return true;
  return !hidden && !rule.scope.updateSkipped && rule.scope.ephemeralSubresource !== 'no';
}

/** A rule that rejects every ephemeral container covers each control they could violate. */
function forbiddenChecks(r: RuleFacts): Check[] {
  if (!r.forbidsEphemeral) return [];
  return CONTROLS.filter((c) => c.ephemeralSettable && c.containerFields.length > 0).map((c) => ({
    control: c.id,
    location: 'ephemeralContainers',
    field: '(no ephemeral containers allowed)',
    at: r.forbidsEphemeral!,
  }));
}

/**
 * Engines whose scanned webhook registrations never deliver `kubectl debug` (no UPDATE on
 * pods/ephemeralcontainers): none of their policies sees an ephemeral container, whatever it checks.
 */
function enginesBlindToDebug(policies: PolicyFacts[]): Set<EngineId> {
  const hooks = policies.flatMap((p) => p.rules.filter((r) => r.registrationOnly && r.serves));
  const engines = new Set(hooks.map((r) => r.serves!));
  const seeing = hooks.filter((r) => r.scope.ephemeralSubresource !== 'no' && !r.scope.updateSkipped).map((r) => r.serves!);
  for (const e of seeing) engines.delete(e);
  return engines;
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
  // One entry per cell, policy and rule; the index keeps building linear in the number of checks.
  const index = new Map<string, CoverageEntry>();
  const blind = enginesBlindToDebug(policies);
  policies.forEach((p, pi) => {
    for (const r of p.rules) {
      for (const ch of [...r.checks, ...forbiddenChecks(r)]) {
        if (ch.presenceOnly || !enforcedAt(r, ch.location, blind.has(p.engine))) continue;
        const cell = cov[ch.control][ch.location];
        const key = `${ch.control}|${ch.location}|${pi}|${r.name}`;
        const existing = index.get(key);
        if (existing) {
          if (!existing.fields.includes(ch.field)) existing.fields.push(ch.field);
        } else {
          const entry: CoverageEntry = {
            engine: p.engine,
            policy: p.policy,
            rule: r.name,
            fields: [ch.field],
            at: ch.at,
            ...(p.namespaces ? { namespaces: p.namespaces } : {}),
            ...(p.excludedNamespaces ? { excludedNamespaces: p.excludedNamespaces } : {}),
          };
          index.set(key, entry);
          cell.push(entry);
        }
      }
    }
  });
  return cov;
}

export { admissionRegimes, type Regime } from './regimes';
