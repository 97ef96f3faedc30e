/** Verdicts on findings: the witness evaluated on the whole scanned set decides confirmed / refuted / unconfirmed. */
import type { Evaluator } from '../../src/admission';
import type { Finding } from '../../src/facts';
import { buildPolicySet, buildWitness, judge } from '../../src/proof';
import { auditFiles, PRIVILEGED_POLICY, yaml } from '../helpers';

const KYVERNO_CREATE_ONLY = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: run-as-non-root
  spec:
    validationFailureAction: Enforce
    rules:
      - name: non-root
        match:
          any:
            - resources:
                kinds: [Pod]
                operations: [CREATE]
        validate:
          pattern:
            spec:
              =(ephemeralContainers):
                - securityContext:
                    runAsNonRoot: true
              containers:
                - securityContext:
                    runAsNonRoot: true
`;

const GATEKEEPER_UPDATE_GUARD = yaml`
  apiVersion: templates.gatekeeper.sh/v1
  kind: ConstraintTemplate
  metadata:
    name: k8spspprivileged
  spec:
    crd:
      spec:
        names:
          kind: K8sPSPPrivileged
    targets:
      - target: admission.k8s.gatekeeper.sh
        rego: |
          package k8spspprivileged
          violation[{"msg": msg}] {
            not is_update(input.review)
            c := input_containers[_]
            c.securityContext.privileged
            msg := sprintf("privileged container %v", [c.name])
          }
          is_update(review) { review.operation == "UPDATE" }
          input_containers[c] { c := input.review.object.spec.containers[_] }
          input_containers[c] { c := input.review.object.spec.initContainers[_] }
          input_containers[c] { c := input.review.object.spec.ephemeralContainers[_] }
`;

const VAP_CONTAINERS_ONLY = yaml`
  apiVersion: admissionregistration.k8s.io/v1
  kind: ValidatingAdmissionPolicy
  metadata:
    name: drop-all
  spec:
    matchConstraints:
      resourceRules:
        - apiGroups: [""]
          apiVersions: ["v1"]
          operations: ["CREATE", "UPDATE"]
          resources: ["pods", "pods/ephemeralcontainers"]
    validations:
      - expression: object.spec.containers.all(c, c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == "ALL"))
  ---
  apiVersion: admissionregistration.k8s.io/v1
  kind: ValidatingAdmissionPolicyBinding
  metadata:
    name: drop-all
  spec:
    policyName: drop-all
    validationActions: [Deny]
`;

/** Every pod must carry a label the base pod lacks: no admitted base pod. */
const REQUIRE_TEAM_LABEL = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: require-team
  spec:
    validationFailureAction: Enforce
    rules:
      - name: team
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          pattern:
            metadata:
              labels:
                team: "?*"
`;

const evidenceOf = (findings: Finding[], ruleId: string) => findings.filter((f) => f.ruleId === ruleId).map((f) => f.evidence);

describe('verdicts through audit({ prove: true })', () => {
  it.each([
    ['Kyverno privileged on containers only', 'ephemeral-containers-unchecked', { 'p.yaml': PRIVILEGED_POLICY }],
    ['Kyverno CREATE-only', 'ephemeral-update-skipped', { 'p.yaml': KYVERNO_CREATE_ONLY }],
    ['Gatekeeper UPDATE guard', 'ephemeral-update-skipped', { 't.yaml': GATEKEEPER_UPDATE_GUARD }],
    ['VAP containers only', 'ephemeral-containers-unchecked', { 'v.yaml': VAP_CONTAINERS_ONLY }],
    ['VAP containers only (init)', 'init-containers-unchecked', { 'v.yaml': VAP_CONTAINERS_ONLY }],
  ])('%s: %s is confirmed', (_name, ruleId, files) => {
    const r = auditFiles(files, { prove: true });
    expect(evidenceOf(r.findings, ruleId)).toEqual([expect.objectContaining({ verdict: 'confirmed' })]);
    expect(r.summary.proof?.confirmed).toBeGreaterThanOrEqual(1);
    expect(r.refuted).toEqual([]);
  });

  it('a set that admits no base pod leaves the finding unconfirmed, naming the policy', () => {
    const r = auditFiles({ 'p.yaml': PRIVILEGED_POLICY, 'team.yaml': REQUIRE_TEAM_LABEL }, { prove: true });
    const [e] = evidenceOf(r.findings, 'ephemeral-containers-unchecked');
    expect(e).toEqual({ verdict: 'unconfirmed', witness: expect.any(String), reason: expect.stringMatching(/^no admitted base pod: .*require-team rule team/) });
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
    const e = judge(gap, buildWitness(gap, 'privileged', 'default'), buildPolicySet(docs, []));
    expect(e).toMatchObject({ verdict: 'refuted', reason: expect.stringContaining('no-privileged') });
  });

  it('an engine that throws makes the finding unconfirmed, not a crash', () => {
    const set = buildPolicySet(docs, []);
    const throwing: Evaluator = { engine: 'kyverno', evaluate: () => { throw new Error('boom'); } };
    const e = judge(gap, buildWitness(gap, 'privileged', 'default'), { ...set, evaluators: [throwing] });
    expect(e).toMatchObject({ verdict: 'unconfirmed', reason: expect.stringContaining('evaluation failed: boom') });
  });

  it('a webhook registration that never sends pods/ephemeralcontainers keeps the engine behind it out', () => {
    const set = buildPolicySet(docs, [{ engine: 'webhook', policy: { kind: 'ValidatingWebhookConfiguration', name: 'kyverno-resource' }, at: gap, exemptions: [], unanalyzable: [],
      rules: [{ name: 'w', at: gap, checks: [], listRefs: {}, enforcement: { blocking: true, action: 'Fail', at: gap }, unanalyzable: [], registrationOnly: true, serves: 'kyverno', scope: { matchesPod: true, ephemeralSubresource: 'no' } }] }]);
    const e = judge(gap, buildWitness(gap, 'privileged', 'default'), set);
    expect(e.verdict).toBe('confirmed');
  });
});
