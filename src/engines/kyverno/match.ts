/**
 * Kyverno `match`/`exclude`: which kinds and operations reach a rule, and so whether Pods, their
 * `ephemeralcontainers` subresource and UPDATE requests are seen at admission.
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { AdmissionScope, Exemption, SourceRef } from '../../facts';

/** Pod controllers Kyverno's autogen targets. */
const CONTROLLERS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController']);

interface Filter {
  kinds: { value: string; at: SourceRef }[];
  kindsAt: SourceRef;
  operations?: { values: string[]; at: SourceRef };
  /** The filter narrows by something other than kind and operation (names, namespaces, subjects…). */
  narrowed: boolean;
  /** Where the filter applies when not everywhere: named namespaces, or what a selector picks. */
  reach?: Reach;
}

/** A rule limited to some namespaces, or to what a selector or name pattern picks (`partial`). */
export interface Reach {
  namespaces?: string[];
  partial?: string;
}

function readReach(y: YamlDoc, res: Node | undefined): Reach | undefined {
  const picked = ['selector', 'namespaceSelector', 'names', 'name', 'annotations'].filter((k) => y.get(res, k) !== undefined);
  const namespaces = y.strings(y.get(res, 'namespaces'));
  if (picked.length > 0) return { partial: `resources picked by match ${picked.join(', ')}` };
  if (namespaces.some((n) => /[*?]/.test(n))) return { partial: `namespaces matching ${namespaces.join(', ')}` };
  return namespaces.length > 0 ? { namespaces } : undefined;
}

/** `v1/Pod`, `*\/Pod`, `Pod/ephemeralcontainers` → { kind: 'Pod', sub: 'ephemeralcontainers' }. */
function splitKind(raw: string): { kind: string; sub?: string } {
  const parts = raw.split('/');
  const last = parts[parts.length - 1]!;
  if (parts.length >= 2 && /^[a-z*]/.test(last) && /^[A-Z*]/.test(parts[parts.length - 2]!)) {
    return { kind: parts[parts.length - 2]!, sub: last };
  }
  return { kind: last };
}

function readFilter(y: YamlDoc, f: Node): Filter {
  const res = y.get(f, 'resources');
  const kindsNode = y.get(res, 'kinds');
  const kinds = y.items(kindsNode).map((k) => ({ value: y.str(k) ?? '', at: y.ref(k) }));
  const opsNode = y.get(res, 'operations');
  const ops = y.items(opsNode);
  const narrowKeys = ['names', 'name', 'namespaces', 'selector', 'namespaceSelector', 'annotations'];
  const narrowed =
    narrowKeys.some((k) => y.get(res, k) !== undefined) ||
    ['subjects', 'roles', 'clusterRoles'].some((k) => y.get(f, k) !== undefined);
  const reach = readReach(y, res);
  return {
    kinds,
    kindsAt: y.keyRef(res, 'kinds'),
    ...(opsNode ? { operations: { values: ops.map((o) => (y.str(o) ?? '').toUpperCase()), at: y.ref(ops[0] ?? opsNode) } } : {}),
    narrowed,
    ...(reach ? { reach } : {}),
  };
}

/** `any` filters are alternatives; `all` filters and the legacy form are one combined filter. */
function readBlock(y: YamlDoc, block: Node | undefined): Filter[] {
  if (!block) return [];
  const any = y.items(y.get(block, 'any')).map((f) => readFilter(y, f));
  const all = y.items(y.get(block, 'all')).map((f) => readFilter(y, f));
  const out = [...any];
  if (all.length > 0) {
    const withKinds = all.filter((f) => f.kinds.length > 0);
    const withOps = all.filter((f) => f.operations);
    // Every filter must match: the operations that pass are those all of them allow.
    const operations = withOps[0] && {
      values: withOps[0].operations!.values.filter((v) => withOps.every((f) => f.operations!.values.includes(v))),
      at: withOps[0].operations!.at,
    };
    const reach = all.find((f) => f.reach?.partial)?.reach ?? all.find((f) => f.reach)?.reach;
    out.push({
      kinds: withKinds[0]?.kinds ?? [],
      kindsAt: withKinds[0]?.kindsAt ?? all[0]!.kindsAt,
      ...(operations ? { operations } : {}),
      narrowed: all.some((f) => f.narrowed),
      ...(reach ? { reach } : {}),
    });
  }
  if (y.get(block, 'resources')) out.push(readFilter(y, block));
  return out;
}

/** Pod itself or its ephemeralcontainers subresource (other subresources carry no pod spec). */
const matchesPodKind = (k: string): boolean => {
  const { kind, sub } = splitKind(k);
  return (kind === 'Pod' || kind === '*') && (sub === undefined || sub === '*' || sub === 'ephemeralcontainers');
};
const seesUpdate = (f: Filter): boolean => !f.operations || f.operations.values.includes('UPDATE');
/** The Pod itself, not only a subresource: `Pod`, `*`, `Pod/*` (a `*` subresource also matches none). */
const createsPodKind = (k: string): boolean => {
  const { kind, sub } = splitKind(k);
  return (kind === 'Pod' || kind === '*') && (sub === undefined || sub === '*');
};
/** A Pod CREATE reaches the filter. */
const seesPodCreate = (f: Filter): boolean =>
  f.kinds.some((k) => createsPodKind(k.value)) && (!f.operations || f.operations.values.includes('CREATE'));

export interface MatchResult {
  scope: AdmissionScope;
  exemptions: Exemption[];
  /** Set when every Pod filter is limited: the rule does not apply cluster-wide. */
  reach?: Reach;
}

/** The rule's reach over its Pod filters: limited only if every one of them is. */
function ruleReach(podFilters: Filter[]): Reach | undefined {
  if (podFilters.length === 0 || podFilters.some((f) => !f.reach)) return undefined;
  const partial = podFilters.map((f) => f.reach!.partial).filter(Boolean);
  if (partial.length > 0) return { partial: partial.join('; ') };
  return { namespaces: [...new Set(podFilters.flatMap((f) => f.reach!.namespaces ?? []))] };
}

export function readMatch(y: YamlDoc, rule: Node, ruleAt: SourceRef): MatchResult {
  const matchNode = y.get(rule, 'match');
  const filters = readBlock(y, matchNode);
  const podFilters = filters.filter((f) => f.kinds.some((k) => matchesPodKind(k.value)));
  const controllerFilters = filters.filter((f) => f.kinds.some((k) => CONTROLLERS.has(splitKind(k.value).kind)));

  const scope: AdmissionScope = {
    matchesPod: podFilters.length > 0,
    // Kyverno registers pods/ephemeralcontainers itself for rules on Pod (DOMAIN.md §5).
    ephemeralSubresource: podFilters.length > 0 ? 'yes' : 'no',
    subresourceAt: podFilters[0]?.kindsAt ?? filters[0]?.kindsAt ?? ruleAt,
  };
  if (podFilters.length === 0 && controllerFilters.length > 0) scope.controllersOnlyAt = controllerFilters[0]!.kindsAt;

  if (podFilters.length > 0 && !podFilters.some(seesUpdate)) {
    const f = podFilters[0]!;
    scope.updateSkipped = {
      at: f.operations!.at,
      reason: `match operations are [${f.operations!.values.join(', ')}]: UPDATE is not matched`,
    };
  }
  const exclusions = readBlock(y, y.get(rule, 'exclude')).filter((f) => !f.narrowed);
  const excludesUpdate = exclusions.find(
    (f) => f.operations?.values.includes('UPDATE') && (f.kinds.length === 0 || f.kinds.some((k) => matchesPodKind(k.value))),
  );
  const excludesSubresource = exclusions
    .flatMap((f) => f.kinds)
    .find((k) => splitKind(k.value).kind === 'Pod' && ['ephemeralcontainers', '*'].includes(splitKind(k.value).sub ?? ''));
  if (!scope.updateSkipped && excludesUpdate) {
    scope.updateSkipped = { at: excludesUpdate.operations!.at, reason: 'exclude removes UPDATE requests' };
  }
  const excludesCreate = exclusions.some(
    (f) => f.operations?.values.includes('CREATE') && (f.kinds.length === 0 || f.kinds.some((k) => createsPodKind(k.value))),
  );
  // Pod security fields are immutable on an ordinary UPDATE: without CREATE a rule only sees kubectl debug.
  scope.podCreate = podFilters.some(seesPodCreate) && !excludesCreate;
  if (!scope.updateSkipped && excludesSubresource) {
    scope.updateSkipped = { at: excludesSubresource.at, reason: `exclude removes ${excludesSubresource.value}, which is how kubectl debug arrives` };
  }
  const reach = ruleReach(podFilters);
  return { scope, exemptions: readExclusions(y, y.get(rule, 'exclude')), ...(reach ? { reach } : {}) };
}

/** Excluded users, groups, roles and namespaces: each can add debug containers unchecked. */
function readExclusions(y: YamlDoc, exclude: Node | undefined): Exemption[] {
  if (!exclude) return [];
  const blocks = [...y.items(y.get(exclude, 'any')), ...y.items(y.get(exclude, 'all')), exclude];
  const out: Exemption[] = [];
  for (const b of blocks) {
    for (const s of y.items(y.get(b, 'subjects'))) {
      const name = y.str(y.get(s, 'name')) ?? '';
      out.push({ kind: 'user', value: `${y.str(y.get(s, 'kind')) ?? 'Subject'}:${name}`, at: y.ref(s), admitsArbitraryDebug: true });
    }
    for (const key of ['roles', 'clusterRoles'] as const) {
      for (const r of y.items(y.get(b, key))) {
        out.push({ kind: 'user', value: `${key === 'roles' ? 'Role' : 'ClusterRole'}:${y.str(r) ?? ''}`, at: y.ref(r), admitsArbitraryDebug: true });
      }
    }
    for (const ns of y.items(y.at(b, 'resources', 'namespaces'))) {
      out.push({ kind: 'namespace', value: y.str(ns) ?? '', at: y.ref(ns), admitsArbitraryDebug: true });
    }
  }
  return out;
}
