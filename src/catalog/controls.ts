/**
 * The control catalogue: the Pod Security Standards checks (PSA ids) plus the controls policies
 * commonly add. Field paths drop list indices: pod-level paths start at the Pod object
 * (`spec.hostNetwork`), container paths at the container (`securityContext.privileged`).
 */

export type ControlId =
  | 'windowsHostProcess'
  | 'hostNamespaces'
  | 'privileged'
  | 'capabilities_baseline'
  | 'hostPathVolumes'
  | 'hostPorts'
  | 'hostProbesAndHostLifecycle'
  | 'appArmorProfile'
  | 'seLinuxOptions'
  | 'procMount'
  | 'seccompProfile_baseline'
  | 'sysctls'
  | 'restrictedVolumes'
  | 'allowPrivilegeEscalation'
  | 'runAsNonRoot'
  | 'runAsUser'
  | 'seccompProfile_restricted'
  | 'capabilities_restricted'
  | 'image'
  | 'hostPathReadOnly'
  | 'readOnlyRootFilesystem'
  | 'runAsUserName'
  | 'resources'
  | 'probes'
  | 'ports'
  | 'lifecycle';

export type PssLevel = 'baseline' | 'restricted';

export interface Control {
  id: ControlId;
  title: string;
  /** Pod Security Standards level, when the control is part of PSS. */
  level?: PssLevel;
  /** Name used by Kyverno `podSecurity.exclude[].controlName`. */
  pssName?: string;
  /** First PSS version (minor of 1.x) that includes the check. */
  sinceMinor?: number;
  podFields: string[];
  containerFields: string[];
  /** An ephemeral container can set these fields (DOMAIN.md §1). */
  ephemeralSettable: boolean;
  /**
   * The API server makes every container agree with the regular ones (HostProcess is all or none,
   * DOMAIN.md §2): checking `containers` and the pod level covers initContainers and ephemeralContainers.
   */
  allOrNone?: true;
}

const APPARMOR_ANNOTATION = 'metadata.annotations.container.apparmor.security.beta.kubernetes.io/';

const probeHosts = ['livenessProbe', 'readinessProbe', 'startupProbe'].flatMap((p) => [
  `${p}.httpGet.host`,
  `${p}.tcpSocket.host`,
]);
const lifecycleHosts = ['postStart', 'preStop'].flatMap((h) => [
  `lifecycle.${h}.httpGet.host`,
  `lifecycle.${h}.tcpSocket.host`,
]);

export const CONTROLS: readonly Control[] = [
  {
    id: 'windowsHostProcess', title: 'Windows HostProcess', level: 'baseline', pssName: 'HostProcess', sinceMinor: 0,
    podFields: ['spec.securityContext.windowsOptions.hostProcess'],
    containerFields: ['securityContext.windowsOptions.hostProcess'], ephemeralSettable: true, allOrNone: true,
  },
  {
    id: 'hostNamespaces', title: 'Host namespaces', level: 'baseline', pssName: 'Host Namespaces', sinceMinor: 0,
    podFields: ['spec.hostNetwork', 'spec.hostPID', 'spec.hostIPC'], containerFields: [], ephemeralSettable: false,
  },
  {
    id: 'privileged', title: 'Privileged containers', level: 'baseline', pssName: 'Privileged Containers', sinceMinor: 0,
    podFields: [], containerFields: ['securityContext.privileged'], ephemeralSettable: true,
  },
  {
    id: 'capabilities_baseline', title: 'Capabilities (baseline)', level: 'baseline', pssName: 'Capabilities', sinceMinor: 0,
    podFields: [], containerFields: ['securityContext.capabilities.add'], ephemeralSettable: true,
  },
  {
    id: 'hostPathVolumes', title: 'HostPath volumes', level: 'baseline', pssName: 'HostPath Volumes', sinceMinor: 0,
    podFields: ['spec.volumes.hostPath'], containerFields: [], ephemeralSettable: false,
  },
  {
    id: 'hostPorts', title: 'Host ports', level: 'baseline', pssName: 'Host Ports', sinceMinor: 0,
    podFields: [], containerFields: ['ports.hostPort'], ephemeralSettable: false,
  },
  {
    id: 'hostProbesAndHostLifecycle', title: 'Host probes and lifecycle hooks', level: 'baseline',
    pssName: 'Host Probes / Lifecycle Hooks', sinceMinor: 34,
    podFields: [], containerFields: [...probeHosts, ...lifecycleHosts], ephemeralSettable: false,
  },
  {
    id: 'appArmorProfile', title: 'AppArmor', level: 'baseline', pssName: 'AppArmor', sinceMinor: 0,
    podFields: ['spec.securityContext.appArmorProfile.type', APPARMOR_ANNOTATION],
    containerFields: ['securityContext.appArmorProfile.type'], ephemeralSettable: true,
  },
  {
    id: 'seLinuxOptions', title: 'SELinux', level: 'baseline', pssName: 'SELinux', sinceMinor: 0,
    podFields: ['spec.securityContext.seLinuxOptions'],
    containerFields: ['securityContext.seLinuxOptions'], ephemeralSettable: true,
  },
  {
    id: 'procMount', title: '/proc mount type', level: 'baseline', pssName: '/proc Mount Type', sinceMinor: 0,
    podFields: [], containerFields: ['securityContext.procMount'], ephemeralSettable: true,
  },
  {
    id: 'seccompProfile_baseline', title: 'Seccomp (baseline)', level: 'baseline', pssName: 'Seccomp', sinceMinor: 0,
    podFields: ['spec.securityContext.seccompProfile.type', 'metadata.annotations.seccomp.security.alpha.kubernetes.io/'],
    containerFields: ['securityContext.seccompProfile.type'], ephemeralSettable: true,
  },
  {
    id: 'sysctls', title: 'Sysctls', level: 'baseline', pssName: 'Sysctls', sinceMinor: 0,
    podFields: ['spec.securityContext.sysctls'], containerFields: [], ephemeralSettable: false,
  },
  {
    id: 'restrictedVolumes', title: 'Volume types', level: 'restricted', pssName: 'Volume Types', sinceMinor: 0,
    podFields: ['spec.volumes'], containerFields: [], ephemeralSettable: false,
  },
  {
    id: 'allowPrivilegeEscalation', title: 'Privilege escalation', level: 'restricted', pssName: 'Privilege Escalation',
    sinceMinor: 8, podFields: [], containerFields: ['securityContext.allowPrivilegeEscalation'], ephemeralSettable: true,
  },
  {
    id: 'runAsNonRoot', title: 'Running as non-root', level: 'restricted', pssName: 'Running as Non-root', sinceMinor: 0,
    podFields: ['spec.securityContext.runAsNonRoot'], containerFields: ['securityContext.runAsNonRoot'],
    ephemeralSettable: true,
  },
  {
    id: 'runAsUser', title: 'Running as non-root user', level: 'restricted', pssName: 'Running as Non-root user',
    sinceMinor: 23, podFields: ['spec.securityContext.runAsUser'], containerFields: ['securityContext.runAsUser'],
    ephemeralSettable: true,
  },
  {
    id: 'seccompProfile_restricted', title: 'Seccomp (restricted)', level: 'restricted', pssName: 'Seccomp', sinceMinor: 19,
    podFields: ['spec.securityContext.seccompProfile.type'], containerFields: ['securityContext.seccompProfile.type'],
    ephemeralSettable: true,
  },
  {
    id: 'capabilities_restricted', title: 'Capabilities (restricted)', level: 'restricted', pssName: 'Capabilities',
    sinceMinor: 22, podFields: [],
    containerFields: ['securityContext.capabilities.drop', 'securityContext.capabilities.add'], ephemeralSettable: true,
  },
  { id: 'image', title: 'Image registry, tag or digest', podFields: [], containerFields: ['image'], ephemeralSettable: true },
  {
    // PSP allowedHostPaths[].readOnly, Gatekeeper host-filesystem: each container's mounts of the
    // pod's hostPath volumes. A debug container may mount an existing volume read-write (DOMAIN.md §1).
    id: 'hostPathReadOnly', title: 'Read-only hostPath mounts', podFields: [],
    containerFields: ['volumeMounts.readOnly'], ephemeralSettable: true,
  },
  {
    id: 'readOnlyRootFilesystem', title: 'Read-only root filesystem', podFields: [],
    containerFields: ['securityContext.readOnlyRootFilesystem'], ephemeralSettable: true,
  },
  {
    id: 'runAsUserName', title: 'Windows runAsUserName', podFields: ['spec.securityContext.windowsOptions.runAsUserName'],
    containerFields: ['securityContext.windowsOptions.runAsUserName'], ephemeralSettable: true,
  },
  { id: 'resources', title: 'Resource requests and limits', podFields: [], containerFields: ['resources'], ephemeralSettable: false },
  {
    id: 'probes', title: 'Probes', podFields: [],
    containerFields: ['livenessProbe', 'readinessProbe', 'startupProbe'], ephemeralSettable: false,
  },
  { id: 'ports', title: 'Container ports', podFields: [], containerFields: ['ports'], ephemeralSettable: false },
  { id: 'lifecycle', title: 'Lifecycle hooks', podFields: [], containerFields: ['lifecycle'], ephemeralSettable: false },
];

/** Capabilities the baseline standard lets a container add (PSA `capabilities_baseline`). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
/** Volume sources the restricted standard allows (PSA `restrictedVolumes`; the names are the Pod's volume keys). */
export const RESTRICTED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
]);
/** SELinux types the baseline standard allows before 1.31 (PSA `seLinuxOptions` v1.0). */
export const SELINUX_TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
/** From 1.31 on, `container_engine_t` too. */
export const SELINUX_TYPES_1_31: ReadonlySet<string> = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

const byId = new Map(CONTROLS.map((c) => [c.id, c]));

export function control(id: ControlId): Control {
  const c = byId.get(id);
  if (!c) throw new Error(`unknown control ${id}`);
  return c;
}

/**
 * The AppArmor annotation names an existing container at CREATE and cannot change on UPDATE: a
 * debug container never gets one (DOMAIN.md §1), so a check of it concerns no ephemeral container.
 */
export const isAppArmorAnnotation = (podField: string): boolean => podField.startsWith(APPARMOR_ANNOTATION);

/**
 * An init or ephemeral container can break the control on its own: it can set the field, and the
 * API server does not tie its value to the regular containers' (as it does for HostProcess).
 */
export function extraContainerCanViolate(id: ControlId): boolean {
  const c = control(id);
  return c.ephemeralSettable && !c.allOrNone;
}

export function controlsAtLevel(level: PssLevel | 'privileged', minor: number): Control[] {
  if (level === 'privileged') return [];
  return CONTROLS.filter(
    (c) => c.level && (level === 'restricted' || c.level === 'baseline') && (c.sinceMinor ?? 0) <= minor,
  );
}

/**
 * A read touches a control when it reads the control's field or something below it. Reading a parent
 * (`securityContext`, `spec.volumes[*]` as a whole) checks no control in particular: a presence test
 * such as `not c.securityContext` must not count as checking privileged, hostProcess and the rest.
 * Annotation fields end in `/`: any annotation key starting with that prefix is that field.
 */
function atOrBelow(path: string, field: string): boolean {
  if (field.endsWith('/')) return path.startsWith(field);
  return path === field || path.startsWith(field + '.');
}

/** Controls a read of a container-relative field path touches. */
export function controlsForContainerField(path: string): ControlId[] {
  return CONTROLS.filter((c) => c.containerFields.some((f) => atOrBelow(path, f))).map((c) => c.id);
}

/** Controls a read of a Pod-relative field path touches (`spec.` or `metadata.annotations` paths). */
export function controlsForPodField(path: string): ControlId[] {
  return CONTROLS.filter((c) => c.podFields.some((f) => atOrBelow(path, f))).map((c) => c.id);
}
