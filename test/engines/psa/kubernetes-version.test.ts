/** --kubernetes-version and Pod Security Admission (PSPs: test/rules/versions.test.ts). */
import { auditFiles } from '../../helpers';

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n';

describe('Kubernetes version', () => {
  it('Pod Security Admission labels do nothing before 1.23 (no version named: the newest)', () => {
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
