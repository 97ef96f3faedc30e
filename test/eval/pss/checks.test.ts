/**
 * Each Pod Security Standards control, at the level and versions where the Kubernetes documentation
 * (concepts/security/pod-security-standards) says its rule holds, on every container list and the pod
 * level. Expected values are the documented restricted fields and allowed values.
 */
import { evaluatePss, type PssLevel, type PssVersion } from '../../../src/eval/pss';
import type { KubeObject } from '../../../src/admission';
import { LISTS, probePath, restrictedPod, withContainer, withPodSecurityContext } from './fixtures';

/** The failed checks and their field paths. */
function failed(pod: KubeObject, level: PssLevel, version: PssVersion = 'latest'): Record<string, string[]> {
  const r = evaluatePss(pod, { level, version });
  expect(r.error).toBeUndefined();
  return Object.fromEntries(r.violations.map((v) => [v.checkId, v.paths]));
}

describe('the restricted fixture pod', () => {
  it.each(['baseline', 'restricted'] as const)('meets %s', (level) => {
    expect(evaluatePss(restrictedPod(), { level })).toEqual({ allowed: true, violations: [] });
  });
});

describe.each(LISTS)('container-level baseline controls on %s', (list) => {
  const p = probePath(list);
  it.each([
    ['privileged', { privileged: true }, `${p}.securityContext.privileged`],
    ['capabilities_baseline', { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }, `${p}.securityContext.capabilities.add`],
    ['capabilities_baseline', { capabilities: { drop: ['ALL'], add: ['NET_RAW'] } }, `${p}.securityContext.capabilities.add`],
    ['windowsHostProcess', { windowsOptions: { hostProcess: true } }, `${p}.securityContext.windowsOptions.hostProcess`],
    ['appArmorProfile', { appArmorProfile: { type: 'Unconfined' } }, `${p}.securityContext.appArmorProfile.type`],
    ['seLinuxOptions', { seLinuxOptions: { type: 'spc_t' } }, `${p}.securityContext.seLinuxOptions.type`],
    ['seLinuxOptions', { seLinuxOptions: { user: 'system_u' } }, `${p}.securityContext.seLinuxOptions.user`],
    ['seLinuxOptions', { seLinuxOptions: { role: 'sysadm_r' } }, `${p}.securityContext.seLinuxOptions.role`],
    ['procMount', { procMount: 'Unmasked' }, `${p}.securityContext.procMount`],
    ['seccompProfile_baseline', { seccompProfile: { type: 'Unconfined' } }, `${p}.securityContext.seccompProfile.type`],
  ])('%s fires on %j', (checkId, sc, path) => {
    expect(failed(withContainer(list, sc), 'baseline')).toEqual({ [checkId]: [path] });
  });

  it.each([
    { privileged: false },
    { capabilities: { drop: ['ALL'], add: ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'] } },
    { windowsOptions: { hostProcess: false } },
    { appArmorProfile: { type: 'RuntimeDefault' } },
    { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-apparmor' } },
    { seLinuxOptions: { type: 'container_t' } },
    { seLinuxOptions: { type: 'container_init_t', level: 's0:c123,c456' } },
    { seLinuxOptions: { type: 'container_kvm_t' } },
    { seLinuxOptions: { type: 'container_engine_t' } },
    { procMount: 'Default' },
    { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } },
  ])('baseline allows %j', (sc) => {
    expect(failed(withContainer(list, sc), 'baseline')).toEqual({});
  });
});

describe('pod-level baseline controls', () => {
  it.each([
    ['hostNamespaces', { hostNetwork: true }, 'spec.hostNetwork'],
    ['hostNamespaces', { hostPID: true }, 'spec.hostPID'],
    ['hostNamespaces', { hostIPC: true }, 'spec.hostIPC'],
    ['hostPathVolumes', { volumes: [{ name: 'host', hostPath: { path: '/' } }] }, 'spec.volumes[0].hostPath'],
    ['sysctls', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }, 'spec.securityContext.sysctls[0].name'],
    ['windowsHostProcess', { securityContext: { windowsOptions: { hostProcess: true } } }, 'spec.securityContext.windowsOptions.hostProcess'],
    ['appArmorProfile', { securityContext: { appArmorProfile: { type: 'Unconfined' } } }, 'spec.securityContext.appArmorProfile.type'],
    ['seLinuxOptions', { securityContext: { seLinuxOptions: { type: 'spc_t' } } }, 'spec.securityContext.seLinuxOptions.type'],
    ['seccompProfile_baseline', { securityContext: { seccompProfile: { type: 'Unconfined' } } }, 'spec.securityContext.seccompProfile.type'],
  ])('%s fires on %j', (checkId, spec, path) => {
    expect(failed(restrictedPod(spec), 'baseline')).toEqual({ [checkId]: [path] });
  });

  it.each([
    { hostNetwork: false, hostPID: false, hostIPC: false },
    { volumes: [{ name: 'cache', emptyDir: {} }] },
    {
      securityContext: {
        sysctls: ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'].map((name) => ({ name, value: '1' })),
      },
    },
  ])('baseline allows %j', (spec) => {
    expect(failed(restrictedPod(spec), 'baseline')).toEqual({});
  });

  it.each([
    ['container.apparmor.security.beta.kubernetes.io/app', 'unconfined', { appArmorProfile: ['metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]'] }],
    ['container.apparmor.security.beta.kubernetes.io/app', 'runtime/default', {}],
    ['container.apparmor.security.beta.kubernetes.io/app', 'localhost/k8s-apparmor', {}],
  ])('the AppArmor annotation %s=%s', (key, value, expected) => {
    expect(failed(restrictedPod({}, { [key]: value }), 'baseline')).toEqual(expected);
  });
});

describe('host ports (containers and init containers: ephemeral containers cannot have ports)', () => {
  it.each(['containers', 'initContainers'] as const)('a hostPort on %s is forbidden, 0 is allowed', (list) => {
    const p = probePath(list);
    expect(failed(withContainer(list, {}, { ports: [{ containerPort: 80, hostPort: 8080 }] }), 'baseline')).toEqual({ hostPorts: [`${p}.ports[0].hostPort`] });
    expect(failed(withContainer(list, {}, { ports: [{ containerPort: 80, hostPort: 0 }] }), 'baseline')).toEqual({});
  });
});

describe('host probes and lifecycle hooks (v1.34+)', () => {
  const probe = { livenessProbe: { httpGet: { host: '10.0.0.1', port: 80, path: '/' } } };
  const hook = { lifecycle: { preStop: { tcpSocket: { host: 'node.local', port: 22 } } } };
  it.each([
    [probe, 'spec.containers[1].livenessProbe.httpGet.host'],
    [hook, 'spec.containers[1].lifecycle.preStop.tcpSocket.host'],
  ])('%j is forbidden at v1.34 and latest, not at v1.33', (extra, path) => {
    const pod = withContainer('containers', {}, extra);
    expect(failed(pod, 'baseline', 34)).toEqual({ hostProbesAndHostLifecycle: [path] });
    expect(failed(pod, 'baseline', 'latest')).toEqual({ hostProbesAndHostLifecycle: [path] });
    expect(failed(pod, 'baseline', 33)).toEqual({});
  });
  it('an empty host is allowed', () => {
    expect(failed(withContainer('containers', {}, { readinessProbe: { httpGet: { host: '', port: 80 } } }), 'baseline')).toEqual({});
  });
});

describe('versioned baseline rules', () => {
  it('SELinux type container_engine_t is allowed from v1.31 on', () => {
    const pod = withContainer('containers', { seLinuxOptions: { type: 'container_engine_t' } });
    expect(failed(pod, 'baseline', 30)).toEqual({ seLinuxOptions: ['spec.containers[1].securityContext.seLinuxOptions.type'] });
    expect(failed(pod, 'baseline', 31)).toEqual({});
  });

  it.each([
    ['net.ipv4.ip_local_reserved_ports', 27],
    ['net.ipv4.tcp_keepalive_time', 29],
    ['net.ipv4.tcp_fin_timeout', 29],
    ['net.ipv4.tcp_keepalive_intvl', 29],
    ['net.ipv4.tcp_keepalive_probes', 29],
    ['net.ipv4.tcp_rmem', 32],
    ['net.ipv4.tcp_wmem', 32],
  ])('sysctl %s is allowed from v1.%i on', (name, since) => {
    const pod = restrictedPod({ securityContext: { sysctls: [{ name, value: '1' }] } });
    expect(failed(pod, 'baseline', since - 1)).toEqual({ sysctls: ['spec.securityContext.sysctls[0].name'] });
    expect(failed(pod, 'baseline', since)).toEqual({});
  });

  it('before v1.19 seccomp is checked through the annotations only', () => {
    const annotated = restrictedPod({}, { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' });
    expect(failed(annotated, 'baseline', 18)).toEqual({ seccompProfile_baseline: ['metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]'] });
    expect(failed(annotated, 'baseline', 19)).toEqual({});
    const container = restrictedPod({}, { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' });
    expect(failed(container, 'baseline', 18)).toEqual({ seccompProfile_baseline: ['metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]'] });
    for (const allowed of ['runtime/default', 'docker/default', 'localhost/profile.json']) {
      expect(failed(restrictedPod({}, { 'seccomp.security.alpha.kubernetes.io/pod': allowed }), 'baseline', 18)).toEqual({});
    }
    const field = withPodSecurityContext({ seccompProfile: { type: 'Unconfined' } });
    expect(failed(field, 'baseline', 18)).toEqual({});
  });
});

describe.each(LISTS)('restricted container controls on %s', (list) => {
  const p = probePath(list);
  it.each([
    ['allowPrivilegeEscalation', { allowPrivilegeEscalation: true }, `${p}.securityContext.allowPrivilegeEscalation`],
    ['allowPrivilegeEscalation', { allowPrivilegeEscalation: undefined }, `${p}.securityContext.allowPrivilegeEscalation`],
    ['runAsNonRoot', { runAsNonRoot: false }, `${p}.securityContext.runAsNonRoot`],
    ['runAsNonRoot', { runAsNonRoot: undefined }, `${p}.securityContext.runAsNonRoot`],
    ['runAsUser', { runAsUser: 0 }, `${p}.securityContext.runAsUser`],
    ['seccompProfile_restricted', { seccompProfile: undefined }, `${p}.securityContext.seccompProfile.type`],
    ['capabilities_restricted', { capabilities: { drop: ['NET_RAW'] } }, `${p}.securityContext.capabilities.drop`],
    ['capabilities_restricted', { capabilities: undefined }, `${p}.securityContext.capabilities.drop`],
  ])('%s fires on %j', (checkId, sc, path) => {
    expect(failed(withContainer(list, sc), 'restricted')).toEqual({ [checkId]: [path] });
  });

  it('a capability other than NET_BIND_SERVICE: the restricted check replaces the baseline one', () => {
    const pod = withContainer(list, { capabilities: { drop: ['ALL'], add: ['CHOWN'] } });
    expect(failed(pod, 'restricted')).toEqual({ capabilities_restricted: [`${p}.securityContext.capabilities.add`] });
    expect(failed(pod, 'baseline')).toEqual({});
  });

  it.each([
    { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
    { runAsUser: 1000 },
    { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } },
  ])('restricted allows %j', (sc) => {
    expect(failed(withContainer(list, sc), 'restricted')).toEqual({});
  });
});

describe('restricted pod-level rules', () => {
  it('runAsNonRoot: true at pod level covers containers that leave it unset', () => {
    const pod = withPodSecurityContext({ runAsNonRoot: true });
    const spec = pod.spec as { containers: { securityContext: Record<string, unknown> }[] };
    delete spec.containers[0].securityContext.runAsNonRoot;
    expect(failed(pod, 'restricted')).toEqual({});
    expect(failed(withPodSecurityContext({ runAsNonRoot: false }), 'restricted')).toEqual({ runAsNonRoot: ['spec.securityContext.runAsNonRoot'] });
  });

  it('a pod-level seccomp profile covers containers that leave it unset', () => {
    const pod = withPodSecurityContext({ seccompProfile: { type: 'RuntimeDefault' } });
    const spec = pod.spec as { containers: { securityContext: Record<string, unknown> }[] };
    delete spec.containers[0].securityContext.seccompProfile;
    expect(failed(pod, 'restricted')).toEqual({});
  });

  it('runAsUser: 0 at pod level is forbidden from v1.23 on', () => {
    const pod = withPodSecurityContext({ runAsUser: 0 });
    expect(failed(pod, 'restricted', 23)).toEqual({ runAsUser: ['spec.securityContext.runAsUser'] });
    expect(failed(pod, 'restricted', 22)).toEqual({});
  });

  it.each(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'])('volume type %s is allowed', (type) => {
    expect(failed(restrictedPod({ volumes: [{ name: 'v', [type]: {} }] }), 'restricted')).toEqual({});
  });

  it.each(['nfs', 'gitRepo', 'awsElasticBlockStore', 'cephfs', 'iscsi'])('volume type %s is forbidden', (type) => {
    expect(failed(restrictedPod({ volumes: [{ name: 'v', [type]: {} }] }), 'restricted')).toEqual({ restrictedVolumes: [`spec.volumes[0].${type}`] });
  });

  it('a hostPath volume fails restrictedVolumes, which replaces hostPathVolumes at restricted', () => {
    const pod = restrictedPod({ volumes: [{ name: 'host', hostPath: { path: '/var/run' } }] });
    expect(failed(pod, 'restricted')).toEqual({ restrictedVolumes: ['spec.volumes[0].hostPath'] });
  });
});

describe('versioned restricted rules', () => {
  const bare = (): KubeObject => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } });

  it('a bare container fails the restricted checks its version defines', () => {
    expect(Object.keys(failed(bare(), 'restricted', 7))).toEqual(['runAsNonRoot']);
    expect(Object.keys(failed(bare(), 'restricted', 8))).toEqual(['allowPrivilegeEscalation', 'runAsNonRoot']);
    expect(Object.keys(failed(bare(), 'restricted', 19))).toEqual(['allowPrivilegeEscalation', 'runAsNonRoot', 'seccompProfile_restricted']);
    expect(Object.keys(failed(bare(), 'restricted', 22))).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted']);
  });

  it('from v1.25 on, a pod with spec.os.name windows is exempt from the Linux-only controls', () => {
    const windows = (): KubeObject => ({ metadata: { name: 'p' }, spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'app:1' }] } });
    expect(Object.keys(failed(windows(), 'restricted', 24))).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'seccompProfile_restricted']);
    expect(failed(windows(), 'restricted', 25)).toEqual({});
  });

  it('a version newer than polcov knows is evaluated as the newest', () => {
    const pod = withContainer('containers', {}, { startupProbe: { tcpSocket: { host: 'x', port: 1 } } });
    expect(failed(pod, 'baseline', 99)).toEqual(failed(pod, 'baseline', 'latest'));
  });
});

describe('PSA messages', () => {
  it('words a bare nginx pod at restricted:latest as the Kubernetes documentation shows', () => {
    const pod = { metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } };
    const r = evaluatePss(pod, { level: 'restricted' });
    expect(r.violations.map((v) => v.message).join(', ')).toBe(
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('names every offending container and value, baseline checks first', () => {
    const pod = {
      metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        containers: [{ name: 'a', image: 'a', securityContext: { privileged: true }, ports: [{ containerPort: 1, hostPort: 80 }, { containerPort: 2, hostPort: 8080 }] }],
        initContainers: [{ name: 'i', image: 'i', securityContext: { privileged: true } }],
      },
    };
    const r = evaluatePss(pod, { level: 'baseline' });
    expect(r.violations.map((v) => v.message)).toEqual([
      'host namespaces (hostNetwork=true)',
      'hostPort (container "a" uses hostPorts 80, 8080)',
      'privileged (containers "i", "a" must not set securityContext.privileged=true)',
    ]);
  });
});

describe('pods PSA could not decode', () => {
  it.each([
    [{ containers: [{ name: 'a', securityContext: { privileged: 'true' } }] }, 'spec.containers[0].securityContext.privileged must be a boolean'],
    [{ containers: { name: 'a' } }, 'spec.containers must be a list'],
  ])('%j is an error, never allowed', (spec, message) => {
    const r = evaluatePss({ metadata: {}, spec }, { level: 'baseline' });
    expect(r.allowed).toBe(false);
    expect(r.error).toContain(message);
  });
});

describe('user namespaces (UserNamespacesPodSecurityStandards)', () => {
  it('relaxes runAsNonRoot, runAsUser and procMount for hostUsers: false only when the gate is on', () => {
    const pod = { metadata: { name: 'p' }, spec: { hostUsers: false, securityContext: { runAsUser: 0 }, containers: [{ name: 'a', image: 'a', securityContext: { allowPrivilegeEscalation: false, procMount: 'Unmasked', seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } } }] } };
    expect(evaluatePss(pod, { level: 'restricted' }).violations.map((v) => v.checkId)).toEqual(['procMount', 'runAsNonRoot', 'runAsUser']);
    expect(evaluatePss(pod, { level: 'restricted', relaxForUserNamespaces: true })).toEqual({ allowed: true, violations: [] });
  });
});
