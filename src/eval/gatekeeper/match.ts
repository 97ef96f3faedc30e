/**
 * A Constraint's `spec.match` as Gatekeeper applies it (pkg/mutation/match): kinds, scope,
 * namespaces and excludedNamespaces (with `prefix*` / `*suffix` wildcards), labelSelector,
 * namespaceSelector and name, all of which must hold. For a Namespace object its own name and labels
 * stand for "the namespace".
 */
import { gvkOf, stringList, type KubeObject } from '../../admission';
import { kindsEntryMatches } from '../../engines/gatekeeper/constraint';
import { labelsOf, selectorMatches, SelectorError } from '../label-selector';

export interface MatchTarget {
  object: KubeObject;
  /** The object's namespace as the cluster has it, when known. */
  namespace?: KubeObject;
}

export type MatchResult = { matches: true } | { matches: false; reason: string } | { error: string };

function meta(obj: KubeObject): KubeObject {
  return (obj.metadata as KubeObject | undefined) ?? {};
}

function isNamespace(obj: KubeObject): boolean {
  const gk = gvkOf(obj);
  return gk.kind === 'Namespace' && gk.group === '';
}

/** Gatekeeper's wildcard strings: exact, `prefix*`, `*suffix` (and `*` for everything). */
export function wildcardMatches(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function constraintMatches(match: KubeObject | undefined, t: MatchTarget): MatchResult {
  if (!match) return { matches: true };
  const obj = t.object;
  const objNs = str(meta(obj).namespace);
  const nsName = isNamespace(obj) ? str(meta(obj).name) : t.namespace ? str(meta(t.namespace).name) : objNs;

  const kinds = Array.isArray(match.kinds) ? (match.kinds as KubeObject[]) : [];
  if (kinds.length > 0) {
    const gk = gvkOf(obj);
    const ok = kinds.some((k) => kindsEntryMatches(stringList(k.apiGroups), stringList(k.kinds), gk.group, gk.kind));
    if (!ok) return { matches: false, reason: `kind ${gk.group ? `${gk.group}/` : ''}${gk.kind} is not in match.kinds` };
  }

  const hasNamespace = objNs !== '' || t.namespace !== undefined;
  if (match.scope === 'Cluster' && !(isNamespace(obj) || !hasNamespace)) return { matches: false, reason: 'match.scope is Cluster and the object is namespaced' };
  if (match.scope === 'Namespaced' && !(!isNamespace(obj) && hasNamespace)) return { matches: false, reason: 'match.scope is Namespaced and the object is cluster-scoped' };

  const namespaces = stringList(match.namespaces);
  if (namespaces.length > 0 && nsName !== '' && !namespaces.some((p) => wildcardMatches(p, nsName))) {
    return { matches: false, reason: `namespace ${nsName} is not in match.namespaces` };
  }
  const excluded = stringList(match.excludedNamespaces);
  if (nsName !== '' && excluded.some((p) => wildcardMatches(p, nsName))) return { matches: false, reason: `namespace ${nsName} is in match.excludedNamespaces` };

  try {
    if (!selectorMatches(match.labelSelector, labelsOf(obj))) return { matches: false, reason: 'the object labels do not match match.labelSelector' };
    if (match.namespaceSelector !== undefined && match.namespaceSelector !== null) {
      if (isNamespace(obj)) {
        if (!selectorMatches(match.namespaceSelector, labelsOf(obj))) return { matches: false, reason: 'the namespace labels do not match match.namespaceSelector' };
      } else if (hasNamespace) {
        if (!t.namespace) return { error: `match.namespaceSelector needs the Namespace ${objNs}, which is not in the cluster context` };
        if (!selectorMatches(match.namespaceSelector, labelsOf(t.namespace))) return { matches: false, reason: 'the namespace labels do not match match.namespaceSelector' };
      }
    }
  } catch (e) {
    if (e instanceof SelectorError) return { error: e.message };
    throw e;
  }

  const name = str(match.name);
  if (name !== '') {
    const objName = str(meta(obj).name), generate = str(meta(obj).generateName);
    // A generateName can only match a name pattern that ends in `*` and covers its prefix.
    const byGenerate = generate !== '' && name.endsWith('*') && generate.startsWith(name.slice(0, -1));
    if (!wildcardMatches(name, objName) && !byGenerate) return { matches: false, reason: `name ${objName} does not match match.name` };
  }
  return { matches: true };
}
