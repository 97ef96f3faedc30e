/** Ephemeral-container and HostProcess findings say since when the gap is reachable on the target version. */
import { auditFiles, yaml } from '../helpers';

const CONTAINERS_ONLY = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: p
  spec:
    validationFailureAction: Enforce
    rules:
      - name: r
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          pattern:
            spec:
              containers:
                - =(securityContext):
                    =(privileged): "false"
`;

const message = (ruleId: string, kubernetesVersion?: string): string => {
  const r = auditFiles({ 'p.yaml': CONTAINERS_ONLY }, kubernetesVersion ? { kubernetesVersion } : {});
  return r.findings.find((f) => f.ruleId === ruleId)!.message;
};

describe('version context in messages', () => {
  it.each([
    [undefined, '(ephemeral containers: on by default since 1.23)'],
    ['1.30', '(on 1.30: ephemeral containers GA since 1.25, on by default since 1.23)'],
    ['1.24', '(on 1.24: ephemeral containers beta and on by default since 1.23)'],
    ['1.20', '(on 1.20: ephemeral containers alpha, reachable only with the EphemeralContainers feature gate (on by default from 1.23))'],
    ['1.15', '(on 1.15: ephemeral containers do not exist yet; they arrive in 1.16 (on by default from 1.23))'],
  ])('ephemeral-containers-unchecked on %s', (version, expected) => {
    expect(message('ephemeral-containers-unchecked', version)).toContain(expected);
  });

  it.each([
    [undefined, '(HostProcess containers: on by default since 1.23)'],
    ['1.25', '(on 1.25: HostProcess containers beta and on by default since 1.23)'],
    ['1.22', '(on 1.22: HostProcess containers alpha, reachable only with the WindowsHostProcessContainers feature gate'],
  ])('hostprocess-unchecked on %s', (version, expected) => {
    expect(message('hostprocess-unchecked', version)).toContain(expected);
  });
});
