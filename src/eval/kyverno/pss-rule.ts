/**
 * Kyverno `validate.podSecurity` (kyverno/pkg/engine/handlers/validation/validate_pss.go) through the
 * Pod Security Standards library: the pod, or the pod template of a controller, checked at the rule's
 * level and version, with the rule's `exclude` and the `podSecurity` entries of matching exceptions.
 */
import type { KubeObject } from '../../admission';
import { evaluatePodSecurity, kyvernoPodSecurityMessage, type PodSecurityExclusion, type PssLevel } from '../pss';
import { isMap } from './values';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isMap(v) ? v : {});

/** `{metadata, spec}` of the pod a resource runs: itself, its template, or its CronJob's job template. */
export function podOf(resource: KubeObject): KubeObject | undefined {
  if (resource.kind === 'Pod') return resource;
  const spec = obj(resource.spec);
  const template = resource.kind === 'CronJob' ? obj(obj(obj(spec.jobTemplate).spec).template) : obj(spec.template);
  return isMap(template.spec) ? { metadata: obj(template.metadata), spec: template.spec } : undefined;
}

export type PssRuleOutcome = { status: 'pass' | 'fail' | 'error' | 'skip'; message: string };

export function evaluatePssRule(ruleName: string, podSecurity: Json, resource: KubeObject, exceptionExclusions: PodSecurityExclusion[]): PssRuleOutcome {
  const pod = podOf(resource);
  if (!pod) return { status: 'skip', message: 'the resource runs no pod' };
  const level = String(podSecurity.level ?? '') as PssLevel;
  const version = typeof podSecurity.version === 'string' ? podSecurity.version : '';
  const exclude = [...(Array.isArray(podSecurity.exclude) ? podSecurity.exclude.filter(isMap) : []), ...exceptionExclusions] as unknown as PodSecurityExclusion[];
  const result = evaluatePodSecurity(pod, { level, version, exclude });
  if (result.error) return { status: 'error', message: result.error };
  if (result.allowed) return { status: 'pass', message: `Validation rule '${ruleName}' passed.` };
  return { status: 'fail', message: kyvernoPodSecurityMessage(ruleName, level, version || 'latest', result.violations) };
}
