/** PodSecurityPolicy engine through the rules. */
import type { ControlId } from '../../../src/catalog/controls';
import { auditFiles, located, PSP_ERA, yaml } from '../../helpers';
import { where } from '../cel/fixtures';

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
    const r = auditFiles({ 'psp.yaml': restrictive }, PSP_ERA);
    expect(located(r.findings, 'ephemeral-subresource-unmatched')).toEqual([
      { ruleId: 'ephemeral-subresource-unmatched', file: 'psp.yaml', line: 2, column: 1 },
    ]);
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([]);
  });

  it('hostNetwork: false blocks hostProcess only indirectly', () => {
    const r = auditFiles({ 'psp.yaml': restrictive }, PSP_ERA);
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([
      { ruleId: 'hostprocess-indirect-only', file: 'psp.yaml', line: 10, column: 3 },
    ]);
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([]);
  });

  it('hostNetwork: true admits hostProcess pods: hostprocess-unchecked at the hostNetwork key', () => {
    const r = auditFiles({ 'psp.yaml': hostNetworkAllowed }, PSP_ERA);
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([
      { ruleId: 'hostprocess-unchecked', file: 'psp.yaml', line: 7, column: 3 },
    ]);
  });

  it('PSPs are alternatives: each is judged with the rest of the set, so both verdicts appear', () => {
    const r = auditFiles({ 'a.yaml': restrictive, 'b.yaml': hostNetworkAllowed }, PSP_ERA);
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([
      { ruleId: 'hostprocess-unchecked', file: 'b.yaml', line: 7, column: 3 },
    ]);
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([
      { ruleId: 'hostprocess-indirect-only', file: 'a.yaml', line: 10, column: 3 },
    ]);
  });

  it('an unset hostNetwork defaults to false and points at spec', () => {
    const r = auditFiles({ 'psp.yaml': restrictive.replace('  hostNetwork: false\n', '') }, PSP_ERA);
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([
      { ruleId: 'hostprocess-indirect-only', file: 'psp.yaml', line: 5, column: 1 },
    ]);
  });

  it('maps PSP fields to the controls they restrict', () => {
    const r = auditFiles({ 'psp.yaml': restrictive }, PSP_ERA);
    const controls = new Set(r.policies[0]!.rules[0]!.checks.map((c) => c.control));
    expect([...controls].sort()).toEqual(
      [
        'allowPrivilegeEscalation', 'capabilities_baseline', 'capabilities_restricted', 'hostNamespaces', 'hostPathVolumes',
        'hostPorts', 'privileged', 'procMount', 'restrictedVolumes', 'runAsNonRoot', 'runAsUser', 'sysctls',
      ].sort(),
    );
    const wide = auditFiles({ 'psp.yaml': hostNetworkAllowed }, PSP_ERA);
    const wideControls = new Set(wide.policies[0]!.rules[0]!.checks.map((c) => c.control));
    expect(wideControls.has('restrictedVolumes')).toBe(false);
    expect(wideControls.has('hostPathVolumes')).toBe(false);
    expect(wideControls.has('runAsNonRoot')).toBe(false);
  });
});

/** `restrictive` with `extra` spec keys added, or `from` replaced by `to`. */
const withSpec = (extra: string, replace?: [string, string]): string => {
  if (replace && !restrictive.includes(replace[0])) throw new Error(`fixture has no ${JSON.stringify(replace[0])}`);
  return (replace ? restrictive.replace(replace[0], replace[1]) : restrictive).replace(/\n$/, '') + (extra ? `\n${extra}` : '') + '\n';
};
const seLinux = (options: string): [string, string] => ['seLinux:\n    rule: RunAsAny', `seLinux:\n    rule: MustRunAs\n    seLinuxOptions: { ${options} }`];

describe('PodSecurityPolicy allow-lists are not restrictions', () => {
  /** [name, PSP, control, the key the restriction is read at (needle), or undefined: not restricted]. */
  it.each<[string, string, ControlId, string | undefined]>([
    ['no allowedCapabilities: baseline capabilities restricted', restrictive, 'capabilities_baseline', 'spec:'],
    ['allowedCapabilities within baseline', withSpec('  allowedCapabilities: [NET_BIND_SERVICE, chown]'), 'capabilities_baseline', 'allowedCapabilities'],
    ['allowedCapabilities SYS_ADMIN', withSpec('  allowedCapabilities: [SYS_ADMIN]'), 'capabilities_baseline', undefined],
    ['allowedCapabilities *', withSpec("  allowedCapabilities: ['*']"), 'capabilities_baseline', undefined],
    ['defaultAddCapabilities NET_RAW (outside baseline)', withSpec('  defaultAddCapabilities: [NET_RAW]'), 'capabilities_baseline', undefined],
    ['defaultAddCapabilities CHOWN (within baseline)', withSpec('  defaultAddCapabilities: [CHOWN]'), 'capabilities_baseline', 'spec:'],
    ['drop ALL, nothing addable: restricted capabilities', restrictive, 'capabilities_restricted', 'requiredDropCapabilities'],
    ['drop ALL, NET_BIND_SERVICE addable', withSpec('  allowedCapabilities: [NET_BIND_SERVICE]'), 'capabilities_restricted', 'requiredDropCapabilities'],
    ['drop ALL, CHOWN addable', withSpec('  allowedCapabilities: [CHOWN]'), 'capabilities_restricted', undefined],
    ['drop ALL, CHOWN added by default', withSpec('  defaultAddCapabilities: [CHOWN]'), 'capabilities_restricted', undefined],
    ['no allowedUnsafeSysctls', restrictive, 'sysctls', 'spec:'],
    ['allowedUnsafeSysctls empty', withSpec('  allowedUnsafeSysctls: []'), 'sysctls', 'allowedUnsafeSysctls'],
    ['allowedUnsafeSysctls kernel.msg*', withSpec("  allowedUnsafeSysctls: ['kernel.msg*']"), 'sysctls', undefined],
    ['volumes within the restricted set (csi, ephemeral)', withSpec('', ['persistentVolumeClaim]', 'persistentVolumeClaim, csi, ephemeral]']), 'restrictedVolumes', 'volumes'],
    ['volumes with nfs', withSpec('', ['persistentVolumeClaim]', 'persistentVolumeClaim, nfs]']), 'restrictedVolumes', undefined],
    ['volumes with nfs still forbid hostPath', withSpec('', ['persistentVolumeClaim]', 'persistentVolumeClaim, nfs]']), 'hostPathVolumes', 'volumes'],
    ['volumes with hostPath', withSpec('', ['persistentVolumeClaim]', 'persistentVolumeClaim, hostPath]']), 'restrictedVolumes', undefined],
    ['volumes with hostPath allow hostPath', withSpec('', ['persistentVolumeClaim]', 'persistentVolumeClaim, hostPath]']), 'hostPathVolumes', undefined],
    ['volumes *', withSpec('', ['volumes: [configMap, secret, emptyDir, projected, downwardAPI, persistentVolumeClaim]', "volumes: ['*']"]), 'restrictedVolumes', undefined],
    ['seLinux RunAsAny', restrictive, 'seLinuxOptions', undefined],
    ['seLinux MustRunAs container_t', withSpec('', seLinux('type: container_t, level: "s0:c1,c2"')), 'seLinuxOptions', 'seLinux:'],
    ['seLinux MustRunAs with level only', withSpec('', seLinux('level: "s0:c1,c2"')), 'seLinuxOptions', 'seLinux:'],
    ['seLinux MustRunAs spc_t', withSpec('', seLinux('type: spc_t')), 'seLinuxOptions', undefined],
    ['seLinux MustRunAs with a user', withSpec('', seLinux('user: system_u, type: container_t')), 'seLinuxOptions', undefined],
    ['seLinux MustRunAs with a role', withSpec('', seLinux('role: sysadm_r')), 'seLinuxOptions', undefined],
  ])('%s', (_name, text, id, needle) => {
    const r = auditFiles({ 'psp.yaml': text }, PSP_ERA);
    expect(r.errors).toEqual([]);
    const places = [...new Set(r.policies[0]!.rules[0]!.checks.filter((c) => c.control === id).map((c) => `${c.at.line}:${c.at.column}`))];
    const expected = needle ? where(text, needle) : undefined;
    expect(places).toEqual(expected ? [`${expected.line}:${expected.column}`] : []);
    // The matrix follows the facts: a single PSP covers the containers cell exactly when it restricts.
    const cell = r.coverage[id][id === 'sysctls' || id.endsWith('Volumes') ? 'pod' : 'containers'];
    expect(cell.length).toBe(needle ? 1 : 0);
  });
});
