/**
 * One PodSecurityPolicy as the admission plugin applies it (`pkg/security/podsecuritypolicy`, last
 * in Kubernetes 1.24): `mutate` fills in the defaults the policy generates (user, groups, SELinux,
 * capabilities, read-only root, privilege escalation, seccomp and AppArmor annotations, runtime
 * class), `validate` lists what the pod does that the policy does not allow.
 * Container settings are read as effective values: the container's own, else the pod's.
 */
import type { KubeObject } from '../../admission';
import { bool, int, list, obj, str, strings, type Obj } from '../pss/pod';
import { forbidden, invalid, required, type PspFieldError } from './field-error';

export class InvalidPspError extends Error {}

interface IdRange {
  min: number;
  max: number;
}

const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER = 'container.seccomp.security.alpha.kubernetes.io/';
const APPARMOR_CONTAINER = 'container.apparmor.security.beta.kubernetes.io/';

/** Pod volume keys in the order PSP tests them, with their PSP volume type where it differs. */
const VOLUME_TYPES: [string, string][] = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim',
  'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk',
  'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
].map((k) => [k, k === 'cephfs' ? 'cephFS' : k]);

const rangesText = (ranges: IdRange[]): string => `[${ranges.map((r) => `{${r.min} ${r.max}}`).join(' ')}]`;
const inRanges = (id: number, ranges: IdRange[]): boolean => ranges.some((r) => id >= r.min && id <= r.max);

function readRanges(v: unknown, path: string): IdRange[] {
  return list(v, path).map((r, i) => {
    const o = obj(r, `${path}[${i}]`) ?? {};
    return { min: int(o.min, `${path}[${i}].min`) ?? 0, max: int(o.max, `${path}[${i}].max`) ?? 0 };
  });
}

interface GroupStrategy {
  generate(): number[] | undefined;
  validate(path: string, groups: number[]): PspFieldError[];
}

function groupStrategy(spec: Obj, key: string, optional: boolean): GroupStrategy {
  const s = obj(spec[key], `spec.${key}`);
  const rule = str(s?.rule, `spec.${key}.rule`);
  const ranges = readRanges(s?.ranges, `spec.${key}.ranges`);
  const outOfRange = (path: string, groups: number[]): PspFieldError[] =>
    groups.filter((g) => !inRanges(g, ranges)).map((g) => invalid(path, groups, `group ${g} must be in the ranges: ${rangesText(ranges)}`));
  if (rule === 'RunAsAny' || (rule === undefined && optional)) return { generate: () => undefined, validate: () => [] };
  if ((rule === 'MustRunAs' || rule === 'MayRunAs') && ranges.length === 0) throw new InvalidPspError(`${key}: ${rule} requires at least one range`);
  if (rule === 'MustRunAs') {
    return {
      generate: () => [ranges[0].min],
      validate: (path, groups) => (groups.length === 0 ? [invalid(path, groups, 'unable to validate empty groups against required ranges')] : outOfRange(path, groups)),
    };
  }
  if (rule === 'MayRunAs') return { generate: () => undefined, validate: outOfRange };
  throw new InvalidPspError(`${key}.rule: unsupported value ${JSON.stringify(rule)}`);
}

/** The seccomp annotation value of a `seccompProfile` field. */
function seccompValue(profile: Obj | undefined, path: string): string {
  if (!profile) return '';
  const type = str(profile.type, `${path}.type`);
  if (type === 'RuntimeDefault') return 'runtime/default';
  if (type === 'Unconfined') return 'unconfined';
  if (type === 'Localhost') return `localhost/${str(profile.localhostProfile, `${path}.localhostProfile`) ?? ''}`;
  return '';
}

interface ContainerRef {
  c: Obj;
  path: string;
}

function containersOf(spec: Obj): ContainerRef[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((l) =>
    list(spec[l], `spec.${l}`).map((c, i) => ({ c: obj(c, `spec.${l}[${i}]`) ?? {}, path: `spec.${l}[${i}]` })),
  );
}

export interface Provider {
  name: string;
  /** Applies the policy's defaults to the pod (in place). */
  mutate(pod: KubeObject): void;
  validate(pod: KubeObject): PspFieldError[];
}

/** A provider for one PSP; a PSP the API server would refuse (a rule without its ranges) throws InvalidPspError. */
export function pspProvider(psp: KubeObject): Provider {
  const metadata = obj(psp.metadata, 'metadata') ?? {};
  const name = str(metadata.name, 'metadata.name') ?? '';
  const pspAnnotations = (obj(metadata.annotations, 'metadata.annotations') ?? {}) as Record<string, string>;
  const spec = obj(psp.spec, 'spec') ?? {};
  const flag = (k: string): boolean => bool(spec[k], `spec.${k}`) === true;
  // policy/v1beta1 defaults allowPrivilegeEscalation to true.
  const allowEscalation = bool(spec.allowPrivilegeEscalation, 'spec.allowPrivilegeEscalation') ?? true;
  const defaultEscalation = bool(spec.defaultAllowPrivilegeEscalation, 'spec.defaultAllowPrivilegeEscalation');
  const readOnlyRoot = flag('readOnlyRootFilesystem');

  const runAsUser = obj(spec.runAsUser, 'spec.runAsUser');
  const userRule = str(runAsUser?.rule, 'spec.runAsUser.rule');
  const userRanges = readRanges(runAsUser?.ranges, 'spec.runAsUser.ranges');
  if (!['MustRunAs', 'MustRunAsNonRoot', 'RunAsAny'].includes(userRule ?? '')) throw new InvalidPspError(`runAsUser.rule: unsupported value ${JSON.stringify(userRule)}`);
  if (userRule === 'MustRunAs' && userRanges.length === 0) throw new InvalidPspError('runAsUser: MustRunAs requires at least one range');
  const runAsGroup = groupStrategy(spec, 'runAsGroup', true);
  const fsGroup = groupStrategy(spec, 'fsGroup', false);
  const supplementalGroups = groupStrategy(spec, 'supplementalGroups', false);

  const seLinux = obj(spec.seLinux, 'spec.seLinux');
  const seLinuxRule = str(seLinux?.rule, 'spec.seLinux.rule');
  const seLinuxOptions = obj(seLinux?.seLinuxOptions, 'spec.seLinux.seLinuxOptions');
  if (seLinuxRule !== 'MustRunAs' && seLinuxRule !== 'RunAsAny') throw new InvalidPspError(`seLinux.rule: unsupported value ${JSON.stringify(seLinuxRule)}`);
  if (seLinuxRule === 'MustRunAs' && !seLinuxOptions) throw new InvalidPspError('seLinux: MustRunAs requires seLinuxOptions');

  const defaultAdd = strings(spec.defaultAddCapabilities, 'spec.defaultAddCapabilities');
  const requiredDrop = strings(spec.requiredDropCapabilities, 'spec.requiredDropCapabilities');
  const allowedCaps = strings(spec.allowedCapabilities, 'spec.allowedCapabilities');
  const volumes = strings(spec.volumes, 'spec.volumes');
  const hostPorts = readRanges(spec.hostPorts, 'spec.hostPorts');
  const procMounts = strings(spec.allowedProcMountTypes, 'spec.allowedProcMountTypes');
  const allowedUnsafeSysctls = strings(spec.allowedUnsafeSysctls, 'spec.allowedUnsafeSysctls');
  const forbiddenSysctls = strings(spec.forbiddenSysctls, 'spec.forbiddenSysctls');
  const runtimeClass = obj(spec.runtimeClass, 'spec.runtimeClass');

  const seccompAllowedText = pspAnnotations['seccomp.security.alpha.kubernetes.io/allowedProfileNames'];
  const seccompAllowed = seccompAllowedText === undefined ? undefined : seccompAllowedText.split(',');
  const seccompDefault = pspAnnotations['seccomp.security.alpha.kubernetes.io/defaultProfileName'] ?? '';
  const apparmorAllowedText = pspAnnotations['apparmor.security.beta.kubernetes.io/allowedProfileNames'];
  const apparmorAllowed = apparmorAllowedText === undefined ? undefined : apparmorAllowedText.split(',');
  const apparmorDefault = pspAnnotations['apparmor.security.beta.kubernetes.io/defaultProfileName'] ?? '';

  const podSc = (pod: KubeObject): Obj | undefined => obj(obj(pod.spec, 'spec')?.securityContext, 'spec.securityContext');
  const annotationsOf = (pod: KubeObject): Record<string, string> =>
    (obj(obj(pod.metadata, 'metadata')?.annotations, 'metadata.annotations') ?? {}) as Record<string, string>;
  const setAnnotation = (pod: KubeObject, key: string, value: string): void => {
    const meta = (pod.metadata ??= {}) as Obj;
    meta.annotations = { ...((meta.annotations as Obj | undefined) ?? {}), [key]: value };
  };
  /** The container's setting, else the pod's (for the fields both levels have). */
  const effective = (pod: KubeObject, c: Obj, field: string): unknown => {
    const own = obj(c.securityContext, 'securityContext')?.[field];
    return own ?? (['runAsUser', 'runAsGroup', 'runAsNonRoot', 'seLinuxOptions'].includes(field) ? podSc(pod)?.[field] : undefined);
  };
  const podProfile = (pod: KubeObject): string => annotationsOf(pod)[SECCOMP_POD] ?? seccompValue(obj(podSc(pod)?.seccompProfile, 'spec.securityContext.seccompProfile'), 'spec.securityContext.seccompProfile');
  const containerProfile = (pod: KubeObject, c: Obj, path: string): string => {
    const key = SECCOMP_CONTAINER + (str(c.name, `${path}.name`) ?? '');
    const annotations = annotationsOf(pod);
    if (key in annotations) return annotations[key];
    const own = obj(obj(c.securityContext, `${path}.securityContext`)?.seccompProfile, `${path}.securityContext.seccompProfile`);
    return own ? seccompValue(own, `${path}.securityContext.seccompProfile`) : podProfile(pod);
  };
  const seccompErrors = (profile: string, field: string): PspFieldError[] => {
    const any = seccompAllowed?.includes('*') ?? false;
    const named = (seccompAllowed ?? []).filter((p) => p !== '*');
    if (!any && named.length === 0 && profile !== '') return [forbidden(field, 'seccomp may not be set')];
    const allowed = (named.length === 0 && profile === '') || any || named.includes(profile);
    return allowed ? [] : [forbidden(field, `${profile} is not an allowed seccomp profile. Valid values are ${seccompAllowedText}`)];
  };
  const seLinuxErrors = (path: string, options: Obj | undefined): PspFieldError[] => {
    if (seLinuxRule !== 'MustRunAs') return [];
    if (!options) return [required(path)];
    return ['level', 'role', 'type', 'user'].flatMap((k) => {
      const want = str(seLinuxOptions![k], `spec.seLinux.seLinuxOptions.${k}`) ?? '';
      const got = str(options[k], `${path}.${k}`) ?? '';
      return got === want ? [] : [invalid(`${path}.${k}`, got, `must be ${want}`)];
    });
  };
  const sysctlAllowed = (name: string, patterns: string[]): boolean =>
    patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));

  function mutateContainer(pod: KubeObject, c: Obj): void {
    const sc = (): Obj => (c.securityContext ??= {}) as Obj;
    const set = (field: string, value: unknown): void => {
      if (value === undefined || JSON.stringify(effective(pod, c, field)) === JSON.stringify(value)) return;
      sc()[field] = value;
    };
    if (effective(pod, c, 'runAsUser') === undefined && userRule === 'MustRunAs') set('runAsUser', userRanges[0].min);
    if (effective(pod, c, 'runAsGroup') === undefined) set('runAsGroup', runAsGroup.generate()?.[0]);
    if (effective(pod, c, 'seLinuxOptions') === undefined && seLinuxRule === 'MustRunAs') set('seLinuxOptions', { ...seLinuxOptions });
    const cname = String(c.name ?? '');
    if (apparmorDefault !== '' && !annotationsOf(pod)[APPARMOR_CONTAINER + cname]) setAnnotation(pod, APPARMOR_CONTAINER + cname, apparmorDefault);
    if (effective(pod, c, 'runAsNonRoot') === undefined && effective(pod, c, 'runAsUser') === undefined && userRule === 'MustRunAsNonRoot') set('runAsNonRoot', true);
    const caps = obj(obj(c.securityContext, 'securityContext')?.capabilities, 'securityContext.capabilities');
    const containerAdd = strings(caps?.add, 'capabilities.add');
    const containerDrop = strings(caps?.drop, 'capabilities.drop');
    const add = [...new Set([...defaultAdd.filter((a) => !containerDrop.includes(a)), ...containerAdd])].sort();
    const drop = [...new Set([...requiredDrop, ...containerDrop])].sort();
    const generated = add.length === 0 && drop.length === 0 ? undefined : { ...(add.length ? { add } : {}), ...(drop.length ? { drop } : {}) };
    if (generated === undefined) {
      if (caps !== undefined) delete (c.securityContext as Obj).capabilities;
    } else set('capabilities', generated);
    if (readOnlyRoot && effective(pod, c, 'readOnlyRootFilesystem') === undefined) set('readOnlyRootFilesystem', true);
    if (defaultEscalation !== undefined && effective(pod, c, 'allowPrivilegeEscalation') === undefined) set('allowPrivilegeEscalation', defaultEscalation);
    if (!allowEscalation && effective(pod, c, 'allowPrivilegeEscalation') === undefined) set('allowPrivilegeEscalation', false);
  }

  function validateContainer(pod: KubeObject, c: Obj, path: string): PspFieldError[] {
    const errs: PspFieldError[] = [];
    const scPath = `${path}.securityContext`;
    const nonRoot = bool(effective(pod, c, 'runAsNonRoot'), `${scPath}.runAsNonRoot`);
    const uid = int(effective(pod, c, 'runAsUser'), `${scPath}.runAsUser`);
    if (userRule === 'MustRunAs') {
      if (uid === undefined) errs.push(required(`${scPath}.runAsUser`));
      else if (!inRanges(uid, userRanges)) errs.push(invalid(`${scPath}.runAsUser`, uid, `must be in the ranges: ${rangesText(userRanges)}`));
    } else if (userRule === 'MustRunAsNonRoot') {
      if (nonRoot === undefined && uid === undefined) errs.push(required(`${scPath}.runAsNonRoot`, 'must be true'));
      else if (nonRoot === false) errs.push(invalid(`${scPath}.runAsNonRoot`, false, 'must be true'));
      else if (uid === 0) errs.push(invalid(`${scPath}.runAsUser`, 0, 'running with the root UID is forbidden'));
    }
    const gid = int(effective(pod, c, 'runAsGroup'), `${scPath}.runAsGroup`);
    errs.push(...runAsGroup.validate(scPath, gid === undefined ? [] : [gid]));
    errs.push(...seLinuxErrors(`${scPath}.seLinuxOptions`, obj(effective(pod, c, 'seLinuxOptions'), `${scPath}.seLinuxOptions`)));
    const cname = str(c.name, `${path}.name`) ?? '';
    if (apparmorAllowed !== undefined) {
      const profile = annotationsOf(pod)[APPARMOR_CONTAINER + cname] ?? '';
      const field = `pod.metadata.annotations[${APPARMOR_CONTAINER}${cname}]`;
      if (profile === '') {
        if (apparmorAllowed.length > 0) errs.push(forbidden(field, 'AppArmor profile must be set'));
      } else if (!apparmorAllowed.includes(profile)) {
        errs.push(forbidden(field, `${profile} is not an allowed profile. Allowed values: ${JSON.stringify(apparmorAllowedText)}`));
      }
    }
    errs.push(...seccompErrors(containerProfile(pod, c, path), `pod.metadata.annotations[${SECCOMP_CONTAINER}${cname}]`));
    const sc = obj(c.securityContext, scPath);
    if (!flag('privileged') && bool(sc?.privileged, `${scPath}.privileged`) === true) errs.push(invalid(`${scPath}.privileged`, true, 'Privileged containers are not allowed'));
    const procMount = str(sc?.procMount, `${scPath}.procMount`) ?? 'Default';
    if (!(procMounts.length > 0 ? procMounts : ['Default']).includes(procMount)) errs.push(invalid(`${scPath}.procMount`, procMount, 'ProcMountType is not allowed'));
    errs.push(...capabilityErrors(`${scPath}.capabilities`, obj(sc?.capabilities, `${scPath}.capabilities`)));
    list(c.ports, `${path}.ports`).forEach((p, i) => {
      const port = int(obj(p, `${path}.ports[${i}]`)?.hostPort, `${path}.ports[${i}].hostPort`) ?? 0;
      if (port > 0 && !inRanges(port, hostPorts)) {
        const allowed = hostPorts.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(',');
        errs.push(invalid(`${path}.hostPort`, port, `Host port ${port} is not allowed to be used. Allowed ports: [${allowed}]`));
      }
    });
    if (readOnlyRoot) {
      const ro = bool(sc?.readOnlyRootFilesystem, `${scPath}.readOnlyRootFilesystem`);
      if (ro === undefined) errs.push(invalid(`${scPath}.readOnlyRootFilesystem`, null, 'ReadOnlyRootFilesystem may not be nil and must be set to true'));
      else if (!ro) errs.push(invalid(`${scPath}.readOnlyRootFilesystem`, false, 'ReadOnlyRootFilesystem must be set to true'));
    }
    const ape = bool(sc?.allowPrivilegeEscalation, `${scPath}.allowPrivilegeEscalation`);
    if (!allowEscalation && ape !== false) errs.push(invalid(`${scPath}.allowPrivilegeEscalation`, ape ?? null, 'Allowing privilege escalation for containers is not allowed'));
    return errs;
  }

  function capabilityErrors(path: string, caps: Obj | undefined): PspFieldError[] {
    if (!caps) {
      if (defaultAdd.length === 0 && requiredDrop.length === 0) return [];
      return [invalid(path, null, 'required capabilities are not set on the securityContext')];
    }
    if (allowedCaps.includes('*')) return [];
    const drop = strings(caps.drop, `${path}.drop`);
    return [
      ...strings(caps.add, `${path}.add`).filter((c) => !defaultAdd.includes(c) && !allowedCaps.includes(c)).map((c) => invalid(`${path}.add`, c, 'capability may not be added')),
      ...requiredDrop.filter((c) => !drop.includes(c)).map((c) => invalid(`${path}.drop`, drop, `${c} is required to be dropped but was not found`)),
    ];
  }

  function volumeErrors(pod: KubeObject, podSpec: Obj): PspFieldError[] {
    const errs: PspFieldError[] = [];
    const all = volumes.includes('*');
    list(podSpec.volumes, 'spec.volumes').forEach((raw, i) => {
      const path = `spec.volumes[${i}]`;
      const v = obj(raw, path) ?? {};
      // A volume with no source the API server knows is defaulted to emptyDir.
      const [key, type] = VOLUME_TYPES.find(([k]) => obj(v[k], `${path}.${k}`) !== undefined) ?? ['emptyDir', 'emptyDir'];
      if (!all && !volumes.includes(type)) {
        errs.push(invalid(path, type, `${type} volumes are not allowed to be used`));
        return;
      }
      const source = obj(v[key], `${path}.${key}`) ?? {};
      if (key === 'hostPath') errs.push(...hostPathErrors(pod, v, String(source.path ?? ''), path));
      if (key === 'flexVolume') {
        const drivers = list(spec.allowedFlexVolumes, 'spec.allowedFlexVolumes').map((d) => String(obj(d, 'allowedFlexVolumes')?.driver ?? ''));
        if (drivers.length > 0 && !drivers.includes(String(source.driver ?? ''))) errs.push(invalid(`${path}.driver`, source.driver, 'Flexvolume driver is not allowed to be used'));
      }
      if (key === 'csi') {
        const drivers = list(spec.allowedCSIDrivers, 'spec.allowedCSIDrivers').map((d) => String(obj(d, 'allowedCSIDrivers')?.name ?? ''));
        if (drivers.length > 0 && !drivers.includes(String(source.driver ?? ''))) errs.push(invalid(`${path}.csi.driver`, source.driver, 'Inline CSI driver is not allowed to be used'));
      }
    });
    return errs;
  }

  function hostPathErrors(pod: KubeObject, v: Obj, hostPath: string, path: string): PspFieldError[] {
    const allowed = list(spec.allowedHostPaths, 'spec.allowedHostPaths').map((a, i) => obj(a, `spec.allowedHostPaths[${i}]`) ?? {});
    if (allowed.length === 0) return [];
    const matching = allowed.filter((a) => hasPathPrefix(hostPath, String(a.pathPrefix ?? '')));
    if (matching.length === 0) return [invalid(`${path}.hostPath.pathPrefix`, hostPath, 'is not allowed to be used')];
    if (matching.some((a) => a.readOnly !== true)) return [];
    // Every allowing entry is read-only: each container must mount the volume read-only.
    return containersOf(obj(pod.spec, 'spec') ?? {}).flatMap(({ c, path: cpath }) =>
      list(c.volumeMounts, `${cpath}.volumeMounts`).flatMap((m, i) => {
        const mount = obj(m, `${cpath}.volumeMounts[${i}]`) ?? {};
        return mount.name === v.name && mount.readOnly !== true ? [invalid(`${cpath}.volumeMounts[${i}].readOnly`, false, 'must be read-only')] : [];
      }),
    );
  }

  return {
    name,
    mutate(pod) {
      const podSpec = (pod.spec ??= {}) as Obj;
      const sc = (obj(podSpec.securityContext, 'spec.securityContext') ?? {}) as Obj;
      const before = JSON.stringify(sc);
      if (list(sc.supplementalGroups, 'spec.securityContext.supplementalGroups').length === 0) {
        const groups = supplementalGroups.generate();
        if (groups) sc.supplementalGroups = groups;
      }
      if (sc.fsGroup === undefined) {
        const group = fsGroup.generate()?.[0];
        if (group !== undefined) sc.fsGroup = group;
      }
      if (sc.seLinuxOptions === undefined && seLinuxRule === 'MustRunAs') sc.seLinuxOptions = { ...seLinuxOptions };
      if (JSON.stringify(sc) !== before) podSpec.securityContext = sc;
      // The default seccomp profile goes to the pod annotation when no pod profile is set.
      if (!annotationsOf(pod)[SECCOMP_POD] && !podSc(pod)?.seccompProfile && seccompDefault !== '') setAnnotation(pod, SECCOMP_POD, seccompDefault);
      const defaultRuntimeClass = str(runtimeClass?.defaultRuntimeClassName, 'spec.runtimeClass.defaultRuntimeClassName');
      if (defaultRuntimeClass !== undefined && podSpec.runtimeClassName === undefined) podSpec.runtimeClassName = defaultRuntimeClass;
      for (const { c } of containersOf(podSpec)) mutateContainer(pod, c);
    },
    validate(pod) {
      const podSpec = obj(pod.spec, 'spec') ?? {};
      const sc = podSc(pod);
      const scPath = 'spec.securityContext';
      const errs: PspFieldError[] = [];
      const fs = int(sc?.fsGroup, `${scPath}.fsGroup`);
      errs.push(...fsGroup.validate(`${scPath}.fsGroup`, fs === undefined ? [] : [fs]));
      const supplemental = list(sc?.supplementalGroups, `${scPath}.supplementalGroups`).map((g, i) => int(g, `${scPath}.supplementalGroups[${i}]`) ?? 0);
      errs.push(...supplementalGroups.validate(`${scPath}.supplementalGroups`, supplemental));
      errs.push(...seccompErrors(podProfile(pod), `pod.metadata.annotations[${SECCOMP_POD}]`));
      errs.push(...seLinuxErrors(`${scPath}.seLinuxOptions`, obj(sc?.seLinuxOptions, `${scPath}.seLinuxOptions`)));
      const hostNamespaces: [string, string][] = [['hostNetwork', 'Host network'], ['hostPID', 'Host PID'], ['hostIPC', 'Host IPC']];
      for (const [k, what] of hostNamespaces) {
        if (!flag(k) && bool(podSpec[k], `spec.${k}`) === true) errs.push(invalid(`${scPath}.${k}`, true, `${what} is not allowed to be used`));
      }
      list(sc?.sysctls, `${scPath}.sysctls`).forEach((s, i) => {
        const sysctl = str(obj(s, `${scPath}.sysctls[${i}]`)?.name, `${scPath}.sysctls[${i}].name`) ?? '';
        const path = `${scPath}.sysctls[${i}]`;
        if (sysctlAllowed(sysctl, forbiddenSysctls)) errs.push(forbidden(path, `sysctl "${sysctl}" is not allowed`));
        else if (!sysctlAllowed(sysctl, [...SAFE_SYSCTLS, ...allowedUnsafeSysctls])) errs.push(forbidden(path, `unsafe sysctl "${sysctl}" is not allowed`));
      });
      errs.push(...volumeErrors(pod, podSpec));
      if (runtimeClass) {
        const actual = str(podSpec.runtimeClassName, 'spec.runtimeClassName');
        const names = strings(runtimeClass.allowedRuntimeClassNames, 'spec.runtimeClass.allowedRuntimeClassNames');
        if (actual !== undefined && !names.includes('*') && !names.includes(actual)) errs.push(invalid('spec.runtimeClassName', actual, ''));
      }
      for (const { c, path } of containersOf(podSpec)) errs.push(...validateContainer(pod, c, path));
      return errs;
    },
  };
}

/** The path equals the prefix or continues it at a `/` (paths cleaned first, as `filepath.Clean`). */
function hasPathPrefix(path: string, prefix: string): boolean {
  const clean = (p: string): string => {
    const parts: string[] = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') parts.pop();
      else parts.push(seg);
    }
    return (p.startsWith('/') ? '/' : '') + parts.join('/') || '.';
  };
  const s = clean(path);
  const pre = clean(prefix);
  if (s === pre) return true;
  if (!s.startsWith(pre)) return false;
  return pre.endsWith('/') || s[pre.length] === '/';
}
