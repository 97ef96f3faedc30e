/**
 * The Pod Security Admission check catalogue (`k8s.io/pod-security-admission/policy`), each check
 * with its behaviour per policy version, up to 1.34. Reasons, details and field errors follow PSA
 * (field errors as Kyverno's PSA build reports them: they are what `podSecurity.exclude` matches).
 * Levels and first versions come from the control catalogue.
 */
import {
  BASELINE_CAPABILITIES, control, RESTRICTED_VOLUME_SOURCES, SELINUX_TYPES_1_0, SELINUX_TYPES_1_31, type ControlId,
} from '../../catalog/controls';
import { bool, int, list, obj, str, strings, type ContainerView, type Obj, type PodView } from './pod';

export type BadValue = string | boolean | number | string[];

/** A `field.Error`: `Forbidden` carries the bad value ('' when none), `Required` never does. */
export interface FieldError {
  type: 'Forbidden' | 'Required';
  field: string;
  badValue: BadValue;
}

export interface CheckOutcome {
  reason: string;
  detail: string;
  errors: FieldError[];
  /** Kyverno's PSA build reports no field errors for this check: its exclusions cannot reach it. */
  noFieldErrors?: true;
}

export interface CheckContext {
  /** Kyverno's PSA build reports every runAsNonRoot problem at once; upstream only the first kind. */
  kyverno: boolean;
  /** The UserNamespacesPodSecurityStandards feature gate (off by default): `hostUsers: false` pods pass runAsNonRoot, runAsUser and procMount. */
  relaxForUserNamespaces: boolean;
}

type CheckFn = (pod: PodView, ctx: CheckContext) => CheckOutcome | undefined;

export interface VersionedCheck {
  minor: number;
  check: CheckFn;
  /** Baseline checks this restricted version replaces at the restricted level. */
  overrides?: ControlId[];
}

export interface PssCheck {
  id: ControlId;
  level: 'baseline' | 'restricted';
  versions: VersionedCheck[];
}

const plural = (one: string, many: string, n: number): string => (n === 1 ? one : many);
const joinQuote = (items: readonly string[]): string => (items.length === 0 ? '' : `"${items.join('", "')}"`);
const sorted = (s: Iterable<string>): string[] => [...new Set(s)].sort();
const containers = (names: readonly string[]): string => `${plural('container', 'containers', names.length)} ${joinQuote(names)}`;
const forbidden = (field: string, badValue: BadValue = ''): FieldError => ({ type: 'Forbidden', field, badValue });
const required = (field: string): FieldError => ({ type: 'Required', field, badValue: '' });
/** Go's `%q` for the annotation values PSA quotes. */
const quote = (s: string): string => JSON.stringify(s);

const isWindows = (pod: PodView): boolean => str(obj(pod.spec.os, 'spec.os')?.name, 'spec.os.name') === 'windows';
const userNamespaceRelaxed = (pod: PodView, ctx: CheckContext): boolean =>
  ctx.relaxForUserNamespaces && bool(pod.spec.hostUsers, 'spec.hostUsers') === false;

const scField = (c: ContainerView, ...keys: string[]): { value: unknown; path: string } => {
  let v: unknown = c.sc;
  let path = `${c.path}.securityContext`;
  for (const k of keys) {
    v = obj(v, path)?.[k];
    path = `${path}.${k}`;
  }
  return { value: v, path };
};

/** Setters of a bad value: "pod" and/or `container(s) "a", "b"`, each with its field errors. */
class Setters {
  readonly data: string[] = [];
  readonly errors: FieldError[] = [];
  add(what: string, ...errors: FieldError[]): void {
    this.data.push(what);
    this.errors.push(...errors);
  }
  addContainers(names: string[], errors: FieldError[]): void {
    if (names.length > 0) this.add(containers(names), ...errors);
  }
  get text(): string {
    return this.data.join(' and ');
  }
}

function privileged(pod: PodView): CheckOutcome | undefined {
  const bad = pod.containers.flatMap((c) => {
    const { value, path } = scField(c, 'privileged');
    return bool(value, path) === true ? [{ name: c.name, error: forbidden(path, true) }] : [];
  });
  if (bad.length === 0) return undefined;
  const names = bad.map((b) => b.name);
  return { reason: 'privileged', detail: `${containers(names)} must not set securityContext.privileged=true`, errors: bad.map((b) => b.error) };
}

function hostNamespaces(pod: PodView): CheckOutcome | undefined {
  const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => bool(pod.spec[k], `spec.${k}`) === true);
  if (set.length === 0) return undefined;
  return { reason: 'host namespaces', detail: set.map((k) => `${k}=true`).join(', '), errors: set.map((k) => forbidden(`spec.${k}`, true)) };
}

function capabilitiesBaseline(pod: PodView): CheckOutcome | undefined {
  const names: string[] = [];
  const errors: FieldError[] = [];
  const all: string[] = [];
  for (const c of pod.containers) {
    const { value, path } = scField(c, 'capabilities', 'add');
    const bad = strings(value, path).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (bad.length === 0) continue;
    names.push(c.name);
    errors.push(forbidden(path, sorted(bad)));
    all.push(...bad);
  }
  if (names.length === 0) return undefined;
  return {
    reason: 'non-default capabilities',
    detail: `${containers(names)} must not include ${joinQuote(sorted(all))} in securityContext.capabilities.add`,
    errors,
  };
}

const volumes = (pod: PodView): { v: Obj; name: string; path: string }[] =>
  list(pod.spec.volumes, 'spec.volumes').map((raw, i) => {
    const path = `spec.volumes[${i}]`;
    const v = obj(raw, path) ?? {};
    return { v, name: str(v.name, `${path}.name`) ?? '', path };
  });

function hostPathVolumes(pod: PodView): CheckOutcome | undefined {
  const bad = volumes(pod).filter(({ v, path }) => obj(v.hostPath, `${path}.hostPath`) !== undefined);
  if (bad.length === 0) return undefined;
  return {
    reason: 'hostPath volumes',
    detail: `${plural('volume', 'volumes', bad.length)} ${joinQuote(bad.map((b) => b.name))}`,
    errors: bad.map(({ v, path }) => forbidden(`${path}.hostPath`, str(obj(v.hostPath, path)?.path, `${path}.hostPath.path`) ?? '')),
  };
}

function hostPorts(pod: PodView): CheckOutcome | undefined {
  const names: string[] = [];
  const errors: FieldError[] = [];
  const ports: string[] = [];
  for (const c of pod.containers) {
    const bad = list(c.raw.ports, `${c.path}.ports`).flatMap((p, i) => {
      const path = `${c.path}.ports[${i}].hostPort`;
      const port = int(obj(p, `${c.path}.ports[${i}]`)?.hostPort, path) ?? 0;
      return port !== 0 ? [{ port, path }] : [];
    });
    if (bad.length === 0) continue;
    names.push(c.name);
    for (const b of bad) {
      ports.push(String(b.port));
      errors.push(forbidden(b.path, b.port));
    }
  }
  if (names.length === 0) return undefined;
  const distinct = sorted(ports);
  return {
    reason: 'hostPort',
    detail: `${containers(names)} ${plural('uses', 'use', names.length)} ${plural('hostPort', 'hostPorts', distinct.length)} ${distinct.join(', ')}`,
    errors,
  };
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const HOOKS = ['postStart', 'preStop'];

function hostProbesAndHostLifecycle(pod: PodView): CheckOutcome | undefined {
  const names: string[] = [];
  const hosts: string[] = [];
  const errors: FieldError[] = [];
  for (const c of pod.containers) {
    const handlers = [
      ...PROBES.map((p) => ({ h: c.raw[p], path: `${c.path}.${p}` })),
      ...HOOKS.map((k) => ({ h: obj(c.raw.lifecycle, `${c.path}.lifecycle`)?.[k], path: `${c.path}.lifecycle.${k}` })),
    ];
    for (const { h, path } of handlers) {
      for (const action of ['httpGet', 'tcpSocket']) {
        const host = str(obj(obj(h, path)?.[action], `${path}.${action}`)?.host, `${path}.${action}.host`) ?? '';
        if (host === '') continue;
        names.push(c.name);
        hosts.push(host);
        errors.push(forbidden(`${path}.${action}.host`, host));
      }
    }
  }
  if (names.length === 0) return undefined;
  const badContainers = sorted(names);
  const badHosts = sorted(hosts);
  return {
    reason: 'probe or lifecycle host',
    detail: `${plural('container', 'containers', badContainers.length)} ${joinQuote(badContainers)} ${plural('uses', 'use', badContainers.length)} ${plural('probe or lifecycle host', 'probe or lifecycle hosts', badHosts.length)} ${joinQuote(badHosts)}`,
    errors,
    noFieldErrors: true,
  };
}

const APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorProfile(pod: PodView): CheckOutcome | undefined {
  const setters = new Setters();
  const badValues: string[] = [];
  const podType = obj(pod.sc?.appArmorProfile, 'spec.securityContext.appArmorProfile');
  if (podType) {
    const type = str(podType.type, 'spec.securityContext.appArmorProfile.type') ?? '';
    if (!APPARMOR_TYPES.has(type)) {
      setters.add('pod', forbidden('spec.securityContext.appArmorProfile.type', type));
      badValues.push(type);
    }
  }
  const names: string[] = [];
  const errors: FieldError[] = [];
  for (const c of pod.containers) {
    const { value, path } = scField(c, 'appArmorProfile');
    if (obj(value, path) === undefined) continue;
    const type = str(obj(value, path)?.type, `${path}.type`) ?? '';
    if (APPARMOR_TYPES.has(type)) continue;
    names.push(c.name);
    errors.push(forbidden(`${path}.type`, type));
    badValues.push(type);
  }
  setters.addContainers(names, errors);
  const annotations = Object.keys(pod.annotations)
    .filter((k) => k.startsWith(APPARMOR_ANNOTATION_PREFIX))
    .sort()
    .filter((k) => {
      const v = pod.annotations[k];
      return !(v === '' || v === 'runtime/default' || v.startsWith('localhost/'));
    });
  const values = [...sorted(badValues), ...annotations.map((k) => `${k}=${quote(pod.annotations[k])}`)];
  if (annotations.length > 0) {
    setters.add(plural('annotation', 'annotations', annotations.length), ...annotations.map((k) => forbidden(`metadata.annotations[${k}]`, pod.annotations[k])));
  }
  if (setters.data.length === 0) return undefined;
  return {
    reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${setters.text} must not set AppArmor profile type to ${joinQuote(values)}`,
    errors: setters.errors,
  };
}

function seLinuxOptions(allowed: ReadonlySet<string>): CheckFn {
  return (pod) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const problems = (opts: Obj, base: string): FieldError[] => {
      const errs: FieldError[] = [];
      const type = str(opts.type, `${base}.type`) ?? '';
      if (!allowed.has(type)) {
        badTypes.push(type);
        errs.push(forbidden(`${base}.type`, type));
      }
      for (const k of ['user', 'role'] as const) {
        const v = str(opts[k], `${base}.${k}`) ?? '';
        if (v === '') continue;
        if (k === 'user') setUser = true;
        else setRole = true;
        errs.push(forbidden(`${base}.${k}`, v));
      }
      return errs;
    };
    const setters = new Setters();
    const podOpts = obj(pod.sc?.seLinuxOptions, 'spec.securityContext.seLinuxOptions');
    if (podOpts) {
      const errs = problems(podOpts, 'spec.securityContext.seLinuxOptions');
      if (errs.length > 0) setters.add('pod', ...errs);
    }
    const names: string[] = [];
    const errors: FieldError[] = [];
    for (const c of pod.containers) {
      const { value, path } = scField(c, 'seLinuxOptions');
      const opts = obj(value, path);
      if (!opts) continue;
      const errs = problems(opts, path);
      if (errs.length === 0) continue;
      names.push(c.name);
      errors.push(...errs);
    }
    setters.addContainers(names, errors);
    if (setters.data.length === 0) return undefined;
    const types = sorted(badTypes);
    const data = [
      ...(types.length > 0 ? [`${plural('type', 'types', types.length)} ${joinQuote(types)}`] : []),
      ...(setUser ? ['user may not be set'] : []),
      ...(setRole ? ['role may not be set'] : []),
    ];
    return { reason: 'seLinuxOptions', detail: `${setters.text} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`, errors: setters.errors };
  };
}

function procMount(pod: PodView, ctx: CheckContext): CheckOutcome | undefined {
  if (userNamespaceRelaxed(pod, ctx)) return undefined;
  const names: string[] = [];
  const errors: FieldError[] = [];
  const types: string[] = [];
  for (const c of pod.containers) {
    const { value, path } = scField(c, 'procMount');
    const type = str(value, path);
    if (type === undefined || type === 'Default') continue;
    names.push(c.name);
    errors.push(forbidden(path, type));
    types.push(type);
  }
  if (names.length === 0) return undefined;
  return { reason: 'procMount', detail: `${containers(names)} must not set securityContext.procMount to ${joinQuote(sorted(types))}`, errors };
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccompAnnotation = (v: string): boolean => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
const validSeccompType = (t: string): boolean => t === 'RuntimeDefault' || t === 'Localhost';

/** Before 1.19 seccomp was set through annotations. */
function seccompAnnotations(pod: PodView): CheckOutcome | undefined {
  const keys = [SECCOMP_POD_ANNOTATION, ...pod.containers.map((c) => SECCOMP_CONTAINER_ANNOTATION + c.name)];
  const bad = sorted(keys.filter((k) => k in pod.annotations && !validSeccompAnnotation(pod.annotations[k])));
  if (bad.length === 0) return undefined;
  return {
    reason: 'seccompProfile',
    detail: `forbidden ${plural('annotation', 'annotations', bad.length)} ${bad.map((k) => `${k}=${quote(pod.annotations[k])}`).join(', ')}`,
    errors: bad.map((k) => forbidden(`metadata.annotations[${k}]`, pod.annotations[k])),
  };
}

/** The seccomp profile types set explicitly to a value other than RuntimeDefault/Localhost. */
function explicitSeccomp(pod: PodView): { setters: Setters; badValues: string[]; podValid: boolean; unset: ContainerView[] } {
  const setters = new Setters();
  const badValues: string[] = [];
  let podValid = false;
  const podProfile = obj(pod.sc?.seccompProfile, 'spec.securityContext.seccompProfile');
  if (podProfile) {
    const type = str(podProfile.type, 'spec.securityContext.seccompProfile.type') ?? '';
    if (validSeccompType(type)) podValid = true;
    else {
      setters.add('pod', forbidden('spec.securityContext.seccompProfile.type', type));
      badValues.push(type);
    }
  }
  const names: string[] = [];
  const errors: FieldError[] = [];
  const unset: ContainerView[] = [];
  for (const c of pod.containers) {
    const { value, path } = scField(c, 'seccompProfile');
    const profile = obj(value, path);
    if (!profile) {
      unset.push(c);
      continue;
    }
    const type = str(profile.type, `${path}.type`) ?? '';
    if (validSeccompType(type)) continue;
    names.push(c.name);
    errors.push(forbidden(`${path}.type`, type));
    badValues.push(type);
  }
  setters.addContainers(names, errors);
  return { setters, badValues, podValid, unset };
}

const seccompExplicitOutcome = (setters: Setters, badValues: string[]): CheckOutcome => ({
  reason: 'seccompProfile',
  detail: `${setters.text} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(badValues))}`,
  errors: setters.errors,
});

function seccompBaseline(pod: PodView): CheckOutcome | undefined {
  const { setters, badValues } = explicitSeccomp(pod);
  return setters.data.length > 0 ? seccompExplicitOutcome(setters, badValues) : undefined;
}

function seccompRestricted(pod: PodView): CheckOutcome | undefined {
  const { setters, badValues, podValid, unset } = explicitSeccomp(pod);
  if (setters.data.length > 0) return seccompExplicitOutcome(setters, badValues);
  if (podValid || unset.length === 0) return undefined;
  return {
    reason: 'seccompProfile',
    detail: `pod or ${containers(unset.map((c) => c.name))} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    errors: unset.map((c) => required(`${c.path}.securityContext.seccompProfile.type`)),
  };
}

const SYSCTLS_1_0 = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']);
const SYSCTLS_1_27 = new Set([...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports']);
const SYSCTLS_1_29 = new Set([...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const SYSCTLS_1_32 = new Set([...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']);

function sysctls(allowed: ReadonlySet<string>): CheckFn {
  return (pod) => {
    const bad = list(pod.sc?.sysctls, 'spec.securityContext.sysctls').flatMap((s, i) => {
      const path = `spec.securityContext.sysctls[${i}]`;
      const name = str(obj(s, path)?.name, `${path}.name`) ?? '';
      return allowed.has(name) ? [] : [{ name, error: forbidden(`${path}.name`, name) }];
    });
    if (bad.length === 0) return undefined;
    return { reason: 'forbidden sysctls', detail: bad.map((b) => b.name).join(', '), errors: bad.map((b) => b.error) };
  };
}

function windowsHostProcess(pod: PodView): CheckOutcome | undefined {
  const setters = new Setters();
  if (bool(obj(pod.sc?.windowsOptions, 'spec.securityContext.windowsOptions')?.hostProcess, 'spec.securityContext.windowsOptions.hostProcess') === true) {
    setters.add('pod', forbidden('spec.securityContext.windowsOptions.hostProcess', true));
  }
  const bad = pod.containers.filter((c) => {
    const { value, path } = scField(c, 'windowsOptions', 'hostProcess');
    return bool(value, path) === true;
  });
  setters.addContainers(bad.map((c) => c.name), bad.map((c) => forbidden(`${c.path}.securityContext.windowsOptions.hostProcess`, true)));
  if (setters.data.length === 0) return undefined;
  return { reason: 'hostProcess', detail: `${setters.text} must not set securityContext.windowsOptions.hostProcess=true`, errors: setters.errors };
}

/** Inline volume sources the restricted standard forbids, in the order PSA tests them. */
const RESTRICTED_VOLUME_TYPES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs',
  'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

function restrictedVolumes(pod: PodView): CheckOutcome | undefined {
  const names: string[] = [];
  const types: string[] = [];
  const errors: FieldError[] = [];
  for (const { v, name, path } of volumes(pod)) {
    const present = (k: string): boolean => obj(v[k], `${path}.${k}`) !== undefined;
    if ([...RESTRICTED_VOLUME_SOURCES].some(present)) continue;
    // A volume with no source the API server knows is defaulted to emptyDir before admission.
    const type = RESTRICTED_VOLUME_TYPES.find(present);
    if (!type) continue;
    names.push(name);
    types.push(type);
    errors.push(forbidden(`${path}.${type}`));
  }
  if (names.length === 0) return undefined;
  const distinct = sorted(types);
  return {
    reason: 'restricted volume types',
    detail: `${plural('volume', 'volumes', names.length)} ${joinQuote(names)} ${plural('uses', 'use', names.length)} ${plural('restricted volume type', 'restricted volume types', distinct.length)} ${joinQuote(distinct)}`,
    errors,
  };
}

/** From 1.25 on, pods that declare `spec.os.name: windows` are exempt: the API rejects these Linux-only fields on them. */
const linuxOnly = (check: CheckFn): CheckFn => (pod, ctx) => (isWindows(pod) ? undefined : check(pod, ctx));

function allowPrivilegeEscalation(pod: PodView): CheckOutcome | undefined {
  const names: string[] = [];
  const errors: FieldError[] = [];
  for (const c of pod.containers) {
    const { value, path } = scField(c, 'allowPrivilegeEscalation');
    const ape = bool(value, path);
    if (ape === false) continue;
    names.push(c.name);
    errors.push(c.sc === undefined ? required(path) : forbidden(path, ape === undefined ? 'nil' : true));
  }
  if (names.length === 0) return undefined;
  return { reason: 'allowPrivilegeEscalation != false', detail: `${containers(names)} must set securityContext.allowPrivilegeEscalation=false`, errors };
}

function runAsNonRoot(pod: PodView, ctx: CheckContext): CheckOutcome | undefined {
  if (userNamespaceRelaxed(pod, ctx)) return undefined;
  const setters = new Setters();
  const podValue = bool(pod.sc?.runAsNonRoot, 'spec.securityContext.runAsNonRoot');
  if (podValue === false) setters.add('pod', forbidden('spec.securityContext.runAsNonRoot', false));
  const explicit: string[] = [];
  const explicitErrors: FieldError[] = [];
  const implicit: string[] = [];
  const implicitErrors: FieldError[] = [];
  for (const c of pod.containers) {
    const { value, path } = scField(c, 'runAsNonRoot');
    const v = bool(value, path);
    if (v === false) {
      explicit.push(c.name);
      explicitErrors.push(forbidden(path, false));
    } else if (v === undefined && podValue !== true) {
      implicit.push(c.name);
      implicitErrors.push(required(path));
    }
  }
  setters.addContainers(explicit, explicitErrors);
  const explicitPart = setters.data.length > 0 ? { detail: `${setters.text} must not set securityContext.runAsNonRoot=false`, errors: setters.errors } : undefined;
  const implicitPart = implicit.length > 0 ? { detail: `pod or ${containers(implicit)} must set securityContext.runAsNonRoot=true`, errors: implicitErrors } : undefined;
  const parts = ctx.kyverno ? [explicitPart, implicitPart].filter((p) => p !== undefined) : [explicitPart ?? implicitPart].filter((p) => p !== undefined);
  if (parts.length === 0) return undefined;
  return { reason: 'runAsNonRoot != true', detail: parts.map((p) => p.detail).join('\n'), errors: parts.flatMap((p) => p.errors) };
}

function runAsUser(pod: PodView, ctx: CheckContext): CheckOutcome | undefined {
  if (userNamespaceRelaxed(pod, ctx)) return undefined;
  const setters = new Setters();
  if (int(pod.sc?.runAsUser, 'spec.securityContext.runAsUser') === 0) setters.add('pod', forbidden('spec.securityContext.runAsUser', 0));
  const bad = pod.containers.filter((c) => {
    const { value, path } = scField(c, 'runAsUser');
    return int(value, path) === 0;
  });
  setters.addContainers(bad.map((c) => c.name), bad.map((c) => forbidden(`${c.path}.securityContext.runAsUser`, 0)));
  if (setters.data.length === 0) return undefined;
  return { reason: 'runAsUser=0', detail: `${setters.text} must not set runAsUser=0`, errors: setters.errors };
}

function capabilitiesRestricted(pod: PodView): CheckOutcome | undefined {
  const missingDrop: string[] = [];
  const missingErrors: FieldError[] = [];
  const adding: string[] = [];
  const addingErrors: FieldError[] = [];
  const forbiddenCaps: string[] = [];
  for (const c of pod.containers) {
    const base = `${c.path}.securityContext.capabilities`;
    const caps = obj(c.sc?.capabilities, base);
    if (!caps) {
      missingDrop.push(c.name);
      missingErrors.push(required(`${base}.drop`));
      continue;
    }
    const drop = strings(caps.drop, `${base}.drop`);
    if (!drop.includes('ALL')) {
      missingDrop.push(c.name);
      missingErrors.push(drop.length > 0 ? forbidden(`${base}.drop`, sorted(drop)) : required(`${base}.drop`));
    }
    const bad = strings(caps.add, `${base}.add`).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (bad.length > 0) {
      adding.push(c.name);
      addingErrors.push(forbidden(`${base}.add`, sorted(bad)));
      forbiddenCaps.push(...bad);
    }
  }
  const details = [
    ...(missingDrop.length > 0 ? [`${containers(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`] : []),
    ...(adding.length > 0 ? [`${containers(adding)} must not include ${joinQuote(sorted(forbiddenCaps))} in securityContext.capabilities.add`] : []),
  ];
  if (details.length === 0) return undefined;
  return { reason: 'unrestricted capabilities', detail: details.join('; '), errors: [...missingErrors, ...addingErrors] };
}

/** A check whose first version is the control's first PSS version; later versions follow. */
function check(id: ControlId, first: Omit<VersionedCheck, 'minor'>, ...later: VersionedCheck[]): PssCheck {
  const c = control(id);
  if (!c.level) throw new Error(`${id} is not a Pod Security Standards control`);
  return { id, level: c.level, versions: [{ minor: c.sinceMinor ?? 0, ...first }, ...later] };
}

export const PSS_CHECKS: readonly PssCheck[] = [
  check('windowsHostProcess', { check: windowsHostProcess }),
  check('hostNamespaces', { check: hostNamespaces }),
  check('privileged', { check: privileged }),
  check('capabilities_baseline', { check: capabilitiesBaseline }),
  check('hostPathVolumes', { check: hostPathVolumes }),
  check('hostPorts', { check: hostPorts }),
  check('hostProbesAndHostLifecycle', { check: hostProbesAndHostLifecycle }),
  check('appArmorProfile', { check: appArmorProfile }),
  check('seLinuxOptions', { check: seLinuxOptions(SELINUX_TYPES_1_0) }, { minor: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) }),
  check('procMount', { check: procMount }),
  check('seccompProfile_baseline', { check: seccompAnnotations }, { minor: 19, check: seccompBaseline }),
  check('sysctls', { check: sysctls(SYSCTLS_1_0) }, { minor: 27, check: sysctls(SYSCTLS_1_27) }, { minor: 29, check: sysctls(SYSCTLS_1_29) }, { minor: 32, check: sysctls(SYSCTLS_1_32) }),
  check('restrictedVolumes', { check: restrictedVolumes, overrides: ['hostPathVolumes'] }),
  check('allowPrivilegeEscalation', { check: allowPrivilegeEscalation }, { minor: 25, check: linuxOnly(allowPrivilegeEscalation) }),
  check('runAsNonRoot', { check: runAsNonRoot }),
  check('runAsUser', { check: runAsUser }),
  check('seccompProfile_restricted', { check: seccompRestricted, overrides: ['seccompProfile_baseline'] }, { minor: 25, check: linuxOnly(seccompRestricted), overrides: ['seccompProfile_baseline'] }),
  check('capabilities_restricted', { check: capabilitiesRestricted, overrides: ['capabilities_baseline'] }, { minor: 25, check: linuxOnly(capabilitiesRestricted), overrides: ['capabilities_baseline'] }),
];

/** The newest policy version any check changes at: PSA evaluates newer versions (and `latest`) as this one. */
export const NEWEST_CHECK_MINOR = Math.max(...PSS_CHECKS.flatMap((c) => c.versions.map((v) => v.minor)));
