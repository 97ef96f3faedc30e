/**
 * Kyverno `match` / `exclude` on an admission request (kyverno/pkg/engine/utils/match.go): `any` /
 * `all` / the legacy form, kinds with group/version/subresource (a rule on `Pod` also receives
 * `pods/ephemeralcontainers`), names, namespaces, annotations, label and namespace selectors,
 * operations, subjects, roles and clusterRoles.
 */
import type { AdmissionRequest, KubeObject } from '../../admission';
import { isMap, wildcardMatch } from './values';

/** Who sends the request, as Kyverno's RequestInfo: roles and cluster roles bound to the user. */
export interface RequestInfo {
  roles: string[];
  clusterRoles: string[];
  username: string;
  groups: string[];
  /** No user information was given: match blocks ignore their user filters (Kyverno CLI). */
  empty: boolean;
  /** The user's roles are not known (admission without RBAC data): a role filter cannot be decided. */
  rolesUnknown?: boolean;
}

/** A filter on roles or clusterRoles met a request whose roles polcov does not know. */
export class RolesUnknown extends Error {}

export interface MatchInput {
  request: AdmissionRequest;
  resource: KubeObject;
  namespaceLabels: Record<string, string>;
  info: RequestInfo;
}

const VERSION = /^(v\d+((alpha|beta)\d+)?|\*)$/;

/** Kyverno's ParseKindSelector: `[group/]version/Kind[/sub]`, `Kind/sub`, `Kind.sub`. */
export function parseKindSelector(input: string): [string, string, string, string] {
  const raw = input.split('/');
  const parts = [...raw.slice(0, -1), ...raw[raw.length - 1]!.split('.')];
  switch (parts.length) {
    case 1:
      return ['*', '*', parts[0]!, ''];
    case 2:
      if (parts[0] === '*' && parts[1] === '*') return ['*', '*', '*', '*'];
      if (parts[0] === '*' && parts[1]!.toLowerCase() === parts[1]) return ['*', '*', '*', parts[1]!];
      if (VERSION.test(parts[0]!)) return ['*', parts[0]!, parts[1]!, ''];
      return ['*', '*', parts[0]!, parts[1]!];
    case 3:
      if (VERSION.test(parts[0]!)) return ['*', parts[0]!, parts[1]!, parts[2]!];
      return [parts[0]!, parts[1]!, parts[2]!, ''];
    case 4:
      return parts as [string, string, string, string];
    default:
      return ['', '', '', ''];
  }
}

export function kindMatches(kinds: string[], req: AdmissionRequest): boolean {
  const sub = req.subResource ?? '';
  const isPod = req.kind.group === '' && req.kind.version === 'v1' && req.kind.kind === 'Pod';
  return kinds.some((k) => {
    const [g, v, kind, s] = parseKindSelector(k);
    if (!(wildcardMatch(g, req.kind.group) && wildcardMatch(v, req.kind.version) && wildcardMatch(kind, req.kind.kind))) return false;
    return wildcardMatch(s, sub) || (isPod && sub === 'ephemeralcontainers');
  });
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const meta = (o: KubeObject): Record<string, unknown> => (isMap(o.metadata) ? o.metadata : {});
const stringMap = (v: unknown): Record<string, string> =>
  isMap(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string> : {};

/** A Kubernetes label selector, with Kyverno's wildcard expansion of `matchLabels`. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isMap(selector)) return false;
  for (const [k, v] of Object.entries(stringMap(selector.matchLabels))) {
    const hit = Object.entries(labels).find(([lk, lv]) => wildcardMatch(k, lk) && wildcardMatch(v, lv));
    if (!hit && labels[k] !== v) return false;
  }
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  return exprs.every((e) => {
    if (!isMap(e)) return false;
    const key = String(e.key);
    const values = strings(e.values);
    switch (e.operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return false;
    }
  });
}

function subjectsMatch(subjects: unknown[], info: RequestInfo): boolean {
  return subjects.filter(isMap).some((s) => {
    const name = String(s.name ?? '');
    if (s.kind === 'ServiceAccount') return wildcardMatch(`system:serviceaccount:${String(s.namespace ?? '')}:${name}`, info.username);
    if (s.kind === 'Group') return info.groups.some((g) => wildcardMatch(name, g));
    if (s.kind === 'User') return wildcardMatch(name, info.username);
    return false;
  });
}

const USER_KEYS = ['subjects', 'roles', 'clusterRoles'];
const RESOURCE_KEYS = ['kinds', 'name', 'names', 'namespaces', 'annotations', 'selector', 'namespaceSelector', 'operations'];

/** The reasons one filter (`resources` + user filters) does not apply; empty when it applies. */
function filterMismatches(filter: Record<string, unknown>, input: MatchInput, ignoreUser: boolean): string[] {
  const res = isMap(filter.resources) ? filter.resources : {};
  const { request: req, resource } = input;
  const ops = strings(res.operations);
  if (ops.length > 0 && !ops.includes(req.operation)) return ['operation does not match'];
  const out: string[] = [];
  const kinds = strings(res.kinds);
  if (kinds.length > 0 && !kindMatches(kinds, req)) out.push(`kind does not match [${kinds.join(' ')}]`);
  const m = meta(resource);
  const name = String(m.name ?? m.generateName ?? '');
  if (typeof res.name === 'string' && res.name && !wildcardMatch(res.name, name)) out.push('name does not match');
  const names = strings(res.names);
  if (names.length > 0 && !names.some((n) => wildcardMatch(n, name))) out.push('none of the names match');
  const namespaces = strings(res.namespaces);
  const ns = resource.kind === 'Namespace' ? name : String(m.namespace ?? '');
  if (namespaces.length > 0 && !namespaces.some((n) => wildcardMatch(n, ns))) out.push('namespace does not match');
  if (isMap(res.annotations)) {
    const ann = stringMap(m.annotations);
    const ok = Object.entries(stringMap(res.annotations)).every(([k, v]) => Object.entries(ann).some(([ak, av]) => wildcardMatch(k, ak) && wildcardMatch(v, av)));
    if (!ok) out.push('annotations does not match');
  }
  if (res.selector !== undefined && res.selector !== null && !selectorMatches(res.selector, stringMap(m.labels))) out.push('selector does not match');
  if (res.namespaceSelector !== undefined && res.namespaceSelector !== null) {
    if (resource.kind === 'Namespace') out.push('namespace selector is not applicable for namespace resource');
    else if (!selectorMatches(res.namespaceSelector, input.namespaceLabels)) out.push('namespace selector does not match labels');
  }
  if (ignoreUser) return out;
  const roles = strings(filter.roles);
  const clusterRolesFilter = strings(filter.clusterRoles);
  if ((roles.length > 0 || clusterRolesFilter.length > 0) && input.info.rolesUnknown) {
    throw new RolesUnknown('match/exclude filters on roles or clusterRoles, and the RBAC bindings of the user are not known');
  }
  if (roles.length > 0 && !input.info.roles.some((r) => roles.includes(r))) out.push('user info does not match roles for the given conditionBlock');
  const clusterRoles = strings(filter.clusterRoles);
  if (clusterRoles.length > 0 && !input.info.clusterRoles.some((r) => clusterRoles.includes(r))) out.push('user info does not match clustersRoles for the given conditionBlock');
  const subjects = Array.isArray(filter.subjects) ? filter.subjects : [];
  if (subjects.length > 0 && !subjectsMatch(subjects, input.info)) out.push('user info does not match subject for the given conditionBlock');
  return out;
}

function isEmptyFilter(filter: Record<string, unknown>, ignoreUser: boolean): boolean {
  const res = isMap(filter.resources) ? filter.resources : {};
  const hasResource = RESOURCE_KEYS.some((k) => res[k] !== undefined && res[k] !== null && !(Array.isArray(res[k]) && (res[k] as unknown[]).length === 0));
  const hasUser = !ignoreUser && USER_KEYS.some((k) => Array.isArray(filter[k]) && (filter[k] as unknown[]).length > 0);
  return !hasResource && !hasUser;
}

const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isMap) : []);

/** Why the rule does not apply to the request; undefined when it does. */
export function ruleMismatch(rule: Record<string, unknown>, input: MatchInput, policyNamespace?: string): string | undefined {
  if (policyNamespace && policyNamespace !== String(meta(input.resource).namespace ?? '')) return 'policy and resource namespaces mismatch';
  const match = isMap(rule.match) ? rule.match : {};
  const matchOne = (f: Record<string, unknown>): string[] =>
    isEmptyFilter(f, input.info.empty) ? ['match cannot be empty'] : filterMismatches(f, input, input.info.empty);
  let reasons: string[] = [];
  if (list(match.any).length > 0) {
    if (!list(match.any).some((f) => matchOne(f).length === 0)) reasons.push('no resource matched');
  } else if (list(match.all).length > 0) {
    reasons = list(match.all).flatMap(matchOne);
  } else reasons = matchOne(match);
  const exclude = isMap(rule.exclude) ? rule.exclude : undefined;
  if (reasons.length === 0 && exclude) {
    const excludes = (f: Record<string, unknown>): boolean => !isEmptyFilter(f, false) && filterMismatches(f, input, false).length === 0;
    if (list(exclude.any).length > 0) {
      if (list(exclude.any).some(excludes)) reasons.push('resource excluded since one of the criteria excluded it');
    } else if (list(exclude.all).length > 0) {
      if (list(exclude.all).every(excludes)) reasons.push('resource excluded since the combination of all criteria exclude it');
    } else if (excludes(exclude)) reasons.push('resource excluded since one of the criteria excluded it');
  }
  return reasons.length > 0 ? `rule ${String(rule.name)} not matched: ${reasons.join('; ')}` : undefined;
}
