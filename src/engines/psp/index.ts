/**
 * PodSecurityPolicy (policy/v1beta1). A PSP constrains every container of a Pod at CREATE and
 * UPDATE, but its admission plugin ignores requests with a subresource, so it never sees
 * `pods/ephemeralcontainers` (DOMAIN.md §3). PSPs are alternatives: the weakest usable one decides.
 */
import type { Node } from 'yaml';
import type { ControlId } from '../../catalog/controls';
import { BASELINE_CAPABILITIES, control, RESTRICTED_VOLUME_SOURCES, SELINUX_TYPES_1_31 } from '../../catalog/controls';
import { CONTAINER_LISTS, type Check, type Enforcement, type PolicyFacts, type SourceRef } from '../../facts';
import { analyzeEach } from '../guard';
import type { Analyze, EngineContext, PolicyDoc } from '../types';

const SECCOMP_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/allowedProfileNames';
const APPARMOR_ANNOTATION = 'apparmor.security.beta.kubernetes.io/allowedProfileNames';

function analyzePsp(doc: PolicyDoc, ctx: EngineContext): PolicyFacts {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  const specAt = y.keyRef(y.root, 'spec');
  const checks: Check[] = [];
  const grants: { field: string; at: SourceRef }[] = [];
  const val = (k: string): unknown => y.scalar(y.get(spec, k));
  const at = (k: string): SourceRef => (y.pair(spec, k) ? y.keyRef(spec, k) : specAt);
  const list = (k: string): string[] => y.strings(y.get(spec, k));
  const restrict = (id: ControlId, where: SourceRef, fields?: string[]): void => {
    const c = control(id);
    for (const f of fields ?? c.podFields) checks.push({ control: id, location: 'pod', field: f, at: where });
    if (fields) return;
    for (const l of CONTAINER_LISTS) for (const f of c.containerFields) checks.push({ control: id, location: l, field: f, at: where });
  };

  if (val('privileged') !== true) restrict('privileged', at('privileged'));
  else grants.push({ field: 'securityContext.privileged', at: at('privileged') });
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (val(ns) === true) grants.push({ field: `spec.${ns}`, at: at(ns) });
    else restrict('hostNamespaces', at(ns), [`spec.${ns}`]);
  }
  // Allow-lists are not restrictions: a capability the PSP lets containers add (or adds itself) is
  // admitted, so the control holds only while every listed one is within what the standard allows.
  const addable = [...list('allowedCapabilities'), ...list('defaultAddCapabilities')].map((c) => c.toUpperCase());
  if (addable.every((c) => BASELINE_CAPABILITIES.has(c))) restrict('capabilities_baseline', at('allowedCapabilities'));
  if (list('requiredDropCapabilities').some((c) => c.toUpperCase() === 'ALL') && addable.every((c) => c === 'NET_BIND_SERVICE')) {
    restrict('capabilities_restricted', at('requiredDropCapabilities'));
  }
  const volumes = list('volumes');
  if (!volumes.includes('*') && !volumes.includes('hostPath')) restrict('hostPathVolumes', at('volumes'));
  if (volumes.every((v) => RESTRICTED_VOLUME_SOURCES.has(v))) restrict('restrictedVolumes', at('volumes'));
  // Every allowed host path read-only: each container must mount them readOnly (PSP never sees ephemeral ones).
  const hostPaths = y.items(y.get(spec, 'allowedHostPaths'));
  if (hostPaths.length > 0 && hostPaths.every((h) => y.scalar(y.get(h, 'readOnly')) === true)) restrict('hostPathReadOnly', at('allowedHostPaths'));
  if (y.items(y.get(spec, 'hostPorts')).length === 0) restrict('hostPorts', at('hostPorts'));
  if (y.str(y.at(spec, 'seLinux', 'rule')) === 'MustRunAs' && baselineSeLinux(y, y.at(spec, 'seLinux', 'seLinuxOptions'))) {
    restrict('seLinuxOptions', at('seLinux'));
  }
  const runAsUser = y.str(y.at(spec, 'runAsUser', 'rule'));
  if (runAsUser === 'MustRunAsNonRoot') restrict('runAsNonRoot', at('runAsUser'));
  if (runAsUser === 'MustRunAsNonRoot' || (runAsUser === 'MustRunAs' && minRangeAboveZero(y, y.get(spec, 'runAsUser')))) {
    restrict('runAsUser', at('runAsUser'));
  }
  if (val('allowPrivilegeEscalation') === false) restrict('allowPrivilegeEscalation', at('allowPrivilegeEscalation'));
  if (val('readOnlyRootFilesystem') === true) restrict('readOnlyRootFilesystem', at('readOnlyRootFilesystem'));
  if (!list('allowedProcMountTypes').some((t) => t !== 'Default')) restrict('procMount', at('allowedProcMountTypes'));
  if (list('allowedUnsafeSysctls').length === 0) restrict('sysctls', at('allowedUnsafeSysctls'));
  const annotations = y.at(y.root, 'metadata', 'annotations');
  const profiles = (k: string): string[] => (y.str(y.get(annotations, k)) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const seccomp = profiles(SECCOMP_ANNOTATION);
  if (seccomp.length > 0 && !seccomp.includes('*') && !seccomp.includes('unconfined')) {
    restrict('seccompProfile_baseline', y.keyRef(annotations, SECCOMP_ANNOTATION));
    restrict('seccompProfile_restricted', y.keyRef(annotations, SECCOMP_ANNOTATION));
  }
  const apparmor = profiles(APPARMOR_ANNOTATION);
  if (apparmor.length > 0 && !apparmor.includes('*') && !apparmor.includes('unconfined')) {
    restrict('appArmorProfile', y.keyRef(annotations, APPARMOR_ANNOTATION));
  }

  return {
    engine: 'psp',
    policy: { kind: doc.kind, name: doc.name },
    at: doc.at,
    rules: [
      {
        name: 'spec',
        at: specAt,
        checks,
        listRefs: { pod: specAt, containers: specAt, initContainers: specAt, ephemeralContainers: specAt },
        scope: {
          matchesPod: true,
          ephemeralSubresource: 'no',
          subresourceAt: doc.at,
        },
        enforcement: enforcement(doc, ctx),
        unanalyzable: [],
      },
    ],
    exemptions: [],
    unanalyzable: [],
    grants,
    alternativeGroup: 'PodSecurityPolicy',
    ...(ctx.kubernetesMinor >= PSP_REMOVED_MINOR ? { retired: `PodSecurityPolicy was removed in Kubernetes 1.${PSP_REMOVED_MINOR}` } : {}),
  };
}

/** PSPs are removed in 1.25: from then on they enforce nothing (one finding per set says so). */
export const PSP_REMOVED_MINOR = 25;

function enforcement(doc: PolicyDoc, ctx: EngineContext): Enforcement {
  if (ctx.kubernetesMinor >= PSP_REMOVED_MINOR) {
    return { blocking: false, action: `removed in Kubernetes 1.${PSP_REMOVED_MINOR} (target 1.${ctx.kubernetesMinor})`, at: doc.at };
  }
  return { blocking: true, action: 'PodSecurityPolicy', at: doc.at };
}

/** `MustRunAs` pins the SELinux options: they must be ones the baseline standard allows. */
function baselineSeLinux(y: PolicyDoc['yaml'], options: Node | undefined): boolean {
  const type = y.str(y.get(options, 'type')) ?? '';
  const setAt = (k: string): boolean => (y.str(y.get(options, k)) ?? '') !== '';
  return SELINUX_TYPES_1_31.has(type) && !setAt('user') && !setAt('role');
}

function minRangeAboveZero(y: PolicyDoc['yaml'], strategy: Node | undefined): boolean {
  const ranges = y.items(y.get(strategy, 'ranges'));
  return ranges.length > 0 && ranges.every((r) => Number(y.scalar(y.get(r, 'min'))) > 0);
}

export const analyze: Analyze = (docs, _raw, ctx) => analyzeEach('psp', docs, (d) => analyzePsp(d, ctx));
