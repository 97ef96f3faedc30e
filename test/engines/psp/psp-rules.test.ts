/** PodSecurityPolicy engine through the rules. */
import { auditFiles, located, yaml } from '../../helpers';

const restrictive = yaml`
  apiVersion: policy/v1beta1
  kind: PodSecurityPolicy
  metadata:
    name: restricted
  spec:
    privileged: false
    allowPrivilegeEscalation: false
    requiredDropCapabilities: [ALL]
    volumes: [configMap, secret, emptyDir, projected, downwardAPI, persistentVolumeClaim]
    hostNetwork: false
    hostIPC: false
    hostPID: false
    runAsUser:
      rule: MustRunAsNonRoot
    seLinux:
      rule: RunAsAny
    supplementalGroups:
      rule: MustRunAs
      ranges: [{ min: 1, max: 65535 }]
    fsGroup:
      rule: MustRunAs
      ranges: [{ min: 1, max: 65535 }]
`;

const hostNetworkAllowed = yaml`
  apiVersion: policy/v1beta1
  kind: PodSecurityPolicy
  metadata:
    name: host-network
  spec:
    privileged: false
    hostNetwork: true
    volumes: ['*']
    runAsUser:
      rule: RunAsAny
    seLinux:
      rule: RunAsAny
    supplementalGroups:
      rule: RunAsAny
    fsGroup:
      rule: RunAsAny
`;

describe('PodSecurityPolicy', () => {
  it('every PSP fires ephemeral-subresource-unmatched at its kind, and none fires ephemeral-containers-unchecked', () => {
    const r = auditFiles({ 'psp.yaml': restrictive });
    expect(located(r.findings, 'ephemeral-subresource-unmatched')).toEqual([
      { ruleId: 'ephemeral-subresource-unmatched', file: 'psp.yaml', line: 2, column: 1 },
    ]);
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([]);
  });

  it('hostNetwork: false blocks hostProcess only indirectly', () => {
    const r = auditFiles({ 'psp.yaml': restrictive });
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([
      { ruleId: 'hostprocess-indirect-only', file: 'psp.yaml', line: 10, column: 3 },
    ]);
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([]);
  });

  it('hostNetwork: true admits hostProcess pods: hostprocess-unchecked at the hostNetwork key', () => {
    const r = auditFiles({ 'psp.yaml': hostNetworkAllowed });
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([
      { ruleId: 'hostprocess-unchecked', file: 'psp.yaml', line: 7, column: 3 },
    ]);
  });

  it('PSPs are alternatives: each is judged with the rest of the set, so both verdicts appear', () => {
    const r = auditFiles({ 'a.yaml': restrictive, 'b.yaml': hostNetworkAllowed });
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([
      { ruleId: 'hostprocess-unchecked', file: 'b.yaml', line: 7, column: 3 },
    ]);
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([
      { ruleId: 'hostprocess-indirect-only', file: 'a.yaml', line: 10, column: 3 },
    ]);
  });

  it('an unset hostNetwork defaults to false and points at spec', () => {
    const r = auditFiles({ 'psp.yaml': restrictive.replace('  hostNetwork: false\n', '') });
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([
      { ruleId: 'hostprocess-indirect-only', file: 'psp.yaml', line: 5, column: 1 },
    ]);
  });

  it('maps PSP fields to the controls they restrict', () => {
    const r = auditFiles({ 'psp.yaml': restrictive });
    const controls = new Set(r.policies[0]!.rules[0]!.checks.map((c) => c.control));
    expect([...controls].sort()).toEqual(
      [
        'allowPrivilegeEscalation', 'capabilities_baseline', 'capabilities_restricted', 'hostNamespaces', 'hostPathVolumes',
        'hostPorts', 'privileged', 'procMount', 'restrictedVolumes', 'runAsNonRoot', 'runAsUser', 'sysctls',
      ].sort(),
    );
    const wide = auditFiles({ 'psp.yaml': hostNetworkAllowed });
    const wideControls = new Set(wide.policies[0]!.rules[0]!.checks.map((c) => c.control));
    expect(wideControls.has('restrictedVolumes')).toBe(false);
    expect(wideControls.has('hostPathVolumes')).toBe(false);
    expect(wideControls.has('runAsNonRoot')).toBe(false);
  });
});
