/**
 * PodSecurityPolicy admission, field by field, and its policy selection, as the Kubernetes
 * documentation (concepts/security/pod-security-policy, v1.24) describes them.
 */
import { debugUpdate, objectRequest, podCreate, EMPTY_CLUSTER, type AdmissionRequest, type KubeObject } from '../../../src/admission';
import { pspEvaluator, type PspOptions } from '../../../src/eval/psp';

const PSP_ERA = { kubernetesMinor: 24 };

/** A valid PSP that allows everything but privileged containers, with `spec` merged in. */
function psp(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      privileged: false,
      seLinux: { rule: 'RunAsAny' },
      runAsUser: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'RunAsAny' },
      fsGroup: { rule: 'RunAsAny' },
      volumes: ['*'],
      ...spec,
    },
  };
}

function pod(container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'app:1', ...container }], ...spec },
  };
}

function decide(psps: KubeObject[], req: AdmissionRequest, opts: PspOptions = {}) {
  const [d] = pspEvaluator(psps, { ...PSP_ERA, ...opts }).evaluate(req, EMPTY_CLUSTER);
  return d;
}

/** The verdict of one PSP on a Pod CREATE, and the message when denied. */
function create(spec: Record<string, unknown>, p: KubeObject, annotations?: Record<string, string>) {
  return decide([psp('only', spec, annotations)], podCreate(p));
}

describe('PSP fields on a Pod CREATE', () => {
  it.each([
    ['privileged', {}, pod({ securityContext: { privileged: true } }), 'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed'],
    ['hostNetwork', {}, pod({}, { hostNetwork: true }), 'spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used'],
    ['hostPID', {}, pod({}, { hostPID: true }), 'spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used'],
    ['hostIPC', {}, pod({}, { hostIPC: true }), 'spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used'],
    ['hostPorts', { hostPorts: [{ min: 8000, max: 9000 }] }, pod({ ports: [{ containerPort: 80, hostPort: 80 }] }), 'spec.containers[0].hostPort: Invalid value: 80: Host port 80 is not allowed to be used. Allowed ports: [8000-9000]'],
    ['volumes', { volumes: ['configMap', 'secret'] }, pod({}, { volumes: [{ name: 'h', hostPath: { path: '/' } }] }), 'spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used'],
    ['allowedHostPaths prefix', { allowedHostPaths: [{ pathPrefix: '/var/log' }] }, pod({}, { volumes: [{ name: 'h', hostPath: { path: '/var/logs' } }] }), 'spec.volumes[0].hostPath.pathPrefix: Invalid value: "/var/logs": is not allowed to be used'],
    ['allowedHostPaths readOnly', { allowedHostPaths: [{ pathPrefix: '/var/log', readOnly: true }] }, pod({ volumeMounts: [{ name: 'h', mountPath: '/h' }] }, { volumes: [{ name: 'h', hostPath: { path: '/var/log/pods' } }] }), 'spec.containers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only'],
    ['allowedCapabilities', { allowedCapabilities: ['NET_ADMIN'] }, pod({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }), 'spec.containers[0].securityContext.capabilities.add: Invalid value: "SYS_ADMIN": capability may not be added'],
    ['allowPrivilegeEscalation', { allowPrivilegeEscalation: false }, pod({ securityContext: { allowPrivilegeEscalation: true } }), 'spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed'],
    ['readOnlyRootFilesystem', { readOnlyRootFilesystem: true }, pod({ securityContext: { readOnlyRootFilesystem: false } }), 'spec.containers[0].securityContext.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true'],
    ['runAsUser MustRunAsNonRoot (uid 0)', { runAsUser: { rule: 'MustRunAsNonRoot' } }, pod({ securityContext: { runAsUser: 0 } }), 'spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden'],
    ['runAsUser MustRunAsNonRoot (runAsNonRoot false)', { runAsUser: { rule: 'MustRunAsNonRoot' } }, pod({ securityContext: { runAsNonRoot: false } }), 'spec.containers[0].securityContext.runAsNonRoot: Invalid value: false: must be true'],
    ['runAsUser MustRunAs', { runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] } }, pod({ securityContext: { runAsUser: 500 } }), 'spec.containers[0].securityContext.runAsUser: Invalid value: 500: must be in the ranges: [{1000 2000}]'],
    ['runAsGroup MustRunAs', { runAsGroup: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] } }, pod({ securityContext: { runAsGroup: 0 } }), 'spec.containers[0].securityContext: Invalid value: [0]: group 0 must be in the ranges: [{1000 2000}]'],
    ['fsGroup MustRunAs', { fsGroup: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] } }, pod({}, { securityContext: { fsGroup: 0 } }), 'spec.securityContext.fsGroup: Invalid value: [0]: group 0 must be in the ranges: [{1 65535}]'],
    ['supplementalGroups MayRunAs', { supplementalGroups: { rule: 'MayRunAs', ranges: [{ min: 1, max: 65535 }] } }, pod({}, { securityContext: { supplementalGroups: [0] } }), 'spec.securityContext.supplementalGroups: Invalid value: [0]: group 0 must be in the ranges: [{1 65535}]'],
    ['seLinux MustRunAs', { seLinux: { rule: 'MustRunAs', seLinuxOptions: { level: 's0:c1,c2' } } }, pod({ securityContext: { seLinuxOptions: { level: 's0:c1,c2', type: 'spc_t' } } }), 'spec.containers[0].securityContext.seLinuxOptions.type: Invalid value: "spc_t": must be '],
    ['allowedProcMountTypes', {}, pod({ securityContext: { procMount: 'Unmasked' } }), 'spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": ProcMountType is not allowed'],
    ['unsafe sysctls', {}, pod({}, { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }), 'spec.securityContext.sysctls[0]: Forbidden: unsafe sysctl "kernel.msgmax" is not allowed'],
    ['forbiddenSysctls', { forbiddenSysctls: ['*'] }, pod({}, { securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] } }), 'spec.securityContext.sysctls[0]: Forbidden: sysctl "kernel.shm_rmid_forced" is not allowed'],
    ['runtimeClass', { runtimeClass: { allowedRuntimeClassNames: ['gvisor'] } }, pod({}, { runtimeClassName: 'runc' }), 'spec.runtimeClassName: Invalid value: "runc"'],
  ])('%s denies', (_field, spec, p, error) => {
    const d = create(spec, p);
    expect(d.verdict).toBe('deny');
    expect(d.messages).toEqual([`pods "web" is forbidden: PodSecurityPolicy: unable to admit pod: [${error}]`]);
  });

  it.each([
    ['privileged: true', { privileged: true }, pod({ securityContext: { privileged: true } })],
    ['a host port in range', { hostPorts: [{ min: 8000, max: 9000 }] }, pod({ ports: [{ containerPort: 80, hostPort: 8080 }] })],
    ['a read-only mount of an allowed host path', { allowedHostPaths: [{ pathPrefix: '/var/log', readOnly: true }] }, pod({ volumeMounts: [{ name: 'h', mountPath: '/h', readOnly: true }] }, { volumes: [{ name: 'h', hostPath: { path: '/var/log/pods' } }] })],
    ['an allowed capability', { allowedCapabilities: ['NET_ADMIN'] }, pod({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })],
    ['every capability with *', { allowedCapabilities: ['*'] }, pod({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })],
    ['an allowed unsafe sysctl pattern', { allowedUnsafeSysctls: ['kernel.msg*'] }, pod({}, { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } })],
    ['a safe sysctl', {}, pod({}, { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }] } })],
    ['Unmasked when allowed', { allowedProcMountTypes: ['Default', 'Unmasked'] }, pod({ securityContext: { procMount: 'Unmasked' } })],
    ['an allowed runtime class', { runtimeClass: { allowedRuntimeClassNames: ['gvisor'] } }, pod({}, { runtimeClassName: 'gvisor' })],
  ])('%s is admitted as it is', (_what, spec, p) => {
    const d = create(spec, p);
    expect(d.verdict).toBe('admit');
    expect(d.reason).toBe('admitted by PodSecurityPolicy only as it is');
  });

  it.each([
    ['allowPrivilegeEscalation: false sets it to false', { allowPrivilegeEscalation: false }],
    ['readOnlyRootFilesystem: true sets it', { readOnlyRootFilesystem: true }],
    ['requiredDropCapabilities adds the drops', { requiredDropCapabilities: ['ALL'] }],
    ['MustRunAsNonRoot sets runAsNonRoot', { runAsUser: { rule: 'MustRunAsNonRoot' } }],
    ['MustRunAs generates the first uid', { runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] } }],
    ['fsGroup MustRunAs generates the group', { fsGroup: { rule: 'MustRunAs', ranges: [{ min: 2000, max: 3000 }] } }],
  ])('defaults: %s, so the pod is admitted with them', (_what, spec) => {
    const d = create(spec, pod());
    expect(d.verdict).toBe('admit');
    expect(d.reason).toBe('admitted by PodSecurityPolicy only with its defaults applied');
  });

  it('seccomp and AppArmor profiles through the PSP annotations', () => {
    const annotations = {
      'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default',
      'seccomp.security.alpha.kubernetes.io/defaultProfileName': 'runtime/default',
      'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default',
      'apparmor.security.beta.kubernetes.io/defaultProfileName': 'runtime/default',
    };
    expect(create({}, pod(), annotations).reason).toBe('admitted by PodSecurityPolicy only with its defaults applied');
    expect(create({}, pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }), annotations).messages[0]).toContain(
      'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default',
    );
    expect(create({}, pod({}, {}, { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }), annotations).messages[0]).toContain(
      'pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: Forbidden: unconfined is not an allowed profile. Allowed values: "runtime/default"',
    );
    expect(create({}, pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }), {}).messages[0]).toContain('Forbidden: seccomp may not be set');
  });
});

describe('PSP selection', () => {
  const mustRunAs = { runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] } };

  it('prefers a PSP that admits the pod without changing it, whatever its name', () => {
    const d = decide([psp('a-defaults', mustRunAs), psp('z-as-is')], podCreate(pod()));
    expect(d).toMatchObject({ verdict: 'admit', policy: 'PodSecurityPolicy/z-as-is' });
  });

  it('otherwise takes the first PSP by name that admits the pod after defaulting', () => {
    const d = decide([psp('b-defaults', mustRunAs), psp('a-defaults', { readOnlyRootFilesystem: true })], podCreate(pod()));
    expect(d).toMatchObject({ verdict: 'admit', policy: 'PodSecurityPolicy/a-defaults' });
  });

  it('an UPDATE may not be defaulted: only a PSP that admits the pod as it is counts', () => {
    const old = pod();
    const updated = pod({ image: 'app:2' });
    const req = objectRequest(updated, 'UPDATE', { resource: 'pods', oldObject: old });
    expect(decide([psp('nonroot', { runAsUser: { rule: 'MustRunAsNonRoot' } })], req).verdict).toBe('deny');
    expect(decide([psp('nonroot', { runAsUser: { rule: 'MustRunAsNonRoot' } })], podCreate(updated)).verdict).toBe('admit');
  });

  it('denies every pod when the set is empty (the plugin fails closed with no policy)', () => {
    expect(decide([], podCreate(pod())).messages).toEqual(['pods "web" is forbidden: PodSecurityPolicy: unable to admit pod: []']);
  });

  it('every PSP is usable unless authorization says otherwise', () => {
    const set = [psp('privileged', { privileged: true }), psp('restricted')];
    const privilegedPod = pod({ securityContext: { privileged: true } });
    expect(decide(set, podCreate(privilegedPod)).policy).toBe('PodSecurityPolicy/privileged');
    const onlyRestricted: PspOptions = { authorized: (name) => name === 'restricted' };
    const d = decide(set, podCreate(privilegedPod), onlyRestricted);
    expect(d.verdict).toBe('deny');
    expect(d.messages[0]).toContain('Privileged containers are not allowed');
  });

  it('the pod\'s service account may hold the use permission', () => {
    const set = [psp('privileged', { privileged: true })];
    const withSa = pod({ securityContext: { privileged: true } }, { serviceAccountName: 'builder' });
    const authorized = (_: string, user: { username: string }) => user.username === 'system:serviceaccount:team-a:builder';
    expect(decide(set, podCreate(withSa), { authorized }).verdict).toBe('admit');
  });

  it('an invalid PSP is never used, and the reason says so', () => {
    const d = decide([psp('broken', { runAsUser: { rule: 'MustRunAs' } })], podCreate(pod()));
    expect(d.verdict).toBe('deny');
    expect(d.reason).toContain('PodSecurityPolicy broken is invalid and never used: runAsUser: MustRunAs requires at least one range');
  });
});

describe('requests PodSecurityPolicy never sees', () => {
  const set = [psp('restricted')];

  it('the kubectl debug UPDATE on pods/ephemeralcontainers, even with a privileged debug container', () => {
    const req = debugUpdate(pod(), { name: 'debugger', image: 'busybox', securityContext: { privileged: true } });
    expect(decide(set, req)).toEqual({
      engine: 'psp', policy: 'PodSecurityPolicy', verdict: 'not-evaluated', messages: [],
      reason: 'the PodSecurityPolicy admission plugin ignores every request with a subresource (pods/ephemeralcontainers)',
    });
  });

  it('any request from Kubernetes 1.25 on', () => {
    expect(decide(set, podCreate(pod({ securityContext: { privileged: true } })), { kubernetesMinor: 25 })).toMatchObject({
      verdict: 'not-evaluated', reason: 'PodSecurityPolicy was removed in Kubernetes 1.25',
    });
  });

  it('an UPDATE of ownerReferences or finalizers only', () => {
    const old = pod({ securityContext: { privileged: true } });
    const gc = { ...old, metadata: { ...(old.metadata as object), finalizers: ['x'] } };
    expect(decide(set, objectRequest(gc, 'UPDATE', { resource: 'pods', oldObject: old })).verdict).toBe('not-evaluated');
  });

  it('objects other than pods', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'team-a' }, spec: { template: { spec: pod().spec } } };
    expect(decide(set, objectRequest(deployment, 'CREATE')).verdict).toBe('not-evaluated');
  });
});
