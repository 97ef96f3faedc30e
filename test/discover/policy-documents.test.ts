/** What is a policy: partial documents are skipped and listed; test runners' material is left out. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { runCli } from '../ci-fixtures';
import { auditFiles, located, PRIVILEGED_POLICY, tempDir, yaml } from '../helpers';

const POLICY = PRIVILEGED_POLICY;

const PSA_NAMESPACE = yaml`
  apiVersion: v1
  kind: Namespace
  metadata:
    name: fixture-ns
    labels:
      pod-security.kubernetes.io/warn: baseline
`;

describe('documents of a policy kind that are no policy', () => {
  const skip: { name: string; text: string; kind: string; line: number; reason: RegExp }[] = [
    {
      name: 'chainsaw policy-ready assertion (status only)',
      text: 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nstatus:\n  ready: true\n',
      kind: 'ClusterPolicy', line: 2, reason: /status without spec/,
    },
    {
      name: 'lone spec.validationFailureAction',
      text: 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  validationFailureAction: Audit\n',
      kind: 'ClusterPolicy', line: 2, reason: /no spec\.rules/,
    },
    {
      name: 'metadata only',
      text: 'kind: ClusterPolicy\napiVersion: kyverno.io/v1\nmetadata:\n  name: p\n',
      kind: 'ClusterPolicy', line: 1, reason: /no spec/,
    },
    {
      name: 'ValidatingPolicy without matchConstraints',
      text: 'apiVersion: policies.kyverno.io/v1alpha1\nkind: ValidatingPolicy\nmetadata:\n  name: p\nspec:\n  validationActions: [Audit]\n',
      kind: 'ValidatingPolicy', line: 2, reason: /matchConstraints/,
    },
    {
      name: 'ValidatingPolicy in JSON evaluation mode',
      text: yaml`
        apiVersion: policies.kyverno.io/v1alpha1
        kind: ValidatingPolicy
        metadata:
          name: p
        spec:
          evaluation:
            mode: JSON
          matchConstraints:
            resourceRules:
              - apiGroups: ['']
                apiVersions: [v1]
                operations: [CREATE]
                resources: [pods]
          validations:
            - expression: "object.x == 1"
      `,
      kind: 'ValidatingPolicy', line: 2, reason: /JSON payloads/,
    },
    {
      name: 'ValidatingAdmissionPolicy without matchConstraints',
      text: 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n  validations:\n    - expression: "true"\n',
      kind: 'ValidatingAdmissionPolicy', line: 2, reason: /matchConstraints/,
    },
    {
      name: 'binding without policyName',
      text: 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\nspec:\n  validationActions: [Deny]\n',
      kind: 'ValidatingAdmissionPolicyBinding', line: 2, reason: /policyName/,
    },
    {
      name: 'Gatekeeper constraint status only',
      text: 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPSPPrivilegedContainer\nmetadata:\n  name: c\nstatus:\n  totalViolations: 0\n',
      kind: 'K8sPSPPrivilegedContainer', line: 2, reason: /status without spec/,
    },
    {
      name: 'PolicyException without exceptions',
      text: 'apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: e\nspec:\n  match:\n    any: []\n',
      kind: 'PolicyException', line: 2, reason: /exceptions/,
    },
  ];

  it.each(skip)('$name: no finding, counted and listed as skipped', ({ text, kind, line, reason }) => {
    const r = auditFiles({ 'assert.yaml': text });
    expect(r.findings).toEqual([]);
    expect(r.policies).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.summary.skipped).toBe(1);
    expect(r.skipped).toEqual([{ file: expect.stringMatching(/assert\.yaml$/), line, column: 1, kind, name: expect.any(String), reason: expect.stringMatching(reason) }]);
  });

  const keep: { name: string; text: string; expected: string[] }[] = [
    { name: 'a real ClusterPolicy', text: POLICY, expected: ['ephemeral-containers-unchecked'] },
    {
      name: 'a constraint without spec (matches everything, denies)',
      text: 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPSPPrivilegedContainer\nmetadata:\n  name: c\n',
      expected: [],
    },
    {
      name: 'a ClusterPolicy whose rules are not a list (broken, not partial)',
      text: 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules: oops\n',
      expected: ['policy-unanalyzable'],
    },
  ];

  it.each(keep)('$name is analysed, not skipped', ({ text, expected }) => {
    const r = auditFiles({ 'p.yaml': text });
    expect(r.summary.skipped).toBe(0);
    expect(r.policies).toHaveLength(1);
    for (const id of expected) expect(r.findings.map((f) => f.ruleId)).toContain(id);
  });

  it('the summary sentence and the JSON name the skipped documents', () => {
    const dir = tempDir({ 'assert.yaml': skip[0]!.text, 'p.yaml': POLICY });
    expect(runCli(['scan', dir, '--fail-on', 'never']).out).toContain('Skipped: 1 test or partial document.');
    const doc = JSON.parse(runCli(['scan', dir, '--format', 'json']).out);
    expect(doc.summary.skipped).toBe(1);
    expect(doc.skipped).toEqual([expect.objectContaining({ kind: 'ClusterPolicy', name: 'p', line: 2, reason: expect.stringMatching(/status/) })]);
  });
});

describe('test material of the ecosystem test runners', () => {
  const tree = {
    'pol/policy.yaml': POLICY,
    'pol/.chainsaw-test/chainsaw-test.yaml': 'apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\nspec:\n  steps:\n    - try:\n        - apply:\n            file: ../policy.yaml\n',
    'pol/.chainsaw-test/ns.yaml': PSA_NAMESPACE,
    'pol/.chainsaw-test/policy-copy.yaml': POLICY.replace('no-privileged', 'copy-in-chainsaw'),
    'pol/.kyverno-test/policy-copy.yaml': POLICY.replace('no-privileged', 'copy-in-kyverno-test'),
    'e2e/case-1/chainsaw-test.yaml': 'apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: e2e\n',
    'e2e/case-1/steps/policy.yaml': POLICY.replace('no-privileged', 'in-e2e-tree'),
    'cli/kyverno-test.yaml': 'apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\npolicies:\n  - ../pol/policy.yaml\nresources:\n  - resources.yaml\n',
    'cli/resources.yaml': PSA_NAMESPACE.replace('fixture-ns', 'cli-resource-ns'),
    'lib/psp/suite.yaml': yaml`
      kind: Suite
      apiVersion: test.gatekeeper.sh/v1alpha1
      tests:
        - name: t
          template: template.yaml
          constraint: samples/c/constraint.yaml
          cases:
            - name: ok
              object: samples/c/example_allowed.yaml
              inventory: [samples/c/example_inventory.yaml]
    `,
    'lib/psp/samples/c/constraint.yaml': 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPSPPrivilegedContainer\nmetadata:\n  name: sample-constraint\n',
    'lib/psp/samples/c/example_allowed.yaml': PSA_NAMESPACE.replace('fixture-ns', 'gator-object-ns'),
    'lib/psp/samples/c/example_inventory.yaml': PSA_NAMESPACE.replace('fixture-ns', 'gator-inventory-ns'),
  };

  it('leaves test folders, chainsaw trees, Kyverno test resources and gator objects out by default, and counts them', () => {
    const r = auditFiles(tree);
    expect(r.policies.map((p) => `${p.policy.kind}/${p.policy.name}`).sort()).toEqual(['ClusterPolicy/no-privileged', 'K8sPSPPrivilegedContainer/sample-constraint']);
    expect(r.findings.filter((f) => /(-test|e2e|resources|example_)/.test(path.relative(r.dir, f.file)))).toEqual([]);
    expect(r.summary.testFiles).toBe(11);
  });

  it('--include-tests (includeTests) reads them all', () => {
    const r = auditFiles(tree, { includeTests: true });
    const names = r.policies.map((p) => p.policy.name);
    for (const n of ['copy-in-chainsaw', 'copy-in-kyverno-test', 'in-e2e-tree', 'fixture-ns', 'cli-resource-ns', 'gator-object-ns', 'gator-inventory-ns']) expect(names).toContain(n);
    expect(r.summary.testFiles).toBe(0);
  });

  it('a chainsaw test at the scanned root does not make the whole scan a test', () => {
    const dir = tempDir({ 'chainsaw-test.yaml': tree['e2e/case-1/chainsaw-test.yaml'], 'policy.yaml': POLICY });
    expect(audit({ paths: [dir] }).policies.map((p) => p.policy.name)).toEqual(['no-privileged']);
  });

  it('the CLI switch and the configuration key', () => {
    const dir = tempDir({ 'a/.chainsaw-test/p.yaml': POLICY });
    const run = (args: string[]): number => JSON.parse(runCli(['scan', dir, '--format', 'json', ...args]).out).summary.policies;
    expect(run([])).toBe(0);
    expect(run(['--include-tests'])).toBe(1);
    fs.writeFileSync(path.join(dir, '.polcov.yaml'), 'includeTests: true\n');
    expect(run([])).toBe(1);
  });
});

const CORPUS = path.join('..', 'shared', 'corpus');
const corpus = fs.existsSync(CORPUS) ? describe : describe.skip;
if (!fs.existsSync(CORPUS)) console.warn(`skipping corpus checks: ${CORPUS} is absent`);

corpus('on the public policy libraries (../shared/corpus)', () => {
  it('kyverno/policies: a policy folder with chainsaw and CLI tests yields only the policy', () => {
    const r = audit({ paths: [path.join(CORPUS, 'kyverno-policies', 'pod-security', 'baseline', 'disallow-host-process')] });
    expect(r.policies.map((p) => p.at.file)).toEqual([expect.stringMatching(/disallow-host-process\/disallow-host-process\.yaml$/)]);
    expect(r.findings.filter((f) => f.file.includes('-test/'))).toEqual([]);
    const included = audit({ paths: [path.join(CORPUS, 'kyverno-policies', 'pod-security', 'baseline', 'disallow-host-process')], includeTests: true });
    expect(included.skipped.map((s) => path.basename(s.file))).toEqual(['chainsaw-step-01-assert-1.yaml']);
    expect(located(included.findings, 'policy-unanalyzable')).toEqual([]);
  });

  it('gatekeeper-library httpsonly: read leniently with one warning, no input error, no test object', () => {
    const r = audit({ paths: [path.join(CORPUS, 'gatekeeper-library', 'library', 'general', 'httpsonly')] });
    expect(r.errors).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/httpsonly\/template\.yaml$/), line: 33, column: 80, severity: 'warning' }),
    ]);
    expect(r.summary.errors).toBe(0);
    expect(r.policies.map((p) => p.policy.name).sort()).toEqual(['ingress-https-only', 'ingress-https-only-tls-optional']);
  });
});
