import * as path from 'node:path';
import { runCli } from '../ci-fixtures';
import { tempDir, yaml } from '../helpers';

const TEMPLATE = yaml`
  apiVersion: templates.gatekeeper.sh/v1
  kind: ConstraintTemplate
  metadata:
    name: nohostnet
  spec:
    crd:
      spec:
        names:
          kind: NoHostNet
    targets:
      - target: admission.k8s.gatekeeper.sh
        rego: |
          package nohostnet
          violation[{"msg": msg}] {
            input.review.operation != "UPDATE"
            input.review.object.spec.hostNetwork
            msg := sprintf("pod %v uses the host network", [input.review.object.metadata.name])
          }
          violation[{"msg": msg}] {
            svc := data.inventory.namespace[input.review.object.metadata.namespace]["v1"].Service[_]
            svc.metadata.name == input.review.object.metadata.name
            msg := "a service has this name"
          }
`;
const CONSTRAINT = yaml`
  apiVersion: constraints.gatekeeper.sh/v1beta1
  kind: NoHostNet
  metadata:
    name: no-host-net
  spec:
    match:
      kinds:
        - apiGroups: [""]
          kinds: ["Pod"]
`;
const pod = (name: string, hostNetwork: boolean) => yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: ${name}
    namespace: default
  spec:
    hostNetwork: ${hostNetwork}
    containers:
      - name: c
        image: nginx
`;
const UPDATE_REVIEW = yaml`
  kind: AdmissionReview
  apiVersion: admission.k8s.io/v1
  request:
    operation: UPDATE
    object:
      apiVersion: v1
      kind: Pod
      metadata:
        name: host
        namespace: default
      spec:
        hostNetwork: true
`;
const SERVICE = yaml`
  apiVersion: v1
  kind: Service
  metadata:
    name: plain
    namespace: default
`;
const SUITE = yaml`
  kind: Suite
  apiVersion: test.gatekeeper.sh/v1alpha1
  metadata:
    name: hostnet
  tests:
  - name: host-network
    template: template.yaml
    constraint: constraint.yaml
    cases:
    - name: host-denied
      object: host.yaml
      assertions:
      - violations: yes
      - violations: 1
        message: host network
    - name: plain-allowed
      object: plain.yaml
      assertions:
      - violations: no
    - name: update-allowed
      object: update.yaml
      assertions:
      - violations: no
    - name: inventory-clash
      object: plain.yaml
      inventory: [service.yaml]
      assertions:
      - violations: 1
        message: service
`;
const FILES = { 'suite/template.yaml': TEMPLATE, 'suite/constraint.yaml': CONSTRAINT, 'suite/host.yaml': pod('host', true), 'suite/plain.yaml': pod('plain', false), 'suite/update.yaml': UPDATE_REVIEW, 'suite/service.yaml': SERVICE, 'suite/suite.yaml': SUITE };

describe('polcov test: gator suites', () => {
  it('runs every case with gator semantics and exits 0 when all pass', () => {
    const dir = tempDir(FILES);
    const r = runCli(['test', dir]);
    expect(r.out).toContain('1 suites, 4 cases: 4 passed, 0 failed, 0 errors');
    expect(r.out).toMatch(/^ok\s+gator\s+hostnet\s+4\s+4\s+0\s/m);
    expect(r.code).toBe(0);
  });

  it('a failing case exits 1 and shows expected vs actual and the deciding policy', () => {
    const dir = tempDir({ ...FILES, 'suite/suite.yaml': SUITE.replace('- violations: no', '- violations: yes') });
    const r = runCli(['test', dir]);
    expect(r.code).toBe(1);
    const file = path.join(dir, 'suite', 'suite.yaml');
    expect(r.out).toContain(`${file}:16: FAIL hostnet/host-network/plain-allowed`);
    expect(r.out).toContain('    expected: at least 1 violation\n    actual:   no violations\n    decided by NoHostNet/no-host-net (gatekeeper-rego): admit');
  });

  it('--gatekeeper-version picks the half of a dual-engine template', () => {
    const dual = yaml`
      apiVersion: templates.gatekeeper.sh/v1
      kind: ConstraintTemplate
      metadata:
        name: nohostnet
      spec:
        crd:
          spec:
            names:
              kind: NoHostNet
        targets:
          - target: admission.k8s.gatekeeper.sh
            code:
              - engine: K8sNativeValidation
                source:
                  validations:
                    - expression: "!has(object.spec.hostNetwork) || !object.spec.hostNetwork"
                      message: cel says no
              - engine: Rego
                source:
                  rego: |
                    package nohostnet
                    violation[{"msg": "rego says no"}] {
                      input.review.object.spec.hostNetwork
                    }
    `;
    const files = { ...FILES, 'suite/template.yaml': dual, 'suite/suite.yaml': SUITE.replace('message: host network', 'message: cel says no') };
    expect(runCli(['test', tempDir(files), '--run', 'host-denied']).code).toBe(0);
    expect(runCli(['test', tempDir(files), '--run', 'host-denied', '--gatekeeper-version', '3.16']).code).toBe(1);
  });

  it.each([
    ['invalid: true (a schema check polcov does not make)', SUITE.replace('  constraint: constraint.yaml\n', '  constraint: constraint.yaml\n  invalid: true\n'), 'hostnet/host-network', 'not evaluated: polcov does not check constraints against the template schema'],
    ['expansion (generated resources polcov does not make)', SUITE.replace('  constraint: constraint.yaml\n', '  constraint: constraint.yaml\n  expansion: expansion.yaml\n'), 'hostnet/host-network/host-denied', 'not evaluated: polcov does not run ExpansionTemplates (expansion.yaml)'],
  ])('a test with %s is an error case, never a pass', (_title, suite, casePath, actual) => {
    const r = runCli(['test', tempDir({ ...FILES, 'suite/suite.yaml': suite }), '--format', 'json']);
    expect(r.code).toBe(1);
    const cases = JSON.parse(r.out).suites[0].cases as { path: string; status: string; actual: string }[];
    expect(cases.find((c) => c.path === casePath)).toMatchObject({ status: 'error', actual });
  });

  it('a skipped case is not run, as gator skips it', () => {
    const skipped = SUITE.replace('  - name: plain-allowed\n', '  - name: plain-allowed\n    skip: true\n');
    expect(runCli(['test', tempDir({ ...FILES, 'suite/suite.yaml': skipped })]).out).toContain('1 suites, 3 cases: 3 passed');
  });

  it('--run selects cases by suite/test/case path', () => {
    const r = runCli(['test', tempDir(FILES), '--run', 'plain-allowed$']);
    expect(r.out).toContain('1 suites, 1 cases: 1 passed');
  });

  it.each([
    ['a malformed suite', { 'bad/suite.yaml': 'kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests: [\n' }, /bad\/suite\.yaml:4:1: suite bad cannot be read: invalid YAML/],
    ['a missing object file', { 'bad/suite.yaml': SUITE.replace('object: host.yaml', 'object: gone.yaml'), 'bad/template.yaml': TEMPLATE, 'bad/constraint.yaml': CONSTRAINT }, /bad\/suite\.yaml:11:5: suite hostnet cannot be read: cannot read gone\.yaml: no such file/],
    ['an unparseable template', { 'bad/suite.yaml': SUITE, 'bad/template.yaml': TEMPLATE.replace('msg := sprintf(', 'msg := sprintf(('), 'bad/constraint.yaml': CONSTRAINT }, /bad\/template\.yaml:17:57: suite hostnet cannot be read: template\.yaml: .*rego_parse_error/],
  ])('%s is an error for that suite (exit 2); the other suites still run', (_title, bad, error) => {
    const dir = tempDir({ ...FILES, ...bad, 'bad/host.yaml': pod('host', true), 'bad/plain.yaml': pod('plain', false), 'bad/update.yaml': UPDATE_REVIEW, 'bad/service.yaml': SERVICE });
    const r = runCli(['test', dir]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(error);
    expect(r.out).toContain('2 suites, 4 cases: 4 passed, 0 failed, 0 errors, 1 suites unreadable');
  });

  it.each([
    ['a path that does not exist', (dir: string) => ['test', path.join(dir, 'nope')], /cannot read: no such file or directory/],
    ['a folder without suites', (dir: string) => ['test', path.join(dir, 'suite', 'template.yaml')], /no test suites found/],
    ['a --run that matches nothing', (dir: string) => ['test', dir, '--run', 'no-such-case'], /no test case matches --run no-such-case/],
    ['a --gatekeeper-version that names no release', (dir: string) => ['test', dir, '--gatekeeper-version', 'latest'], /not a Gatekeeper release: latest/],
  ])('%s exits 2: nothing run is not a pass', (_title, args, message) => {
    const r = runCli(args(tempDir(FILES)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('--format json reports suites, cases and totals', () => {
    const r = runCli(['test', tempDir(FILES), '--format', 'json']);
    const report = JSON.parse(r.out);
    expect(report.totals).toEqual({ suites: 1, cases: 4, passed: 4, failed: 0, errored: 0, brokenSuites: 0 });
    expect(report.suites[0].cases.map((c: { path: string; status: string }) => [c.path, c.status])).toEqual([
      ['hostnet/host-network/host-denied', 'pass'],
      ['hostnet/host-network/plain-allowed', 'pass'],
      ['hostnet/host-network/update-allowed', 'pass'],
      ['hostnet/host-network/inventory-clash', 'pass'],
    ]);
  });

  it('--format junit has a failure element for a failing case', () => {
    const r = runCli(['test', tempDir({ ...FILES, 'suite/suite.yaml': SUITE.replace('- violations: no', '- violations: yes') }), '--format', 'junit']);
    expect(r.out).toContain('<testsuites name="polcov test" tests="4" failures="1" errors="0">');
    expect(r.out).toMatch(/<testcase [^>]*name="hostnet\/host-network\/plain-allowed"[^>]*><failure message="expected at least 1 violation, got no violations">/);
  });
});

describe('polcov test: OPA unit tests', () => {
  const POLICY = 'package demo\n\ndeny[msg] {\n  input.privileged\n  msg := "privileged"\n}\n';
  const TESTS = [
    'package demo',
    '',
    'test_denies_privileged {',
    '  deny["privileged"] with input as {"privileged": true}',
    '}',
    '',
    'test_wrong_expectation {',
    '  count(deny) == 1 with input as {"privileged": false}',
    '}',
    '',
  ].join('\n');

  it('reads a folder written in Rego v1 (OPA 1.0) as v1', () => {
    const dir = tempDir({
      'p/policy.rego': 'package demo\n\ndeny contains msg if {\n  input.privileged\n  msg := "privileged"\n}\n',
      'p/policy_test.rego': 'package demo\n\ntest_denies if {\n  deny["privileged"] with input as {"privileged": true}\n}\n',
    });
    const r = runCli(['test', dir]);
    expect(r.out).toContain('1 suites, 1 cases: 1 passed, 0 failed, 0 errors');
    expect(r.code).toBe(0);
  });

  it('a test folder that does not compile is an unreadable suite at file:line', () => {
    const dir = tempDir({ 'p/policy.rego': POLICY, 'p/policy_test.rego': 'package demo\n\ntest_x {\n  deny[\n}\n' });
    const r = runCli(['test', dir]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`${path.join(dir, 'p', 'policy_test.rego').replace(/[/.]/g, '\\$&')}:\\d+:\\d+: suite .* cannot be read: .*rego_parse_error`));
  });

  it('runs test_ rules with the policy of their folder; a false test fails', () => {
    const dir = tempDir({ 'p/policy.rego': POLICY, 'p/policy_test.rego': TESTS });
    const r = runCli(['test', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${path.join(dir, 'p', 'policy_test.rego')}:7: FAIL data.demo.test_wrong_expectation`);
    expect(r.out).toContain('1 suites, 2 cases: 1 passed, 1 failed, 0 errors');
  });
});
