/** Gatekeeper fixtures shared by the safety tests: a template that forbids privileged containers in every list, and its constraint. */
import { yaml } from '../helpers';

export const privilegedTemplate = ({ apiVersion = 'templates.gatekeeper.sh/v1', regoKey = 'rego' } = {}): string => yaml`
  apiVersion: ${apiVersion}
  kind: ConstraintTemplate
  metadata:
    name: k8sprivileged
  spec:
    crd:
      spec:
        names:
          kind: K8sPrivileged
    targets:
      - target: admission.k8s.gatekeeper.sh
        ${regoKey}: |
          package k8sprivileged
          violation[{"msg": "privileged"}] {
            c := input.review.object.spec[_][_]
            c.securityContext.privileged
          }
`;

export const privilegedConstraint = (apiVersion = 'constraints.gatekeeper.sh/v1beta1'): string => yaml`
  apiVersion: ${apiVersion}
  kind: K8sPrivileged
  metadata:
    name: c
  spec:
    match:
      kinds:
        - apiGroups: [""]
          kinds: ["Pod"]
`;
