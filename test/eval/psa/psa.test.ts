/**
 * Pod Security Admission on admission requests: namespace labels over the configured defaults, the
 * three modes, exemptions, and the requests PSA evaluates (kubectl debug included) or skips, as the
 * Kubernetes documentation (concepts/security/pod-security-admission) describes them.
 */
import { debugUpdate, objectRequest, podCreate, type ClusterContext, type KubeObject } from '../../../src/admission';
import { psaEvaluator, readPsaConfiguration, PsaConfigurationError } from '../../../src/eval/psa';
import { restrictedPod } from '../pss/fixtures';

function cluster(labels: Record<string, string>, name = 'team-a'): ClusterContext {
  return { namespaces: new Map([[name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }]]), inventory: [] };
}

const privilegedPod = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'team-a' },
  spec: { containers: [{ name: 'app', image: 'app:1', securityContext: { privileged: true } }] },
});

const baselinePod = (): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } });

const verdicts = (ds: { rule?: string; verdict: string }[]): string[] => ds.map((d) => `${d.rule ?? ''}=${d.verdict}`);

describe('PSA modes', () => {
  const psa = psaEvaluator();

  it('enforce rejects a violating pod with the API server message', () => {
    const ds = psa.evaluate(podCreate(privilegedPod()), cluster({ 'pod-security.kubernetes.io/enforce': 'baseline' }));
    expect(verdicts(ds)).toEqual(['enforce baseline:latest=deny', 'audit privileged:latest=admit', 'warn baseline:latest=not-evaluated']);
    expect(ds[0].messages).toEqual(['pods "web" is forbidden: violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)']);
  });

  it('audit and warn let the pod in with "would violate"', () => {
    const ds = psa.evaluate(podCreate(baselinePod()), cluster({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.30',
    }));
    expect(verdicts(ds)).toEqual(['enforce baseline:latest=admit', 'audit restricted:latest=audit', 'warn restricted:v1.30=warn']);
    expect(ds[2].messages[0]).toMatch(/^would violate PodSecurity "restricted:v1\.30": allowPrivilegeEscalation != false \(container "app"/);
  });

  it('an unlabelled namespace is privileged by default: everything is admitted', () => {
    expect(verdicts(psa.evaluate(podCreate(privilegedPod()), cluster({})))).toEqual([
      'enforce privileged:latest=admit', 'audit privileged:latest=admit', 'warn privileged:latest=admit',
    ]);
  });

  it('evaluates the kubectl debug UPDATE on pods/ephemeralcontainers', () => {
    const debug = debugUpdate(restrictedPod(), { name: 'debugger', image: 'busybox', securityContext: { privileged: true } });
    const ds = psa.evaluate(debug, cluster({ 'pod-security.kubernetes.io/enforce': 'baseline' }));
    expect(ds[0].verdict).toBe('deny');
    expect(ds[0].messages[0]).toContain('privileged (container "debugger" must not set securityContext.privileged=true)');
  });

  it('an enforce-version older than a check does not apply it', () => {
    const probe = restrictedPod();
    (probe.spec as { containers: Record<string, unknown>[] }).containers[0].livenessProbe = { httpGet: { host: '169.254.169.254', port: 80 } };
    const labels = { 'pod-security.kubernetes.io/enforce': 'baseline' };
    expect(psa.evaluate(podCreate(probe), cluster(labels))[0].verdict).toBe('deny');
    expect(psa.evaluate(podCreate(probe), cluster({ ...labels, 'pod-security.kubernetes.io/enforce-version': 'v1.33' }))[0].verdict).toBe('admit');
    expect(psaEvaluator({ kubernetesMinor: 33 }).evaluate(podCreate(probe), cluster(labels))[0].verdict).toBe('admit');
  });

  it('an invalid enforce label fails closed to restricted and says so', () => {
    const ds = psa.evaluate(podCreate(baselinePod()), cluster({ 'pod-security.kubernetes.io/enforce': 'strict' }));
    expect(ds[0].verdict).toBe('deny');
    expect(ds[0].rule).toBe('enforce restricted:latest');
    expect(ds[0].reason).toContain('invalid level "strict"');
  });
});

describe('requests PSA skips', () => {
  const psa = psaEvaluator();
  const labels = cluster({ 'pod-security.kubernetes.io/enforce': 'restricted' });

  it.each(['exec', 'attach', 'log', 'status', 'binding', 'eviction', 'portforward', 'proxy'])('pods/%s', (sub) => {
    const req = objectRequest(privilegedPod(), 'UPDATE', { resource: 'pods', subResource: sub, oldObject: privilegedPod() });
    expect(verdicts(psa.evaluate(req, labels))).toEqual(['=not-evaluated']);
  });

  it('DELETE', () => {
    expect(psa.evaluate(objectRequest(privilegedPod(), 'DELETE', { resource: 'pods' }), labels)[0].verdict).toBe('not-evaluated');
  });

  it('an UPDATE that adds or re-images no container', () => {
    const old = privilegedPod();
    const relabelled = { ...old, metadata: { ...(old.metadata as object), labels: { a: 'b' } } };
    const ds = psa.evaluate(objectRequest(relabelled, 'UPDATE', { resource: 'pods', oldObject: old }), labels);
    expect(verdicts(ds)).toEqual(['=not-evaluated']);
  });

  it('a namespace the cluster context does not describe is undecided, never admitted', () => {
    const ds = psa.evaluate(podCreate(privilegedPod()), { namespaces: new Map(), inventory: [] });
    expect(ds).toEqual([{ engine: 'psa', policy: 'Namespace/team-a', verdict: 'undecided', messages: [], reason: 'needs cluster data: the Namespace "team-a" and its labels' }]);
  });

  it('a cluster older than 1.23', () => {
    expect(psaEvaluator({ kubernetesMinor: 22 }).evaluate(podCreate(privilegedPod()), labels)[0].verdict).toBe('not-evaluated');
  });
});

describe('exemptions', () => {
  const labels = cluster({ 'pod-security.kubernetes.io/enforce': 'baseline' });

  it('an exempt user may add a privileged debug container', () => {
    const psa = psaEvaluator({ exemptions: { usernames: ['oncall'] } });
    const debug = debugUpdate(restrictedPod(), { name: 'debugger', image: 'busybox', securityContext: { privileged: true } }, { username: 'oncall' });
    expect(psa.evaluate(debug, labels)).toEqual([{ engine: 'psa', policy: 'Namespace/team-a', verdict: 'not-evaluated', messages: [], reason: 'user "oncall" is exempt (exemptions.usernames)' }]);
    const other = debugUpdate(restrictedPod(), { name: 'debugger', image: 'busybox', securityContext: { privileged: true } }, { username: 'dev' });
    expect(psa.evaluate(other, labels)[0].verdict).toBe('deny');
  });

  it('exempt namespaces and runtime classes', () => {
    expect(psaEvaluator({ exemptions: { namespaces: ['team-a'] } }).evaluate(podCreate(privilegedPod()), labels)[0].reason).toBe('namespace "team-a" is exempt (exemptions.namespaces)');
    const sandboxed = privilegedPod();
    (sandboxed.spec as Record<string, unknown>).runtimeClassName = 'gvisor';
    expect(psaEvaluator({ exemptions: { runtimeClasses: ['gvisor'] } }).evaluate(podCreate(sandboxed), labels)[0].reason).toBe('runtime class "gvisor" is exempt (exemptions.runtimeClasses)');
  });
});

describe('pod controllers', () => {
  it('a Deployment gets audit and warn from its pod template, never enforce', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'team-a' },
      spec: { template: { metadata: {}, spec: privilegedPod().spec } },
    };
    const ds = psaEvaluator().evaluate(objectRequest(deployment, 'CREATE'), cluster({ 'pod-security.kubernetes.io/enforce': 'baseline' }));
    // enforce baseline also raises warn to baseline (the warn label is not set)
    expect(verdicts(ds)).toEqual(['enforce baseline:latest=not-evaluated', 'audit privileged:latest=admit', 'warn baseline:latest=warn']);
  });

  it('a ConfigMap is not PSA\'s business', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'team-a' } };
    expect(psaEvaluator().evaluate(objectRequest(cm, 'CREATE'), cluster({}))[0].verdict).toBe('not-evaluated');
  });
});

describe('the PodSecurity configuration', () => {
  const admissionConfiguration = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'PodSecurity',
        configuration: {
          apiVersion: 'pod-security.admission.config.k8s.io/v1',
          kind: 'PodSecurityConfiguration',
          defaults: { enforce: 'baseline', 'enforce-version': 'latest', audit: 'restricted', warn: 'restricted' },
          exemptions: { usernames: ['system:serviceaccount:kube-system:replicaset-controller'], runtimeClasses: [], namespaces: ['kube-system'] },
        },
      },
    ],
  };

  it('defaults apply where the namespace sets nothing; labels override only their own part', () => {
    const psa = psaEvaluator(readPsaConfiguration(admissionConfiguration));
    expect(psa.evaluate(podCreate(privilegedPod()), cluster({}))[0].verdict).toBe('deny');
    expect(psa.evaluate(podCreate(privilegedPod()), cluster({ 'pod-security.kubernetes.io/enforce': 'privileged' }))[0].verdict).toBe('admit');
    const system = { ...privilegedPod(), metadata: { name: 'proxy', namespace: 'kube-system' } };
    expect(psa.evaluate(podCreate(system), cluster({}, 'kube-system'))[0].reason).toBe('namespace "kube-system" is exempt (exemptions.namespaces)');
  });

  it('an invalid default stops the API server: an error, not a guess', () => {
    const bad = { kind: 'PodSecurityConfiguration', defaults: { enforce: 'strict' } };
    expect(() => readPsaConfiguration(bad)).toThrow(PsaConfigurationError);
    expect(() => readPsaConfiguration(bad)).toThrow('defaults.enforce: invalid value "strict"');
  });
});
