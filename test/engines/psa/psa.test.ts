/** Pod Security Admission: Namespace labels, the PodSecurity configuration, and hostProcess per namespace. */
import { auditFiles, yaml } from '../../helpers';
import { runCase, type Case } from '../cel/fixtures';
import { config, KYVERNO_HOST_PROCESS, namespace } from './fixtures';

const cases: Case[] = [
  {
    name: 'a namespace enforcing baseline covers hostProcess there',
    files: { 'ns.yaml': namespace('team-a', { enforce: 'baseline' }) },
    fires: [],
    silent: ['hostprocess-unchecked', 'enforcement-not-blocking', 'ephemeral-subresource-unmatched'],
  },
  {
    name: 'a namespace enforcing privileged and warning baseline leaves hostProcess open there',
    files: { 'ns.yaml': namespace('build', { enforce: 'privileged', warn: 'baseline' }) },
    fires: [
      { ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/enforce' },
      { ruleId: 'enforcement-not-blocking', at: 'pod-security.kubernetes.io/warn' },
    ],
  },
  {
    name: 'a namespace that only audits and warns leaves hostProcess open there',
    files: { 'ns.yaml': namespace('legacy', { audit: 'restricted', warn: 'baseline' }) },
    fires: [
      { ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/audit' },
      { ruleId: 'enforcement-not-blocking', at: 'pod-security.kubernetes.io/audit' },
      { ruleId: 'enforcement-not-blocking', at: 'pod-security.kubernetes.io/warn' },
    ],
  },
  {
    name: 'warn at the enforced level adds nothing and is not reported',
    files: { 'ns.yaml': namespace('team-a', { enforce: 'restricted', warn: 'restricted', audit: 'baseline' }) },
    fires: [],
    silent: ['enforcement-not-blocking', 'hostprocess-unchecked'],
  },
  {
    name: 'a cluster-wide policy covers a privileged namespace',
    files: { 'ns.yaml': namespace('build', { enforce: 'privileged' }), 'kyverno.yaml': KYVERNO_HOST_PROCESS },
    fires: [],
    silent: ['hostprocess-unchecked'],
  },
  {
    name: 'defaults enforcing baseline cover unlabelled namespaces and those that only warn',
    files: {
      'config.yaml': config('        enforce: baseline'),
      'ns.yaml': namespace('legacy', { warn: 'baseline' }),
    },
    fires: [],
    silent: ['hostprocess-unchecked', 'enforcement-not-blocking'],
  },
  {
    name: 'a namespace enforcing privileged overrides the defaults',
    files: {
      'config.yaml': config('        enforce: baseline'),
      'ns.yaml': namespace('build', { enforce: 'privileged' }),
    },
    fires: [{ ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/enforce', file: 'ns.yaml' }],
  },
  {
    name: 'defaults that enforce privileged leave the cluster open, pointed at the default',
    files: { 'config.yaml': config('        enforce: privileged\n        warn: baseline') },
    fires: [
      { ruleId: 'hostprocess-unchecked', at: 'enforce:' },
      { ruleId: 'enforcement-not-blocking', at: 'warn:' },
    ],
  },
  {
    name: 'a labelled namespace that is exempt does not block, at the exemption',
    files: {
      'config.yaml': config('        enforce: baseline', '          namespaces: ["monitoring"]'),
      'ns.yaml': namespace('monitoring', { enforce: 'baseline' }),
    },
    fires: [
      { ruleId: 'enforcement-not-blocking', at: '"monitoring"', file: 'config.yaml' },
      { ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/enforce', file: 'ns.yaml', says: 'In namespace monitoring' },
      { ruleId: 'exemption-admits-debug-images', at: '"monitoring"', file: 'config.yaml' },
    ],
  },
  {
    name: 'a bare PodSecurityConfiguration is read like the plugin configuration',
    files: {
      'psc.yaml': yaml`
        apiVersion: pod-security.admission.config.k8s.io/v1beta1
        kind: PodSecurityConfiguration
        defaults:
          enforce: privileged
          audit: restricted
      `,
    },
    fires: [
      { ruleId: 'hostprocess-unchecked', at: 'enforce:' },
      { ruleId: 'enforcement-not-blocking', at: 'audit:' },
    ],
  },
];

describe('Pod Security Admission', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('an enforced level covers its controls on all three lists and the pod level, per version', () => {
    const controls = (files: Record<string, string>, location: string): string[] => {
      const cov = auditFiles(files).coverage;
      return Object.entries(cov)
        .filter(([, cells]) => cells[location as keyof typeof cells].length > 0)
        .map(([id]) => id)
        .sort();
    };
    const baseline = ['appArmorProfile', 'capabilities_baseline', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged', 'procMount', 'seLinuxOptions', 'seccompProfile_baseline', 'windowsHostProcess'];
    expect(controls({ 'ns.yaml': namespace('a', { enforce: 'baseline' }) }, 'ephemeralContainers')).toEqual(baseline);
    expect(controls({ 'ns.yaml': namespace('a', { enforce: 'baseline' }) }, 'initContainers')).toEqual(baseline);
    // Host probes and lifecycle hooks joined baseline in 1.34.
    expect(controls({ 'ns.yaml': namespace('a', { enforce: 'baseline', 'enforce-version': 'v1.33' }) }, 'containers')).toEqual(
      baseline.filter((c) => c !== 'hostProbesAndHostLifecycle'),
    );
    expect(controls({ 'ns.yaml': namespace('a', { enforce: 'baseline' }) }, 'pod')).toEqual(
      ['appArmorProfile', 'hostNamespaces', 'hostPathVolumes', 'seLinuxOptions', 'seccompProfile_baseline', 'sysctls', 'windowsHostProcess'],
    );
  });

  it('records the namespace scope and the exemptions as facts', () => {
    const result = auditFiles({
      'config.yaml': config(
        '        enforce: baseline',
        '          usernames: ["system:serviceaccount:ci:deployer"]\n          runtimeClasses: ["kata"]\n          namespaces: ["kube-system"]',
      ),
      'ns.yaml': namespace('build', { enforce: 'privileged' }),
    });
    const defaults = result.policies.find((p) => p.policy.kind === 'AdmissionConfiguration')!;
    expect(defaults.namespaces).toBeUndefined();
    expect(defaults.excludedNamespaces).toEqual(['build', 'kube-system']);
    expect(defaults.exemptions.map((e) => [e.kind, e.value, e.admitsArbitraryDebug])).toEqual([
      ['user', 'system:serviceaccount:ci:deployer', true],
      ['namespace', 'kube-system', true],
      ['runtimeClass', 'kata', true],
    ]);
    const ns = result.policies.find((p) => p.policy.kind === 'Namespace' && p.policy.name === 'build')!;
    expect(ns.namespaces).toEqual(['build']);
    expect(result.coverage.windowsHostProcess.pod.map((e) => [e.policy.kind, e.namespaces, e.excludedNamespaces])).toEqual([
      ['AdmissionConfiguration', undefined, ['build', 'kube-system']],
    ]);
  });

  it('ignores Namespaces without Pod Security labels and configurations without the PodSecurity plugin', () => {
    const result = auditFiles({
      'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: plain\n  labels:\n    team: a\n',
      'config.yaml': 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n  - name: EventRateLimit\n    path: eventconfig.yaml\n',
    });
    expect(result.policies).toEqual([]);
  });
});
