/**
 * Kyverno's `validate.podSecurity` (`pkg/pss` in kyverno/kyverno): the PSS checks as Kyverno selects
 * them, then `exclude[]` entries applied one after the other. An entry re-runs the checks on the part
 * of the pod it names (the pod without its containers, or only the containers whose image matches)
 * and removes from the pod's result each field error it reproduces there: same control, same field
 * (indices as `*`), for container fields the same container name, and every bad value matched by
 * `values` when given. A check with no field error left passes.
 * PolicyException `podSecurity` entries are applied the same way, after the rule's own.
 */
import type { KubeObject } from '../../admission';
import { CONTROLS, type ControlId } from '../../catalog/controls';
import type { FieldError } from './checks';
import { kyvernoChecks, parsePssVersion, runChecks, type PssLevel, type PssResult, type PssViolation } from './evaluate';
import { obj, type Obj } from './pod';

export interface PodSecurityExclusion {
  controlName: string;
  images?: string[];
  restrictedField?: string;
  values?: string[];
}

export interface PodSecurityOptions {
  level: PssLevel;
  /** `v1.<minor>`, `latest` or empty (latest), as written in the rule; or a minor. */
  version?: string | number;
  exclude?: readonly PodSecurityExclusion[];
  relaxForUserNamespaces?: boolean;
}

/** Kyverno's control names (`PSS_control_name_to_ids`): the catalogue's names minus the 1.34 host probes. */
function checkIds(controlName: string): ControlId[] {
  return CONTROLS.filter((c) => c.level && c.pssName === controlName && c.id !== 'hostProbesAndHostLifecycle').map((c) => c.id);
}

const CONTAINER_LEVEL = ['Capabilities', 'Privileged Containers', 'Host Ports', '/proc Mount Type', 'Privilege Escalation'];
const POD_LEVEL = ['Host Namespaces', 'HostPath Volumes', 'Sysctls', 'Volume Types'];

/** What Kyverno's policy validation refuses in an exclusion (`PodSecurityStandard.Validate`, the CRD's enum). */
export function exclusionProblems(e: PodSecurityExclusion): string[] {
  const problems: string[] = [];
  if (checkIds(e.controlName).length === 0) problems.push(`unknown controlName "${e.controlName}"`);
  if (CONTAINER_LEVEL.includes(e.controlName) && !e.images?.length) problems.push(`exclude.images must be specified for the container level control "${e.controlName}"`);
  if (POD_LEVEL.includes(e.controlName) && e.images?.length) problems.push(`exclude.images must not be specified for the pod level control "${e.controlName}"`);
  if (e.restrictedField && !e.values?.length) problems.push('values is required with restrictedField');
  if (!e.restrictedField && e.values?.length) problems.push('restrictedField is required with values');
  return problems;
}

/** Kyverno's `wildcard.CheckPatterns`: any pattern matches, `*` any run, `?` one character. */
export function matchesAnyWildcard(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(value));
}

/** `%+v` of a bad value, and the values `exclude.values` must cover ('' counts as none). */
function badValues(e: FieldError): string[] {
  if (Array.isArray(e.badValue)) return e.badValue;
  if (e.badValue === '') return [];
  return [String(e.badValue)];
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/** Kyverno's `parseField`: every digit run becomes `*`; the second word says whether it is a container field. */
function parseField(field: string): { field: string; index?: number; list?: string } {
  const wild = field.replace(/\d+/g, '*');
  const list = field.match(/[a-zA-Z]+/g)?.[1];
  if (!list || !CONTAINER_LISTS.includes(list)) return { field: wild };
  return { field: wild, index: Number(/\d+/.exec(field)?.[0]), list };
}

function containerName(pod: KubeObject, list: string, index: number): string {
  const spec = obj(pod.spec, 'spec');
  const c = (spec?.[list] as Obj[] | undefined)?.[index];
  return typeof c?.name === 'string' ? c.name : '';
}

/** The part of the pod an exclusion re-evaluates. */
function excludedPart(pod: KubeObject, e: PodSecurityExclusion): { part: KubeObject; containerLevel: boolean } {
  const spec = obj(pod.spec, 'spec') ?? {};
  if (!e.images?.length) {
    // Pod-level: the pod with one bare container, so container checks find nothing of the pod's own.
    return { part: { ...pod, spec: { ...spec, containers: [{ name: 'fake' }], initContainers: undefined, ephemeralContainers: undefined } }, containerLevel: false };
  }
  const images = e.images;
  const metadata = obj(pod.metadata, 'metadata') ?? {};
  const pick = (l: string): Obj[] | undefined => {
    const matching = ((spec[l] as Obj[] | undefined) ?? []).filter((c) => matchesAnyWildcard(images, typeof c?.image === 'string' ? c.image : ''));
    return matching.length > 0 ? matching : undefined;
  };
  return {
    part: { metadata: { name: metadata.name, namespace: metadata.namespace }, spec: { containers: pick('containers'), initContainers: pick('initContainers'), ephemeralContainers: pick('ephemeralContainers') } },
    containerLevel: true,
  };
}

function applyExclusion(opts: PodSecurityOptions, pod: KubeObject, violations: PssViolation[], e: PodSecurityExclusion): PssViolation[] | string {
  const { part, containerLevel } = excludedPart(pod, e);
  const reproduced = evaluateChecks(part, opts);
  if (reproduced.error) return reproduced.error;
  const byId = new Map(violations.map((v) => [v.checkId, { ...v, errors: [...v.errors] }]));
  const ids = checkIds(e.controlName);
  for (const ex of reproduced.violations.filter((v) => ids.includes(v.checkId) && !v.noFieldErrors)) {
    for (const exErr of ex.errors) {
      const exField = containerLevel ? parseField(exErr.field) : { field: exErr.field.replace(/\d+/g, '*') };
      if (e.restrictedField && exField.field !== e.restrictedField) continue;
      if (e.values?.length && !badValues(exErr).every((b) => matchesAnyWildcard(e.values!, b))) continue;
      const target = byId.get(ex.checkId);
      if (!target || target.noFieldErrors) continue;
      const exName = exField.list !== undefined ? containerName(part, exField.list, exField.index!) : undefined;
      const idx = target.errors.findIndex((err) => {
        const f = containerLevel ? parseField(err.field) : { field: err.field.replace(/\d+/g, '*') };
        if (f.field !== exField.field) return false;
        return f.list === undefined || exName === undefined || containerName(pod, f.list, f.index!) === exName;
      });
      if (idx >= 0) {
        // Kyverno removes by moving the last error into the gap.
        target.errors[idx] = target.errors[target.errors.length - 1];
        target.errors.pop();
      }
      if (target.errors.length === 0) byId.delete(ex.checkId);
    }
  }
  return violations.filter((v) => byId.has(v.checkId)).map((v) => {
    const kept = byId.get(v.checkId)!;
    return { ...kept, paths: kept.errors.map((err) => err.field) };
  });
}

function evaluateChecks(pod: KubeObject, opts: PodSecurityOptions): PssResult {
  const version = parsePssVersion(opts.version);
  if (version === undefined) return { allowed: false, violations: [], error: `invalid Pod Security version "${opts.version}"` };
  return runChecks(pod, kyvernoChecks(opts.level, version), { kyverno: true, relaxForUserNamespaces: opts.relaxForUserNamespaces ?? false });
}

/**
 * `validate.podSecurity` of a Kyverno rule on a pod (for a controller: `{metadata, spec}` of its pod
 * template). `allowed: false` with `error` when the pod or the version cannot be read.
 */
export function evaluatePodSecurity(pod: KubeObject, opts: PodSecurityOptions): PssResult {
  const result = evaluateChecks(pod, opts);
  if (result.error) return result;
  let violations = result.violations;
  for (const e of opts.exclude ?? []) {
    const applied = applyExclusion(opts, pod, violations, e);
    if (typeof applied === 'string') return { allowed: false, violations, error: applied };
    violations = applied;
  }
  return { allowed: violations.length === 0, violations };
}

const TEMPLATE_KINDS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];

/**
 * The pod Kyverno's `podSecurity` checks for a resource (`getSpec`): a Pod itself, a controller's pod
 * template, for a CronJob its job template's pod spec with the job template's own metadata (as Kyverno
 * reads it). Undefined for any other kind: Kyverno reports an error there.
 */
export function podSecurityTarget(resource: KubeObject): KubeObject | undefined {
  const spec = obj(resource.spec, 'spec');
  if (resource.kind === 'Pod') return { metadata: resource.metadata, spec: resource.spec };
  if (TEMPLATE_KINDS.includes(String(resource.kind))) {
    const template = obj(spec?.template, 'spec.template');
    return { metadata: template?.metadata, spec: template?.spec };
  }
  if (resource.kind === 'CronJob') {
    const jobTemplate = obj(spec?.jobTemplate, 'spec.jobTemplate');
    return { metadata: jobTemplate?.metadata, spec: obj(obj(jobTemplate?.spec, 'spec.jobTemplate.spec')?.template, 'spec.jobTemplate.spec.template')?.spec };
  }
  return undefined;
}

/** Kyverno's `convertChecks`: field paths moved into the template of a controller (every "spec", then every "metadata"). */
function kyvernoField(field: string, kind: string): string {
  let f = field;
  if (TEMPLATE_KINDS.includes(kind)) f = f.replaceAll('spec', 'spec.template.spec');
  else if (kind === 'CronJob') f = f.replaceAll('spec', 'spec.jobTemplate.spec.template.spec');
  return f.replaceAll('metadata', 'spec.template.metadata');
}

/** Kyverno's `FormatChecksPrint`: each failed check with its field errors, paths as for `kind`. */
export function formatKyvernoChecks(violations: readonly PssViolation[], kind = 'Pod'): string {
  return violations
    .map((v) => {
      const errors = v.noFieldErrors ? [] : v.errors;
      const items = errors.map((e) => {
        const field = kyvernoField(e.field, kind);
        if (e.type === 'Required') return `${field}: Required value`;
        if (e.badValue === '') return `${field}: Forbidden`;
        const shown = Array.isArray(e.badValue) ? `[${e.badValue.join(' ')}]` : String(e.badValue);
        return `${field} is forbidden, forbidden values found: ${shown}`;
      });
      return `(Forbidden reason: ${v.reason}, field error list: [${items.join(', ')}])`;
    })
    .join('');
}

/** The message of a failed `podSecurity` rule, as Kyverno renders it (level and version as written). */
export function kyvernoPodSecurityMessage(rule: string, level: string, version: string, violations: readonly PssViolation[], kind = 'Pod'): string {
  return `Validation rule '${rule}' failed. It violates PodSecurity "${level}:${version}": ${formatKyvernoChecks(violations, kind)}`;
}
