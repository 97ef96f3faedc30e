/** Verdicts on findings: the witness evaluated on the whole scanned set decides confirmed / refuted / unconfirmed. */
import type { Evaluator } from '../../src/admission';
import type { Finding } from '../../src/facts';
import { buildPolicySet, buildWitness, judge } from '../../src/proof';
import { audit } from '../../src';
import { auditFiles, PRIVILEGED_POLICY, tempDir, yaml } from '../helpers';
import { EXEMPTING_UPDATE_GUARD, GATEKEEPER_UPDATE_GUARD, KYVERNO_CREATE_ONLY, RAW_REGO_UPDATE_GUARD, REQUIRE_TEAM_LABEL, VAP_CONTAINERS_ONLY } from './fixtures';

const evidenceOf = (findings: Finding[], ruleId: string) => findings.filter((f) => f.ruleId === ruleId).map((f) => f.evidence);

describe('verdicts through audit({ prove: true })', () => {
  it.each([
    ['Kyverno privileged on containers only', 'ephemeral-containers-unchecked', { 'p.yaml': PRIVILEGED_POLICY }],
    ['Kyverno CREATE-only', 'ephemeral-update-skipped', { 'p.yaml': KYVERNO_CREATE_ONLY }],
    ['Gatekeeper UPDATE guard', 'ephemeral-update-skipped', { 't.yaml': GATEKEEPER_UPDATE_GUARD }],
    ['raw .rego UPDATE guard', 'ephemeral-update-skipped', RAW_REGO_UPDATE_GUARD],
    ['VAP containers only', 'ephemeral-containers-unchecked', { 'v.yaml': VAP_CONTAINERS_ONLY }],
    ['VAP containers only (init)', 'init-containers-unchecked', { 'v.yaml': VAP_CONTAINERS_ONLY }],
  ])('%s: %s is confirmed', (_name, ruleId, files) => {
    const r = auditFiles(files, { prove: true });
    expect(evidenceOf(r.findings, ruleId)).toEqual([expect.objectContaining({ verdict: 'confirmed' })]);
    expect(r.summary.proof?.confirmed).toBeGreaterThanOrEqual(1);
    expect(r.refuted).toEqual([]);
  });

  it('constraints of one name: the control comes from the nearest one that checks something', () => {
    // The first constraint (by file) exempts every image, so its rule checks nothing.
    const constraint = (name: string, parameters: string) => yaml`
      apiVersion: constraints.gatekeeper.sh/v1beta1
      kind: NoPrivileged
      metadata:
        name: ${name}
      spec:
        parameters: ${parameters}
    `;
    const r = auditFiles(
      { 'a/constraint.yaml': constraint('no-privileged', '{exemptImages: ["*"]}'), 'b/constraint.yaml': constraint('no-privileged', '{}'), 'template.yaml': EXEMPTING_UPDATE_GUARD },
      { prove: true },
    );
    expect(evidenceOf(r.findings, 'ephemeral-update-skipped')).toEqual([expect.objectContaining({ verdict: 'confirmed', witness: expect.stringContaining('privileged: true') })]);
  });

  it('an audit-only policy that already flags the base pod the same way: the contrast shows nothing new, and says so', () => {
    const digests = yaml`
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata:
        name: digests
      spec:
        matchConstraints:
          resourceRules:
            - apiGroups: [""]
              apiVersions: ["v1"]
              operations: ["CREATE", "UPDATE"]
              resources: ["pods", "pods/ephemeralcontainers"]
        validations:
          - expression: object.spec.containers.all(c, c.image.contains("@"))
            message: images must be pinned by digest
      ---
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata:
        name: digests
      spec:
        policyName: digests
        validationActions: [Audit]
    `;
    const r = auditFiles({ 'v.yaml': digests }, { prove: true });
    expect(evidenceOf(r.findings, 'ephemeral-containers-unchecked')).toEqual([
      expect.objectContaining({ verdict: 'unconfirmed', reason: expect.stringContaining('is not flagged by the policy beyond what it flags on the base pod already') }),
    ]);
  });

  it('a set that admits no base pod leaves the finding unconfirmed, naming the policy', () => {
    const r = auditFiles({ 'p.yaml': PRIVILEGED_POLICY, 'team.yaml': REQUIRE_TEAM_LABEL }, { prove: true });
    const [e] = evidenceOf(r.findings, 'ephemeral-containers-unchecked');
    expect(e).toEqual({ verdict: 'unconfirmed', witness: expect.any(String), reason: expect.stringMatching(/^no admitted base pod: .*require-team rule team/) });
  });

  it('each policy set is proved on its own documents: a denying policy in one set does not reach the other', () => {
    const dir = tempDir({ 'open/p.yaml': PRIVILEGED_POLICY, 'strict/p.yaml': PRIVILEGED_POLICY, 'strict/team.yaml': REQUIRE_TEAM_LABEL });
    const r = audit({ paths: [dir], prove: true, sets: ['*'], ignoreRoot: dir });
    const verdictIn = (folder: string) => r.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked' && f.file.includes(`/${folder}/`)).map((f) => f.evidence?.verdict);
    expect(verdictIn('open')).toEqual(['confirmed']);
    expect(verdictIn('strict')).toEqual(['unconfirmed']);
  });

  it('without prove, findings carry no evidence and the summary no proof counts', () => {
    const r = auditFiles({ 'p.yaml': PRIVILEGED_POLICY });
    expect(r.findings.every((f) => f.evidence === undefined)).toBe(true);
    expect(r.summary.proof).toBeUndefined();
    expect(r.refuted).toBeUndefined();
  });
});

describe('judge', () => {
  const r = auditFiles({ 'p.yaml': PRIVILEGED_POLICY });
  const gap = r.findings.find((f) => f.ruleId === 'ephemeral-containers-unchecked')!;
  const docs = [{ engine: 'kyverno' as const, object: { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'no-privileged' }, spec: { validationFailureAction: 'Enforce', rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, validate: { pattern: { spec: { '=(ephemeralContainers)': [{ '=(securityContext)': { '=(privileged)': 'false' } }], containers: [{ '=(securityContext)': { '=(privileged)': 'false' } }] } } } }] } }, at: { file: gap.file, line: 1, column: 1 } }];

  it('refutes a finding whose own policy denies the gap request', () => {
    const e = judge(gap, buildWitness(gap, 'privileged', { namespace: 'default' }), buildPolicySet(docs, []));
    expect(e).toMatchObject({ verdict: 'refuted', reason: expect.stringContaining('no-privileged') });
  });

  it('an engine that throws makes the finding unconfirmed, not a crash', () => {
    const set = buildPolicySet(docs, []);
    const throwing: Evaluator = { engine: 'kyverno', evaluate: () => { throw new Error('boom'); } };
    const e = judge(gap, buildWitness(gap, 'privileged', { namespace: 'default' }), { ...set, evaluators: [throwing] });
    expect(e).toMatchObject({ verdict: 'unconfirmed', reason: expect.stringContaining('evaluation failed: boom') });
  });

  it('a webhook registration that never sends pods/ephemeralcontainers keeps the engine behind it out', () => {
    const set = buildPolicySet(docs, [{ engine: 'webhook', policy: { kind: 'ValidatingWebhookConfiguration', name: 'kyverno-resource' }, at: gap, exemptions: [], unanalyzable: [],
      rules: [{ name: 'w', at: gap, checks: [], listRefs: {}, enforcement: { blocking: true, action: 'Fail', at: gap }, unanalyzable: [], registrationOnly: true, serves: 'kyverno', scope: { matchesPod: true, ephemeralSubresource: 'no' } }] }]);
    const e = judge(gap, buildWitness(gap, 'privileged', { namespace: 'default' }), set);
    expect(e.verdict).toBe('confirmed');
  });
});
