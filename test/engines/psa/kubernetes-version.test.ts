/**
 * --kubernetes-version: removals apply only when the user names a version, because the default
 * (latest) would otherwise turn every PSP in an unversioned scan into a non-blocking one.
 */
import { audit } from '../../../src/audit';
import { auditFiles, located, tempDir, yaml } from '../../helpers';
import { where } from '../cel/fixtures';

const PSP = yaml`
  apiVersion: policy/v1beta1
  kind: PodSecurityPolicy
  metadata:
    name: restricted
  spec:
    privileged: false
    hostNetwork: false
    runAsUser:
      rule: MustRunAsNonRoot
    seLinux:
      rule: RunAsAny
    supplementalGroups:
      rule: RunAsAny
    fsGroup:
      rule: RunAsAny
    volumes: [configMap, secret]
`;

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n';

describe('Kubernetes version', () => {
  it.each([
    ['no version (latest by default)', undefined, true],
    ['"latest" named explicitly', 'latest', true],
    ['1.24', '1.24', true],
    ['1.25', '1.25', false],
    ['1.30', 'v1.30', false],
  ])('PSPs with %s: blocking %s', (_name, kubernetesVersion, blocking) => {
    const result = auditFiles({ 'psp.yaml': PSP }, kubernetesVersion ? { kubernetesVersion } : {});
    const e = result.policies[0]!.rules[0]!.enforcement;
    expect(e.blocking).toBe(blocking);
    const notes = located(result.findings, 'enforcement-not-blocking');
    if (blocking) expect(notes).toEqual([]);
    else {
      expect(e.action).toMatch(/^removed in Kubernetes 1\.25/);
      expect(notes).toEqual([{ ruleId: 'enforcement-not-blocking', file: 'psp.yaml', ...where(PSP, 'kind:') }]);
    }
  });

  it('a removed PSP no longer counts as coverage', () => {
    const dir = tempDir({ 'psp.yaml': PSP });
    expect(audit({ paths: [dir] }).coverage.privileged.containers).toHaveLength(1);
    expect(audit({ paths: [dir], kubernetesVersion: '1.26' }).coverage.privileged.containers).toEqual([]);
  });

  it('Pod Security Admission labels do nothing before 1.23, and only when the version is named', () => {
    const blocking = (v?: string): boolean[] =>
      auditFiles({ 'ns.yaml': NAMESPACE }, v ? { kubernetesVersion: v } : {}).policies.flatMap((p) => p.rules.map((r) => r.enforcement.blocking));
    expect(blocking()).toEqual([true]);
    expect(blocking('1.23')).toEqual([true]);
    expect(blocking('1.22')).toEqual([false]);
  });

  it('a version label newer than the cluster is evaluated as the cluster version', () => {
    const text = NAMESPACE + '    pod-security.kubernetes.io/enforce-version: v1.40\n';
    const cov = auditFiles({ 'ns.yaml': text }, { kubernetesVersion: '1.33' }).coverage;
    expect(cov.hostProbesAndHostLifecycle.containers).toEqual([]);
    expect(cov.privileged.containers).toHaveLength(1);
  });
});
