import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../ci-fixtures';
import { tempDir, yaml } from '../helpers';
import { runTests } from '../../src/testing/run';
import type { VariantKind, VariantStatus } from '../../src/testing/mutate';

/** A Gatekeeper template denying privileged containers in `lists`; `guard` adds `not is_update`. */
function template(lists: string[], guard: boolean): string {
  return yaml`
    apiVersion: templates.gatekeeper.sh/v1
    kind: ConstraintTemplate
    metadata:
      name: k8snopriv
    spec:
      crd:
        spec:
          names:
            kind: K8sNoPriv
      targets:
        - target: admission.k8s.gatekeeper.sh
          rego: |
            package k8snopriv
            violation[{"msg": msg}] {
              ${guard ? 'input.review.operation != "UPDATE"' : 'true'}
              c := input.review.object.spec[${JSON.stringify(lists)}[_]][_]
              c.securityContext.privileged
              msg := sprintf("privileged container %v", [c.name])
            }
  `;
}
const CONSTRAINT = yaml`
  apiVersion: constraints.gatekeeper.sh/v1beta1
  kind: K8sNoPriv
  metadata:
    name: no-priv
  spec:
    match:
      kinds:
        - apiGroups: [""]
          kinds: ["Pod"]
`;
const podYaml = (name: string, spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
const APP = '- name: app\n  image: nginx\n  securityContext:\n    privileged: false';
const PRIV = (name: string) => `- name: ${name}\n  image: busybox\n  securityContext:\n    privileged: true`;
const GATOR_SUITE = yaml`
  kind: Suite
  apiVersion: test.gatekeeper.sh/v1alpha1
  metadata:
    name: nopriv
  tests:
  - name: privileged
    template: template.yaml
    constraint: constraint.yaml
    cases:
    - name: example-allowed
      object: allowed.yaml
      assertions:
      - violations: no
    - name: example-disallowed
      object: disallowed.yaml
      assertions:
      - violations: yes
    - name: disallowed-ephemeral
      object: ephemeral.yaml
      assertions:
      - violations: yes
`;
function gatorFiles(lists: string[], guard: boolean): Record<string, string> {
  return {
    'g/suite.yaml': GATOR_SUITE,
    'g/template.yaml': template(lists, guard),
    'g/constraint.yaml': CONSTRAINT,
    'g/allowed.yaml': podYaml('allowed', `containers:\n${APP}`),
    'g/disallowed.yaml': podYaml('disallowed', `containers:\n${PRIV('root')}`),
    'g/ephemeral.yaml': podYaml('ephemeral', `containers:\n${APP}\nephemeralContainers:\n${PRIV('debugger')}`),
  };
}

const ALL = ['containers', 'initContainers', 'ephemeralContainers'];

/** case name → variant → status, from a `--mutate` run. */
function outcomes(dir: string): Record<string, Partial<Record<VariantKind, VariantStatus>>> {
  const r = runTests({ paths: [dir], mutate: true });
  expect(r.totals.failed + r.totals.errored).toBe(0);
  const out: Record<string, Partial<Record<VariantKind, VariantStatus>>> = {};
  for (const c of r.mutations!.cases) out[c.case] = Object.fromEntries(c.variants.map((v) => [v.variant, v.status]));
  return out;
}

describe('polcov test --mutate: gator suites', () => {
  it.each([
    // [lists checked, UPDATE guard, expected per case]
    [ALL, true, { 'example-disallowed': { 'ephemeral-update': 'bypass', 'init-container': 'holds' }, 'disallowed-ephemeral': { 'ephemeral-update': 'bypass', 'init-container': 'holds' } }],
    [ALL, false, { 'example-disallowed': { 'ephemeral-update': 'holds', 'init-container': 'holds' }, 'disallowed-ephemeral': { 'ephemeral-update': 'holds', 'init-container': 'holds' } }],
    [['containers', 'ephemeralContainers'], false, { 'example-disallowed': { 'ephemeral-update': 'holds', 'init-container': 'bypass' }, 'disallowed-ephemeral': { 'ephemeral-update': 'holds', 'init-container': 'bypass' } }],
  ])('checking %j, guard %s', (lists, guard, expected) => {
    expect(outcomes(tempDir(gatorFiles(lists, guard)))).toEqual(expected);
  });

  it('names the case and the template of a bypass, and exits 1', () => {
    const dir = tempDir(gatorFiles(ALL, true));
    const r = runCli(['test', '--mutate', dir]);
    expect(r.code).toBe(1);
    const tpl = path.join(dir, 'g', 'template.yaml');
    expect(r.out).toContain(
      `${tpl}:1:1: BYPASS ephemeral-update nopriv/privileged/disallowed-ephemeral\n` +
        '    case `disallowed-ephemeral` checks a CREATE; `kubectl debug` adds debugger with an UPDATE on pods/ephemeralcontainers, which K8sNoPriv/no-priv admits',
    );
    expect(r.out).toContain(
      '    case `example-disallowed` checks container root in containers; `kubectl debug` adds root with an UPDATE on pods/ephemeralcontainers, which K8sNoPriv/no-priv admits',
    );
    expect(r.out).toContain(`${path.join(dir, 'g', 'suite.yaml')}:18: holds init-container nopriv/privileged/disallowed-ephemeral`);
    expect(r.out).toContain('2 denied pod cases, 4 variants: 2 bypasses, 2 hold, 0 undecided, 0 not built');
  });

  it('a template that holds exits 0; without --mutate no section is written', () => {
    const dir = tempDir(gatorFiles(ALL, false));
    const r = runCli(['test', '--mutate', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 denied pod cases, 4 variants: 0 bypasses, 4 hold');
    expect(runCli(['test', dir]).out).not.toContain('Bypass checks');
  });

  it('json and junit carry the bypass', () => {
    const dir = tempDir(gatorFiles(ALL, true));
    const json = JSON.parse(runCli(['test', '--mutate', '-f', 'json', dir]).out);
    expect(json.mutations.totals).toMatchObject({ cases: 2, bypasses: 2, holds: 2 });
    expect(json.mutations.cases[0]).toMatchObject({ case: 'example-disallowed', policy: 'K8sNoPriv/no-priv', line: 14 });
    const junit = runCli(['test', '--mutate', '-f', 'junit', dir]).out;
    expect(junit).toContain('<testsuite name="polcov test --mutate" tests="4" failures="2" errors="0" skipped="0">');
    expect(junit).toContain('name="nopriv/privileged/disallowed-ephemeral [ephemeral-update]"');
  });

  it('a pod-level violation moves with no container: not built, with the reason', () => {
    const files = gatorFiles(ALL, true);
    files['g/template.yaml'] = files['g/template.yaml']!.replace(/c := [^\n]*\n\s*c\.securityContext\.privileged/, 'input.review.object.spec.hostPID\n              c := {"name": "pod"}');
    files['g/disallowed.yaml'] = podYaml('disallowed', `hostPID: true\ncontainers:\n${APP}`);
    files['g/ephemeral.yaml'] = podYaml('ephemeral', `hostPID: true\ncontainers:\n${APP}`);
    const r = runTests({ paths: [tempDir(files)], mutate: true });
    const v = r.mutations!.cases.find((c) => c.case === 'example-disallowed')!.variants;
    expect(v).toEqual([expect.objectContaining({ variant: 'ephemeral-update', status: 'not-built', message: 'case `example-disallowed`: the violation is not in a container (each of its containers added alone to an admitted pod is admitted)' })]);
  });

  it.each([
    [true, 'bypass'],
    [false, 'holds'],
  ])('a volume violation (guard %s): kubectl debug mounts the allowed pod\'s read-only volume read-write: %s', (guard, status) => {
    const files = gatorFiles(ALL, guard);
    // Host paths must be under /data, and every mount of a host-path volume read-only.
    files['g/template.yaml'] = template(ALL, guard).replace(/violation\[[\s\S]*$/, [
      'violation[{"msg": "host path"}] {',
      `  ${guard ? 'input.review.operation != "UPDATE"' : 'true'}`,
      '  v := input.review.object.spec.volumes[_]',
      '  v.hostPath',
      '  bad_volume(v)',
      '}',
      'bad_volume(v) { not startswith(v.hostPath.path, "/data") }',
      'bad_volume(v) {',
      '  m := input.review.object.spec[_][_].volumeMounts[_]',
      '  m.name == v.name',
      '  not m.readOnly',
      '}',
    ].map((l) => `            ${l}`).join('\n').trimStart() + '\n');
    const volume = (p: string) => `volumes:\n- name: host\n  hostPath:\n    path: ${p}`;
    files['g/allowed.yaml'] = podYaml('allowed', `containers:\n- name: app\n  image: nginx\n  volumeMounts:\n  - name: host\n    mountPath: /host\n    readOnly: true\n${volume('/data/logs')}`);
    files['g/disallowed.yaml'] = podYaml('disallowed', `containers:\n${APP}\n${volume('/etc')}`);
    files['g/suite.yaml'] = GATOR_SUITE.replace(/- name: disallowed-ephemeral[\s\S]*$/, '');
    const r = runTests({ paths: [tempDir(files)], mutate: true });
    expect(r.totals.failed + r.totals.errored).toBe(0);
    const v = r.mutations!.cases.find((c) => c.case === 'example-disallowed')!.variants.find((x) => x.variant === 'ephemeral-update')!;
    expect(v.status).toBe(status);
    expect(v.message).toContain(guard ? "case `example-disallowed`'s violation is in the pod, which `kubectl debug` cannot change; it adds app mounting host read-write to an admitted pod of the test" : 'app mounting host read-write added by `kubectl debug`');
  });

  it('a required probe is not asked of a plain init container: not built, with the reason', () => {
    const files = gatorFiles(['containers'], false);
    files['g/template.yaml'] = files['g/template.yaml']!.replace('c.securityContext.privileged', 'not c.livenessProbe');
    files['g/allowed.yaml'] = podYaml('allowed', 'containers:\n- name: app\n  image: nginx\n  livenessProbe:\n    tcpSocket:\n      port: 80');
    files['g/disallowed.yaml'] = podYaml('disallowed', 'containers:\n- name: noprobe\n  image: nginx');
    files['g/suite.yaml'] = GATOR_SUITE.replace(/- name: disallowed-ephemeral[\s\S]*$/, '');
    const r = runTests({ paths: [tempDir(files)], mutate: true });
    expect(r.mutations!.cases[0]!.variants.map((v) => [v.variant, v.status, v.message])).toEqual([
      ['ephemeral-update', 'not-built', 'case `example-disallowed`: the policy requires fields an ephemeral container cannot have (ports, probes, lifecycle, resources): the admitted container app without them is denied'],
      ['init-container', 'not-built', 'case `example-disallowed`: the violation of noprobe is missing probes or lifecycle hooks, which a plain init container cannot have'],
    ]);
  });
});

/** A template that reads hostProcess only on containers (`perContainer`) or also at the pod level. */
function hostProcessTemplate(podLevel: boolean): string {
  return yaml`
    apiVersion: templates.gatekeeper.sh/v1
    kind: ConstraintTemplate
    metadata:
      name: k8snohostprocess
    spec:
      crd:
        spec:
          names:
            kind: K8sNoHostProcess
      targets:
        - target: admission.k8s.gatekeeper.sh
          rego: |
            package k8snohostprocess
            violation[{"msg": "hostProcess container"}] {
              input.review.object.spec[_][_].securityContext.windowsOptions.hostProcess
            }
            ${podLevel ? 'violation[{"msg": "hostProcess pod"}] {\n              input.review.object.spec.securityContext.windowsOptions.hostProcess\n            }' : ''}
  `;
}

describe('polcov test --mutate: HostProcess at the other level', () => {
  const files = (podLevel: boolean) => ({
    'h/suite.yaml': GATOR_SUITE.replace(/- name: disallowed-ephemeral[\s\S]*$/, '').replace(/nopriv/g, 'hp'),
    'h/template.yaml': hostProcessTemplate(podLevel),
    'h/constraint.yaml': CONSTRAINT.replace(/K8sNoPriv/g, 'K8sNoHostProcess'),
    'h/allowed.yaml': podYaml('allowed', 'containers:\n- name: app\n  image: nginx'),
    'h/disallowed.yaml': podYaml('disallowed', 'hostNetwork: true\ncontainers:\n- name: hp\n  image: nginx\n  securityContext:\n    windowsOptions:\n      hostProcess: true'),
  });

  it.each([
    [false, 'bypass', 'case `example-disallowed` sets hostProcess per container; the same HostProcess pod with the flag moved to the pod level is created, which K8sNoHostProcess/no-priv admits'],
    [true, 'holds', 'hostProcess moved to the pod level: K8sNoHostProcess/no-priv denies it'],
  ])('pod-level check %s: %s', (podLevel, status, message) => {
    const r = runTests({ paths: [tempDir(files(podLevel))], mutate: true });
    expect(r.mutations!.cases[0]!.variants.find((v) => v.variant === 'hostprocess-level')).toMatchObject({ status, message });
  });

  it('a HostProcess debug or init container in a pod that is not HostProcess: not built, the API server refuses it', () => {
    const f = files(true);
    // Skips UPDATE, so a debug container would get through if the API server let it in.
    f['h/template.yaml'] = f['h/template.yaml'].replace(/(violation\[\{"msg": "hostProcess container"\}\] \{)/, '$1\n              input.review.operation != "UPDATE"');
    f['h/disallowed.yaml'] = podYaml('disallowed', 'containers:\n- name: app\n  image: nginx\ninitContainers:\n- name: setup\n  image: busybox\n  securityContext:\n    windowsOptions:\n      hostProcess: true');
    const r = runTests({ paths: [tempDir(f)], mutate: true });
    expect(r.mutations!.cases[0]!.variants.map((v) => [v.variant, v.status, v.message])).toEqual([
      ['ephemeral-update', 'not-built', "case `example-disallowed`: the API server refuses setup as a debug container: its hostProcess differs from the pod's other containers, and every container of a pod must agree"],
      ['hostprocess-level', 'holds', 'hostProcess moved to the pod level: K8sNoHostProcess/no-priv denies it'],
    ]);
  });

  it('hostProcess: false is no HostProcess pod: no variant moves it', () => {
    const gator = gatorFiles(ALL, false);
    gator['g/disallowed.yaml'] = podYaml('disallowed', `containers:\n${PRIV('root')}\n    windowsOptions:\n      hostProcess: false`);
    const r = runTests({ paths: [tempDir(gator)], mutate: true });
    expect(r.mutations!.cases.find((c) => c.case === 'example-disallowed')!.variants.map((v) => v.variant)).toEqual(['ephemeral-update', 'init-container']);
  });
});

const KYVERNO_POLICY = (operations: string) => yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: no-privileged
  spec:
    validationFailureAction: Enforce
    rules:
    - name: privileged
      match:
        any:
        - resources:
            kinds: [Pod]
            operations: ${operations}
      validate:
        message: privileged containers are not allowed
        pattern:
          spec:
            =(ephemeralContainers):
            - =(securityContext):
                =(privileged): "false"
            =(initContainers):
            - =(securityContext):
                =(privileged): "false"
            containers:
            - =(securityContext):
                =(privileged): "false"
`;
const KYVERNO_TEST = yaml`
  apiVersion: cli.kyverno.io/v1alpha1
  kind: Test
  metadata:
    name: no-privileged-test
  policies: [policy.yaml]
  resources: [resources.yaml]
  results:
  - policy: no-privileged
    rule: privileged
    resources: [good]
    kind: Pod
    result: pass
  - policy: no-privileged
    rule: privileged
    resources: [bad, bad-deploy]
    kind: Pod
    result: fail
`;
const KYVERNO_RESOURCES = [
  podYaml('good', `containers:\n${APP}`),
  podYaml('bad', `containers:\n${PRIV('root')}`),
  yaml`
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: bad-deploy
    spec:
      selector:
        matchLabels: {app: x}
      template:
        metadata:
          labels: {app: x}
        spec:
          containers:
          - name: web
            image: nginx
            securityContext:
              privileged: true
  `,
].join('---\n');

describe('polcov test --mutate: Kyverno CLI tests', () => {
  const files = (operations: string) => ({ 'k/kyverno-test.yaml': KYVERNO_TEST, 'k/policy.yaml': KYVERNO_POLICY(operations), 'k/resources.yaml': KYVERNO_RESOURCES });

  it.each([
    ['[CREATE]', 'bypass'],
    ['[CREATE, UPDATE]', 'holds'],
  ])('a rule for operations %s: the kubectl debug UPDATE %s', (operations, status) => {
    const r = runTests({ paths: [tempDir(files(operations))], mutate: true });
    const got = r.mutations!.cases.map((c) => [c.case, c.policy, c.variants.map((v) => `${v.variant}:${v.status}`)]);
    // The Deployment's pod template is mutated as the pod its controller creates.
    expect(got).toEqual([
      ['no-privileged/privileged/bad', 'ClusterPolicy/no-privileged', [`ephemeral-update:${status}`, 'init-container:holds']],
      ['no-privileged/privileged/bad-deploy', 'ClusterPolicy/no-privileged', [`ephemeral-update:${status}`, 'init-container:holds']],
    ]);
  });

  it('the bypass message names the Kyverno test row', () => {
    const r = runTests({ paths: [tempDir(files('[CREATE]'))], mutate: true });
    expect(r.mutations!.cases[0]!.variants[0]!.message).toBe(
      'case `no-privileged/privileged/bad` checks container root in containers; `kubectl debug` adds root with an UPDATE on pods/ephemeralcontainers, which ClusterPolicy/no-privileged admits',
    );
  });
});

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/gatekeeper-library/library/pod-security-policy');
const haveCorpus = fs.existsSync(CORPUS);
if (!haveCorpus) console.warn(`skipping the gatekeeper-library --mutate test: ${CORPUS} is absent`);

(haveCorpus ? describe : describe.skip)('polcov test --mutate on gatekeeper-library', () => {
  it('privileged-containers (skips UPDATE) is bypassed from its own disallowed-ephemeral case', () => {
    const r = runTests({ paths: [path.join(CORPUS, 'privileged-containers')], mutate: true });
    const c = r.mutations!.cases.find((x) => x.case === 'disallowed-ephemeral')!;
    expect(c.variants.find((v) => v.variant === 'ephemeral-update')).toMatchObject({
      status: 'bypass',
      message: 'case `disallowed-ephemeral` checks a CREATE; `kubectl debug` adds nginx with an UPDATE on pods/ephemeralcontainers, which K8sPSPPrivilegedContainer/psp-privileged-container admits',
    });
  });

  it('host-filesystem (skips UPDATE; its violation is a volume) is bypassed by a read-write mount of its allowed pod\'s volume', () => {
    const r = runTests({ paths: [path.join(CORPUS, 'host-filesystem')], mutate: true });
    const c = r.mutations!.cases.find((x) => x.case === 'disallowed-ephemeral')!;
    expect(c.variants.find((v) => v.variant === 'ephemeral-update')).toMatchObject({ status: 'bypass', message: expect.stringContaining('mounting cache-volume read-write') });
  });

  it('seccompv2 restricted (no UPDATE guard) holds on its disallowed-ephemeral case', () => {
    const r = runTests({ paths: [path.join(CORPUS, 'seccompv2')], mutate: true });
    const c = r.mutations!.cases.find((x) => x.path === 'seccomp/seccomp-restricted/disallowed-ephemeral-no-profile')!;
    expect(c.variants.map((v) => [v.variant, v.status])).toEqual([['ephemeral-update', 'holds'], ['init-container', 'holds']]);
  });
});
