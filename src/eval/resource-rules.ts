/**
 * Concrete admission rule matching (RuleWithOperations, as webhooks and ValidatingAdmissionPolicy
 * `matchConstraints` use it): operations, apiGroups, apiVersions, resources with subresources
 * (`pods` is the main resource only, `pods/*` and `*\/*` include subresources, `*` every main
 * resource), scope and resourceNames.
 */
import { stringList, type AdmissionRequest, type KubeObject } from '../admission';

const anyOf = (allowed: string[], value: string): boolean => allowed.includes('*') || allowed.includes(value);

export function resourceMatches(patterns: string[], resource: string, subResource: string): boolean {
  return patterns.some((p) => {
    const [res, sub] = p.split('/', 2) as [string, string | undefined];
    if (res !== '*' && res !== resource) return false;
    if (sub === undefined) return subResource === '';
    return sub === '*' || sub === subResource;
  });
}

/**
 * Does one rule match the request? `equivalent` (matchPolicy: Equivalent) also accepts the request
 * when only the version differs: the API server would convert it to a version the rule names.
 */
export function ruleMatches(rule: KubeObject, req: AdmissionRequest, equivalent: boolean): boolean {
  if (!anyOf(stringList(rule.operations), req.operation)) return false;
  const gvr = req.resource;
  if (!anyOf(stringList(rule.apiGroups), gvr.group)) return false;
  if (!equivalent && !anyOf(stringList(rule.apiVersions), gvr.version)) return false;
  if (!resourceMatches(stringList(rule.resources), gvr.resource, req.subResource ?? '')) return false;
  const scope = typeof rule.scope === 'string' ? rule.scope : '*';
  if (scope === 'Cluster' && req.namespace) return false;
  if (scope === 'Namespaced' && !req.namespace) return false;
  const names = stringList(rule.resourceNames);
  return names.length === 0 || names.includes(req.name ?? '');
}
