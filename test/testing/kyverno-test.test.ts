/**
 * Kyverno CLI tests under `polcov test`: the Test file, its policies, resources, values and
 * userinfo; each expected result judged as the Kyverno CLI judges it, with the same exit codes.
 */
import { exitCode, runTests } from '../../src/testing/run';
import { tempDir, yaml } from '../helpers';

const POLICY = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: require-team
  spec:
    rules:
      - name: check-team
        match:
          any:
            - resources:
                kinds: [Pod]
        context:
          - name: teams
            configMap:
              name: teams
              namespace: default
        validate:
          message: "team {{ request.object.metadata.labels.team || '' }} is not allowed"
          deny:
            conditions:
              any:
                - key: "{{ request.object.metadata.labels.team || '' }}"
                  operator: AnyNotIn
                  value: "{{ teams.data.allowed }}"
      - name: admins-only-privileged
        match:
          any:
            - resources:
                kinds: [Pod]
        exclude:
          any:
            - clusterRoles: [cluster-admin]
        validate:
          pattern:
            spec:
              containers:
                - =(securityContext):
                    =(privileged): "false"
`;

const RESOURCES = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: good
    labels: {team: a}
  spec:
    containers: [{name: c, image: nginx}]
  ---
  apiVersion: v1
  kind: Pod
  metadata:
    name: bad
    labels: {team: z}
  spec:
    containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: bad-deploy
  spec:
    template:
      metadata:
        labels: {team: a}
      spec:
        containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
`;

const VALUES = yaml`
  apiVersion: cli.kyverno.io/v1alpha1
  kind: Values
  policies:
    - name: require-team
      rules:
        - name: check-team
          values:
            teams.data.allowed: ["a", "b"]
`;

function testFile(results: string, extra = ''): string {
  return yaml`
    apiVersion: cli.kyverno.io/v1alpha1
    kind: Test
    metadata:
      name: require-team
    policies: [policy.yaml]
    resources: [resources.yaml]
    variables: values.yaml
    ${extra}
    results:
  ` + results;
}

const AGREEING = `
  - {policy: require-team, rule: check-team, resources: [good], kind: Pod, result: pass}
  - {policy: require-team, rule: check-team, resources: [bad], kind: Pod, result: fail}
  - {policy: require-team, rule: admins-only-privileged, resources: [bad], kind: Pod, result: fail}
  - {policy: require-team, rule: admins-only-privileged, resources: [bad-deploy], kind: Deployment, result: fail}
`;

describe('polcov test on a Kyverno CLI test', () => {
  it('runs every expected result and agrees with them (exit 0)', () => {
    const dir = tempDir({ '.kyverno-test/kyverno-test.yaml': testFile(AGREEING), '.kyverno-test/policy.yaml': POLICY, '.kyverno-test/resources.yaml': RESOURCES, '.kyverno-test/values.yaml': VALUES });
    const r = runTests({ paths: [dir] });
    expect(r.totals).toMatchObject({ suites: 1, cases: 4, passed: 4, failed: 0, errored: 0 });
    expect(r.suites[0]!.format).toBe('kyverno');
    expect(exitCode(r)).toBe(0);
  });

  it('reports a wrong expectation as a failing case at its line (exit 1)', () => {
    const wrong = `
  - {policy: require-team, rule: check-team, resources: [bad], kind: Pod, result: pass}
`;
    const text = testFile(wrong);
    const line = text.split('\n').findIndex((l) => l.includes('- {policy')) + 1;
    const dir = tempDir({ 'kyverno-test.yaml': text, 'policy.yaml': POLICY, 'resources.yaml': RESOURCES, 'values.yaml': VALUES });
    const r = runTests({ paths: [dir] });
    const c = r.suites[0]!.cases[0]!;
    expect(c).toMatchObject({ status: 'fail', expected: 'result: pass', line });
    expect(c.actual).toBe('disagree: fail');
    expect(c.decisions[0]!.messages).toEqual(['team z is not allowed']);
    expect(exitCode(r)).toBe(1);
  });

  it('userinfo roles exclude the request; missing cluster data is an error, never a pass', () => {
    const userinfo = yaml`
      apiVersion: cli.kyverno.io/v1alpha1
      kind: UserInfo
      clusterRoles: [cluster-admin]
      userInfo:
        username: admin
    `;
    const results = `
  - {policy: require-team, rule: admins-only-privileged, resources: [bad], kind: Pod, result: pass}
  - {policy: require-team, rule: check-team, resources: [good], kind: Pod, result: pass}
`;
    const noValues = testFile(results, 'userinfo: user.yaml').replace('variables: values.yaml\n', '');
    const dir = tempDir({ 'kyverno-test.yaml': noValues, 'policy.yaml': POLICY, 'resources.yaml': RESOURCES, 'user.yaml': userinfo });
    const [excluded, undecided] = runTests({ paths: [dir] }).suites[0]!.cases;
    expect(excluded).toMatchObject({ status: 'pass', actual: 'excluded: no rule response (not matched)' });
    expect(undecided!.status).toBe('error');
    expect(undecided!.actual).toMatch(/^needs-cluster: undecided/);
  });

  it('a test naming a missing policy file is a broken suite (exit 2)', () => {
    const dir = tempDir({ 'kyverno-test.yaml': testFile(AGREEING).replace('policy.yaml', 'absent.yaml'), 'resources.yaml': RESOURCES, 'values.yaml': VALUES });
    const r = runTests({ paths: [dir] });
    expect(r.suites[0]!.error?.message).toMatch(/absent\.yaml/);
    expect(r.suites[0]!.error).toMatchObject({ line: 5, column: 12 });
    expect(exitCode(r)).toBe(2);
  });

  it('runs a ValidatingPolicy (no rule name) with the namespace the Kyverno CLI builds for the request', () => {
    const vpol = yaml`
      apiVersion: policies.kyverno.io/v1alpha1
      kind: ValidatingPolicy
      metadata:
        name: no-default-namespace
      spec:
        validationActions: [Audit]
        matchConstraints:
          resourceRules:
            - apiGroups: [""]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [pods]
        validations:
          - expression: "namespaceObject.metadata.name != 'default'"
            message: Using the default namespace is not allowed.
    `;
    const pods = yaml`
      apiVersion: v1
      kind: Pod
      metadata: {name: in-default}
      spec: {containers: [{name: c, image: nginx}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: in-team, namespace: team}
      spec: {containers: [{name: c, image: nginx}]}
    `;
    const test = yaml`
      apiVersion: cli.kyverno.io/v1alpha1
      kind: Test
      metadata: {name: vpol}
      policies: [vpol.yaml]
      resources: [pods.yaml]
      results:
        - {isValidatingPolicy: true, policy: no-default-namespace, resources: [in-default], kind: Pod, result: fail}
        - {isValidatingPolicy: true, policy: no-default-namespace, resources: [in-team], kind: Pod, result: pass}
    `;
    const r = runTests({ paths: [tempDir({ 'kyverno-test.yaml': test, 'vpol.yaml': vpol, 'pods.yaml': pods })] });
    expect(r.suites[0]!.cases.map((c) => [c.status, c.actual])).toEqual([
      ['pass', 'agree: fail'],
      ['pass', 'agree: pass'],
    ]);
    expect(r.suites[0]!.cases[0]!.decisions[0]!.messages).toEqual(['Using the default namespace is not allowed.']);
  });
  it('judges mutate rules: pass when the patched resource equals patchedResources, fail when it differs, the row left out when the file lacks it', () => {
    const mutate = (name: string, label: string) => yaml`
      apiVersion: kyverno.io/v1
      kind: ClusterPolicy
      metadata: {name: ${name}}
      spec:
        rules:
          - name: add-label
            match: {any: [{resources: {kinds: [Pod]}}]}
            mutate:
              patchStrategicMerge:
                metadata:
                  labels:
                    +(${label}): "yes"
    `;
    const pod = (name: string, labels: string) => yaml`
      apiVersion: v1
      kind: Pod
      metadata: {name: ${name}, namespace: default, labels: ${labels}}
      spec: {containers: [{name: c, image: nginx}]}
    `;
    const test = yaml`
      apiVersion: cli.kyverno.io/v1alpha1
      kind: Test
      metadata: {name: mutate}
      policies: [first.yaml, second.yaml]
      resources: [pods.yaml]
      results:
        - {policy: second, rule: add-label, resources: [plain], kind: Pod, patchedResources: patched.yaml, result: pass}
        - {policy: second, rule: add-label, resources: [plain], kind: Pod, patchedResources: wrong.yaml, result: pass}
        - {policy: second, rule: add-label, resources: [plain], kind: Pod, patchedResources: other.yaml, result: pass}
        - {policy: second, rule: add-label, resources: [labelled], kind: Pod, result: skip}
    `;
    const dir = tempDir({
      'kyverno-test.yaml': test,
      'first.yaml': mutate('first', 'a'),
      'second.yaml': mutate('second', 'b'),
      'pods.yaml': pod('plain', '{}') + '---\n' + pod('labelled', '{a: "no", b: "no"}'),
      // The second policy sees the first one's result: both labels.
      'patched.yaml': pod('plain', '{a: "yes", b: "yes"}'),
      'wrong.yaml': pod('plain', '{b: "yes"}'),
      'other.yaml': pod('someone-else', '{}'),
    });
    const r = runTests({ paths: [dir] });
    expect(r.suites[0]!.cases.map((c) => [c.status, c.actual])).toEqual([
      ['pass', 'agree: pass'],
      ['fail', 'disagree: patched resource differs'],
      ['pass', 'excluded: patchedResources holds no such resource (the Kyverno CLI leaves the row out)'],
      ['pass', 'agree: skip'],
    ]);
  });
});

describe('MutatingPolicies in a Kyverno CLI test', () => {
  const mpol = yaml`
    apiVersion: policies.kyverno.io/v1alpha1
    kind: MutatingPolicy
    metadata: {name: add-team}
    spec:
      matchConstraints:
        resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
      matchConditions:
        - {name: unlabelled, expression: "!has(object.metadata.labels) || !('team' in object.metadata.labels)"}
      mutations:
        - patchType: ApplyConfiguration
          applyConfiguration:
            expression: 'Object{metadata: Object.metadata{labels: {"team": "core"}}}'
  `;
  const pods = yaml`
    apiVersion: v1
    kind: Pod
    metadata: {name: bare}
    spec: {containers: [{name: c, image: nginx}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: labelled, labels: {team: web}}
    spec: {containers: [{name: c, image: nginx}]}
  `;
  const patched = (team: string) => yaml`
    apiVersion: v1
    kind: Pod
    metadata: {name: bare, labels: {team: ${team}}}
    spec: {containers: [{name: c, image: nginx}]}
  `;
  const test = yaml`
    apiVersion: cli.kyverno.io/v1alpha1
    kind: Test
    metadata: {name: mpol}
    policies: [mpol.yaml]
    resources: [pods.yaml]
    results:
      - {isMutatingPolicy: true, policy: add-team, resources: [bare], kind: Pod, result: pass, patchedResources: right.yaml}
      - {isMutatingPolicy: true, policy: add-team, resources: [bare], kind: Pod, result: pass, patchedResources: wrong.yaml}
      - {isMutatingPolicy: true, policy: add-team, resources: [labelled], kind: Pod, result: skip}
      - {isMutatingPolicy: true, policy: add-team, resources: [labelled], kind: Pod, result: pass, patchedResources: right.yaml}
  `;

  it('passes an applied mutation whose result equals patchedResources, fails one that differs, skips on a false matchCondition', () => {
    const dir = tempDir({ 'kyverno-test.yaml': test, 'mpol.yaml': mpol, 'pods.yaml': pods, 'right.yaml': patched('core'), 'wrong.yaml': patched('other') });
    const r = runTests({ paths: [dir] });
    expect(r.suites[0]!.cases.map((c) => [c.status, c.actual])).toEqual([
      ['pass', 'agree: pass'],
      ['fail', 'disagree: the patched resource differs from wrong.yaml (pass: success)'],
      ['pass', 'agree: skip'],
      // right.yaml holds no `labelled` Pod: the Kyverno CLI drops such a row ("not found in manifest").
      ['pass', 'excluded: resource v1/Pod/default/labelled not found in right.yaml: the Kyverno CLI drops the row'],
    ]);
  });
});
