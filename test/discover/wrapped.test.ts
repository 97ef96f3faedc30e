/**
 * Policies wrapped for delivery (issue 9 item 12): Open Cluster Management Policies carry Kyverno,
 * Gatekeeper and other objects in `policy-templates[].objectDefinition` and, through a
 * ConfigurationPolicy, in `object-templates[].objectDefinition`. They are read with positions in
 * the wrapper file; a disabled Policy and `mustnothave` objects deploy nothing.
 */
import { auditFiles, located, yaml } from '../helpers';
import { patternPolicy } from '../engines/kyverno/fixtures';
import { where } from '../engines/cel/fixtures';

const KYVERNO = patternPolicy(`
          spec:
            containers:
              - =(securityContext):
                  =(privileged): "false"`, { name: 'no-privileged' });

/** `text` as the value of `objectDefinition:` in a list item at `indent` spaces. */
const nested = (text: string, indent: number): string => text.trimEnd().split('\n').map((l) => `\n${' '.repeat(indent)}${l}`).join('');

/** An OCM Policy whose only template is the Kyverno policy above. */
const wrapped = (policySpec = ''): string => `apiVersion: policy.open-cluster-management.io/v1
kind: Policy
metadata:
  name: wrapped
  namespace: policies
spec:
  remediationAction: enforce${policySpec}
  policy-templates:
    - objectDefinition:${nested(KYVERNO, 8)}
`;

const CONFIGURATION_POLICY = yaml`
  apiVersion: policy.open-cluster-management.io/v1
  kind: Policy
  metadata:
    name: wrapped-config
  spec:
    policy-templates:
      - objectDefinition:
          apiVersion: policy.open-cluster-management.io/v1
          kind: ConfigurationPolicy
          metadata:
            name: inner
          spec:
            remediationAction: enforce
            object-templates:
              - complianceType: musthave
                objectDefinition:
                  apiVersion: templates.gatekeeper.sh/v1
                  kind: ConstraintTemplate
                  metadata:
                    name: k8snoprivileged
                  spec:
                    crd:
                      spec:
                        names:
                          kind: K8sNoPrivileged
                    targets:
                      - target: admission.k8s.gatekeeper.sh
                        rego: |
                          package k8snoprivileged
                          violation[{"msg": "privileged"}] {
                            c := input.review.object.spec.containers[_]
                            c.securityContext.privileged
                          }
              - complianceType: mustnothave
                objectDefinition:${nested(KYVERNO.replace('no-privileged', 'removed'), 18)}
`;

describe('OCM-wrapped policies', () => {
  it('a Kyverno policy in policy-templates is analysed with positions in the wrapper file', () => {
    const text = wrapped();
    const result = auditFiles({ 'ocm.yaml': text });
    expect(result.errors).toEqual([]);
    expect(result.policies.map((p) => p.policy.name)).toEqual(['no-privileged']);
    expect(located(result.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: 'ocm.yaml', ...where(text, 'containers:') },
    ]);
  });

  it('a Gatekeeper template inside a ConfigurationPolicy is unwrapped; mustnothave objects are not', () => {
    const result = auditFiles({ 'ocm.yaml': CONFIGURATION_POLICY });
    expect(result.errors).toEqual([]);
    expect(result.policies.map((p) => p.policy.name).sort()).toEqual(['k8snoprivileged']);
    expect(located(result.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: 'ocm.yaml', ...where(CONFIGURATION_POLICY, 'input.review.object.spec.containers') },
    ]);
  });

  it('objects given as templated text are not read, and a warning says so', () => {
    const text = yaml`
      apiVersion: policy.open-cluster-management.io/v1
      kind: ConfigurationPolicy
      metadata:
        name: raw
      spec:
        object-templates-raw: |
          {{ range $ns := (lookup "v1" "Namespace" "" "").items }}
          - complianceType: musthave
            objectDefinition:
              kind: Namespace
          {{ end }}
    `;
    const result = auditFiles({ 'ocm.yaml': text });
    expect(result.policies).toEqual([]);
    expect(result.errors.map((e) => ({ line: e.line, column: e.column, severity: e.severity }))).toEqual([
      { ...where(text, 'object-templates-raw'), severity: 'warning' },
    ]);
    expect(result.errors[0]!.message).toContain('object-templates-raw');
  });

  it("an inform-only ConfigurationPolicy creates nothing: the parent Policy's remediationAction overrides its own", () => {
    const text = CONFIGURATION_POLICY.replace('spec:\n  policy-templates:', 'spec:\n  remediationAction: inform\n  policy-templates:');
    expect(text).not.toEqual(CONFIGURATION_POLICY);
    const result = auditFiles({ 'ocm.yaml': text });
    expect(result.policies).toEqual([]);
    expect(result.errors.map((e) => ({ line: e.line, column: e.column, severity: e.severity }))).toEqual([
      { ...where(text, 'remediationAction: inform'), severity: 'warning' },
    ]);
    expect(result.errors[0]!.message).toContain('only informs (remediationAction: inform)');
  });

  it('a disabled Policy deploys nothing', () => {
    const result = auditFiles({ 'ocm.yaml': wrapped('\n  disabled: true') });
    expect(result.policies).toEqual([]);
  });
});
