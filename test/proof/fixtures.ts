/** Policies with known gaps, shared by the proof tests. */
import { yaml } from '../helpers';

export const KYVERNO_CREATE_ONLY = yaml`
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

export const GATEKEEPER_UPDATE_GUARD = yaml`
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

/** Skips UPDATE and exempts images by the constraint's `exemptImages` (prefixes ending in `*`). */
export const EXEMPTING_UPDATE_GUARD = yaml`
  apiVersion: templates.gatekeeper.sh/v1
  kind: ConstraintTemplate
  metadata:
    name: noprivileged
  spec:
    crd:
      spec:
        names:
          kind: NoPrivileged
    targets:
      - target: admission.k8s.gatekeeper.sh
        rego: |
          package noprivileged
          violation[{"msg": msg}] {
            not input.review.operation == "UPDATE"
            c := input.review.object.spec.containers[_]
            not exempt(c)
            c.securityContext.privileged
            msg := sprintf("privileged container %v", [c.name])
          }
          exempt(c) {
            prefix := trim_suffix(input.parameters.exemptImages[_], "*")
            startswith(c.image, prefix)
          }
`;

/** A raw `.rego` policy (Gatekeeper style, no template) whose lib in another file skips UPDATE. */
export const RAW_REGO_UPDATE_GUARD = {
  'src.rego': yaml`
    package rawnopriv
    import data.lib.updates.is_update
    violation[{"msg": msg}] {
      not is_update(input.review)
      c := input.review.object.spec.containers[_]
      c.securityContext.privileged
      msg := sprintf("privileged container %v", [c.name])
    }
  `,
  'lib.rego': yaml`
    package lib.updates
    is_update(review) { review.operation == "UPDATE" }
  `,
};

export const VAP_CONTAINERS_ONLY = yaml`
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
export const REQUIRE_TEAM_LABEL = yaml`
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
