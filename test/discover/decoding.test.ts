/** YAML read as Kubernetes' decoders read it, or reported when polcov cannot tell how they would. */
import { auditFiles, located, yaml } from '../helpers';

const CREATE_ONLY = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: create-only
  spec:
    validationFailureAction: Enforce
    rules:
      - name: r
        match:
          any:
            - resources:
                kinds: [Pod]
                operations: [CREATE]
        validate:
          pattern:
            spec:
              =(ephemeralContainers):
                - =(securityContext):
                    =(privileged): "false"
              containers:
                - =(securityContext):
                    =(privileged): "false"
`;

/** CREATE_ONLY with its `resources` filter (kinds and operations lines) written another way. */
const withResources = (...lines: string[]): string =>
  CREATE_ONLY.replace(/^( *)kinds: \[Pod\]\n *operations: \[CREATE\]\n/m, (_m, indent: string) => lines.map((l) => `${indent}${l}\n`).join(''));

/** The `ephemeral-update-skipped` finding the CREATE-only restriction yields, at its line. */
const updateSkipped = (line: number) => [{ ruleId: 'ephemeral-update-skipped', file: 'p.yaml', line, column: expect.any(Number) }];

describe('decoding as Kubernetes does', () => {
  it('the plain policy: the CREATE-only restriction is found at line 13', () => {
    expect(located(auditFiles({ 'p.yaml': CREATE_ONLY }).findings, 'ephemeral-update-skipped')).toEqual(updateSkipped(13));
  });

  it.each([
    ['a lone carriage return', '\r'],
    ['NEL', '\u0085'],
    ['a line separator', '\u2028'],
  ])('%s breaks lines, as in Go YAML decoders', (_name, br) => {
    const text = CREATE_ONLY.replace('kinds: [Pod]\n', `kinds: [Pod]${br}`);
    const r = auditFiles({ 'p.yaml': text });
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'ephemeral-update-skipped')).toEqual(updateSkipped(13));
  });

  it('merge keys (<<: *anchor) are merged', () => {
    const text = withResources('<<: &res', '  kinds: [Pod]', '  operations: [CREATE]');
    const r = auditFiles({ 'p.yaml': text });
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'ephemeral-update-skipped')).toEqual(updateSkipped(14));
  });

  it('a merged key written in the mapping wins over the merged one', () => {
    const text = withResources('<<: {kinds: [Pod], operations: [CREATE]}', 'operations: [CREATE, UPDATE]');
    const r = auditFiles({ 'p.yaml': text });
    expect(located(r.findings, 'ephemeral-update-skipped')).toEqual([]);
    expect(r.policies).toHaveLength(1);
  });

  it.each([
    ['an escaped apiVersion', 'apiVersion: "kyverno\\u002eio/v1"'],
    ['an escaped line break joining the apiVersion', 'apiVersion: "kyverno.\\\n  io/v1"'],
    ['a !!binary apiVersion', `apiVersion: !!binary ${Buffer.from('kyverno.io/v1').toString('base64')}`],
    ['a !!binary apiVersion with a %-escaped tag', `apiVersion: !!bin%61ry ${Buffer.from('kyverno.io/v1').toString('base64')}`],
  ])('%s is read: the prefilter never skips what can decode to a policy', (_name, apiVersion) => {
    const text = CREATE_ONLY.replace('apiVersion: kyverno.io/v1', apiVersion);
    expect(text).not.toContain('kyverno.io');
    const r = auditFiles({ 'p.yaml': text });
    expect(r.policies.map((p) => p.policy.name)).toEqual(['create-only']);
    expect(located(r.findings, 'ephemeral-update-skipped')).toEqual(updateSkipped(13 + apiVersion.split('\n').length - 1));
  });

  it('an escaped PolicyException still switches the policy off', () => {
    const exception = yaml`
      apiVersion: "kyverno\u002eio/v2"
      kind: PolicyException
      metadata:
        name: all-pods
      spec:
        exceptions:
          - policyName: create-only
            ruleNames: [r]
        match:
          any:
            - resources:
                kinds: [Pod]
    `.replace('\u002e', '\\u002e');
    expect(exception).not.toContain('kyverno.io');
    const blocking = (files: Record<string, string>): boolean => auditFiles(files).policies.find((p) => p.policy.name === 'create-only')!.rules[0]!.enforcement.blocking;
    expect(blocking({ 'p.yaml': CREATE_ONLY })).toBe(true);
    expect(blocking({ 'p.yaml': CREATE_ONLY, 'x.yaml': exception })).toBe(false);
  });

  it.each([
    ['yes', false],
    ['On', false],
    ['y', false],
    ['no', true],
    ['off', true],
  ])('a PodSecurityPolicy with privileged: %s restricts privileged: %s (plain YAML 1.1 booleans, as kubectl reads them)', (value, restricts) => {
    const psp = `apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\nspec:\n  privileged: ${value}\n`;
    const r = auditFiles({ 'psp.yaml': psp }, { kubernetesVersion: '1.24' });
    const checks = r.policies[0]!.rules.flatMap((rule) => rule.checks).filter((c) => c.control === 'privileged');
    expect(checks.length > 0).toBe(restricts);
  });

  const ambiguous: [string, string, number, RegExp][] = [
    ['a document after "..." that Kubernetes would drop', `${CREATE_ONLY}...\n${CREATE_ONLY.replace('create-only', 'second')}`, 24, /not separated by a "---" line/],
    ['"--- content" on the separator line', `${CREATE_ONLY}--- {}\n`, 23, /not separated by a "---" line/],
    ['a separator after a lone carriage return', `${CREATE_ONLY.trimEnd()}\r---\r${CREATE_ONLY}`, 24, /not separated by a "---" line/],
    ['a merge that overrides a key written before it', withResources('kinds: [Pod]', 'operations: [CREATE]', '<<: {operations: [CREATE, UPDATE]}'), 14, /merge key/],
    ['two merge keys in one mapping', withResources('kinds: [Pod]', '<<: {a: 1}', '<<: {operations: [CREATE]}'), 14, /several YAML merge keys/],
  ];

  it.each(ambiguous)('%s: one policy-unanalyzable finding, the file is not read', (_name, text, line, message) => {
    const r = auditFiles({ 'p.yaml': text });
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 'p.yaml', line, column: expect.any(Number) }]);
    expect(r.findings.find((f) => f.ruleId === 'policy-unanalyzable')!.message).toMatch(message);
    expect(located(r.findings, 'ephemeral-update-skipped')).toEqual([]);
  });

  it('"---" followed by a comment separates documents as everywhere', () => {
    const r = auditFiles({ 'p.yaml': `${CREATE_ONLY}--- # next\n${CREATE_ONLY.replace('create-only', 'second')}` });
    expect(r.errors).toEqual([]);
    expect(r.policies.map((p) => p.policy.name)).toEqual(['create-only', 'second']);
  });
});

describe('lenient parse of what kubectl and kustomize accept', () => {
  const TEMPLATE = yaml`
    apiVersion: templates.gatekeeper.sh/v1
    kind: ConstraintTemplate
    metadata:
      name: k8sdemo
    spec:
      crd:
        spec:
          names:
            kind: K8sDemo
          validation:
            openAPIV3Schema:
              properties:
                flag:
                  description: "When set to \`true\` the check {} is optional, defaults
                  to false."
                  type: boolean
      targets:
        - target: admission.k8s.gatekeeper.sh
          rego: |
            package k8sdemo
            violation[{"msg": "no"}] {
              input.review.object.spec.containers[_].securityContext.privileged
            }
  `;

  it('a quoted value continued at its key\'s indentation: read, with one warning at the place', () => {
    const r = auditFiles({ 't.yaml': TEMPLATE });
    expect(r.errors).toEqual([expect.objectContaining({ line: 14, severity: 'warning', message: expect.stringMatching(/read leniently/) })]);
    expect(r.summary.errors).toBe(0);
    expect(r.summary.warnings).toBe(1);
    expect(r.policies.map((p) => p.policy.name)).toEqual(['k8sdemo']);
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: 't.yaml', line: 22, column: expect.any(Number) },
    ]);
  });

  it('what stays invalid when re-indented is still invalid (one problem for the file)', () => {
    const r = auditFiles({ 't.yaml': TEMPLATE.replace('to false."', 'to false.\n---\n') });
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 't.yaml', line: 14, column: expect.any(Number) }]);
  });
});
