/**
 * The policy-set coverage matrix: for every control and Pod location, the blocking policies that
 * enforce it as seen at admission. An ephemeral-container check in a policy that skips UPDATE or
 * never receives `pods/ephemeralcontainers` does not count: `kubectl debug` never reaches it. A
 * check elsewhere in the Pod counts only if a Pod CREATE reaches the policy: pod security fields
 * cannot change on an ordinary UPDATE. Alternatives (PSPs) count only where all of them agree.
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

/** What the scanned validating webhooks of an engine deliver to its policies. */
interface Delivery {
  /** Some webhook sends Pod CREATEs. */
  podCreate: boolean;
  /** Some webhook sends `kubectl debug` (UPDATE on pods/ephemeralcontainers). */
  debug: boolean;
}

/** Whether a rule's checks at `location` are enforced at admission. */
function enforcedAt(rule: RuleFacts, location: Location, delivery: Delivery | undefined): boolean {
  // Fail closed: a rule with logic polcov could not follow covers nothing.
  if (!rule.enforcement.blocking || !rule.scope.matchesPod || rule.unanalyzable.length > 0) return false;
  // The half of a dual-engine Gatekeeper template that the target release does not run.
  if (rule.codeEngine && !rule.codeEngine.active) return false;
  if (location !== 'ephemeralContainers') return rule.scope.podCreate !== false && (delivery?.podCreate ?? true);
  return (delivery?.debug ?? true) && !rule.scope.updateSkipped && rule.scope.ephemeralSubresource !== 'no';
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
 * What the scanned webhook registrations in front of each engine deliver (only validating webhooks
 * set `serves`). When none of them sends `kubectl debug` (UPDATE on pods/ephemeralcontainers), none
 * of the engine's policies sees an ephemeral container; when none sends Pod CREATEs, none sees a new
 * Pod; a webhook that receives no pods at all delivers neither. Engines without scanned webhooks are
 * absent: nothing is known about their registration.
 */
function engineDelivery(policies: PolicyFacts[]): Map<EngineId, Delivery> {
  const out = new Map<EngineId, Delivery>();
  for (const r of policies.flatMap((p) => p.rules.filter((x) => x.registrationOnly && x.serves))) {
    const d = out.get(r.serves!) ?? { podCreate: false, debug: false };
    if (r.scope.matchesPod && r.scope.podCreate !== false) d.podCreate = true;
    if (r.scope.matchesPod && r.scope.ephemeralSubresource !== 'no' && !r.scope.updateSkipped) d.debug = true;
    out.set(r.serves!, d);
  }
  return out;
}

/** Cell (`control|location`) → the fields checked there. */
type CellFields = Map<string, Set<string>>;

const cellKey = (ch: Check): string => `${ch.control}|${ch.location}`;

function cellFields(checks: Check[]): CellFields {
  const out: CellFields = new Map();
  for (const ch of checks) {
    const fields = out.get(cellKey(ch)) ?? new Set<string>();
    fields.add(ch.field);
    out.set(cellKey(ch), fields);
  }
  return out;
}

function intersect(a: CellFields, b: CellFields): CellFields {
  const out: CellFields = new Map();
  for (const [cell, fields] of a) {
    const common = [...fields].filter((f) => b.get(cell)?.has(f));
    if (common.length > 0) out.set(cell, new Set(common));
  }
  return out;
}

/**
 * For each alternative group (PSPs), the cells and fields every one of its alternatives covers: only
 * one of them applies to a Pod and the weakest one a user may use decides, so what one alternative
 * leaves open is open for the group.
 */
function agreedCells(policies: PolicyFacts[], counted: Check[][]): Map<string, CellFields> {
  const out = new Map<string, CellFields>();
  policies.forEach((p, pi) => {
    if (!p.alternativeGroup) return;
    const mine = cellFields(counted[pi]!);
    const sofar = out.get(p.alternativeGroup);
    out.set(p.alternativeGroup, sofar ? intersect(sofar, mine) : mine);
  });
  return out;
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
  const delivery = engineDelivery(policies);
  const counted = policies.map((p) =>
    p.rules.flatMap((r) =>
      [...r.checks, ...forbiddenChecks(r)]
        .filter((ch) => !ch.presenceOnly && !ch.existential && !ch.viaTemplate && enforcedAt(r, ch.location, delivery.get(p.engine)))
        .map((ch) => ({ r, ch })),
    ),
  );
  const agreed = agreedCells(policies, counted.map((cs) => cs.map(({ ch }) => ch)));
  policies.forEach((p, pi) => {
    const group = p.alternativeGroup ? agreed.get(p.alternativeGroup) : undefined;
    for (const { r, ch } of counted[pi]!) {
      if (group && !group.get(cellKey(ch))?.has(ch.field)) continue;
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
  });
  return cov;
}

export { admissionRegimes, type Regime } from './regimes';
