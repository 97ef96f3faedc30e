/**
 * A constraint (constraints.gatekeeper.sh/*): which kinds it matches, whether it blocks, and the
 * exemptions it configures. Gatekeeper's webhook (v3.9+) sends `pods/ephemeralcontainers` UPDATEs
 * to constraints that match Pod, so matching Pod is what decides whether kubectl debug is seen.
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { Enforcement, Exemption, SourceRef } from '../../facts';
import type { PolicyDoc } from '../types';

const CONTROLLERS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController']);
const WEBHOOK_POINTS = new Set(['validation.gatekeeper.sh', '*']);

export interface ConstraintFacts {
  matchesPod: boolean;
  /** Set when only pod controllers are matched. */
  controllersOnlyAt?: SourceRef;
  /** Where the matched kinds are declared. */
  kindsAt: SourceRef;
  enforcement: Enforcement;
  /** `parameters.exemptImages` entries. */
  exemptImages: Exemption[];
  /** `spec.parameters` as plain data (`{}` when absent); undefined when it cannot be read as data. */
  parameters: unknown;
  /** `match.excludedNamespaces` entries. */
  excludedNamespaces: Exemption[];
  /** `match.namespaces` by exact name: the constraint applies there only. */
  namespaces?: string[];
  /** `match.labelSelector`, `namespaceSelector` or wildcard namespaces: applies to what they pick only. */
  partialScope?: string;
}

export function readConstraint(doc: PolicyDoc): ConstraintFacts {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  const match = y.get(spec, 'match');
  const exemption = (kind: Exemption['kind']) => (n: Node): Exemption => ({ kind, value: y.str(n) ?? '', at: y.ref(n), admitsArbitraryDebug: true });
  return {
    ...readKinds(y, match, doc.at),
    enforcement: readEnforcement(y, spec, doc.at),
    exemptImages: y.items(y.at(spec, 'parameters', 'exemptImages')).map(exemption('image')),
    parameters: plainData(y.get(spec, 'parameters')),
    excludedNamespaces: y.items(y.get(match, 'excludedNamespaces')).map(exemption('namespace')),
    ...readScope(y, match),
  };
}

/** A YAML node as plain data; `{}` for none, undefined when it cannot be converted (an alias without its anchor). */
function plainData(node: Node | undefined): unknown {
  if (!node) return {};
  try {
    return node.toJSON();
  } catch {
    return undefined;
  }
}

/** Where the constraint applies, when it does not apply everywhere. */
function readScope(y: YamlDoc, match: Node | undefined): Pick<ConstraintFacts, 'namespaces' | 'partialScope'> {
  const namespaces = y.strings(y.get(match, 'namespaces'));
  const selectors = ['labelSelector', 'namespaceSelector'].filter((k) => y.get(match, k) !== undefined);
  if (selectors.length > 0) return { partialScope: `pods picked by match.${selectors.join(' and match.')}` };
  if (namespaces.some((n) => n.includes('*'))) return { partialScope: `namespaces matching ${namespaces.join(', ')}` };
  return namespaces.length > 0 ? { namespaces } : {};
}

/** One `match.kinds` entry against a group and kind: an empty list matches everything, as in Gatekeeper's matcher. */
export function kindsEntryMatches(groups: readonly string[], kinds: readonly string[], group: string, kind: string): boolean {
  const any = (list: readonly string[], v: string): boolean => list.length === 0 || list.includes('*') || list.includes(v);
  return any(groups, group) && any(kinds, kind);
}

/** `match.kinds: [{apiGroups, kinds}]`; no kinds at all matches every kind. */
function readKinds(y: YamlDoc, match: Node | undefined, fallback: SourceRef): Pick<ConstraintFacts, 'matchesPod' | 'controllersOnlyAt' | 'kindsAt'> {
  const entries = y.items(y.get(match, 'kinds'));
  const kindsAt = match ? y.keyRef(match, 'kinds') : fallback;
  if (entries.length === 0) return { matchesPod: true, kindsAt };
  let matchesPod = false;
  let controllersAt: SourceRef | undefined;
  for (const e of entries) {
    const groups = y.strings(y.get(e, 'apiGroups'));
    const kinds = y.strings(y.get(e, 'kinds'));
    // Pod is in the core group "".
    if (kindsEntryMatches(groups, kinds, '', 'Pod')) matchesPod = true;
    if (kinds.some((k) => CONTROLLERS.has(k))) controllersAt ??= y.keyRef(e, 'kinds');
  }
  return { matchesPod, kindsAt, ...(!matchesPod && controllersAt ? { controllersOnlyAt: controllersAt } : {}) };
}

/** The actions Gatekeeper knows. It compares them case-sensitively: `Deny` is none of them and never denies. */
const ACTIONS = new Set(['deny', 'dryrun', 'warn', 'scoped']);
const SCOPED_ACTIONS = new Set(['deny', 'dryrun', 'warn']);

const unrecognised = (action: string, known: Set<string>): string =>
  `${action}: not a recognised action (Gatekeeper only knows ${[...known].join(', ')}, case-sensitively), so it never denies`;

/** deny blocks; dryrun and warn do not; `scoped` blocks when it denies at the validating webhook. */
function readEnforcement(y: YamlDoc, spec: Node | undefined, fallback: SourceRef): Enforcement {
  const action = y.str(y.get(spec, 'enforcementAction'));
  if (!action) return { blocking: true, action: 'deny (default)', at: fallback };
  const at = y.keyRef(spec, 'enforcementAction');
  if (!ACTIONS.has(action)) return { blocking: false, action: unrecognised(action, ACTIONS), at };
  if (action !== 'scoped') return { blocking: action === 'deny', action, at, ...(action === 'deny' ? {} : { auditOnly: true }) };
  const odd: { action: string; at: SourceRef }[] = [];
  for (const entry of y.items(y.get(spec, 'scopedEnforcementActions'))) {
    const points = y.items(y.get(entry, 'enforcementPoints')).map((p) => y.str(y.get(p, 'name')) ?? '');
    const scoped = y.str(y.get(entry, 'action'));
    if (scoped !== undefined && !SCOPED_ACTIONS.has(scoped)) odd.push({ action: scoped, at: y.keyRef(entry, 'action') });
    if (scoped === 'deny' && points.some((p) => WEBHOOK_POINTS.has(p))) {
      return { blocking: true, action: 'scoped: deny at validation.gatekeeper.sh', at: y.keyRef(entry, 'action') };
    }
  }
  if (odd.length > 0) return { blocking: false, action: `scoped: ${unrecognised(odd[0]!.action, SCOPED_ACTIONS)}`, at: odd[0]!.at };
  const where = y.get(spec, 'scopedEnforcementActions') ? y.keyRef(spec, 'scopedEnforcementActions') : at;
  return { blocking: false, action: 'scoped: no deny at validation.gatekeeper.sh', at: where, auditOnly: true };
}
