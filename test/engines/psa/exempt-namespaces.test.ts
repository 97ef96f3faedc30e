/**
 * A namespace exempt in the PodSecurity configuration (`exemptions.namespaces`) is a regime of its
 * own whether or not a Namespace manifest for it is scanned: nothing Pod Security enforces applies there.
 */
import { auditFiles } from '../../helpers';
import { runCase, type Case } from '../cel/fixtures';
import { config, defaults, KYVERNO_HOST_PROCESS, namespace } from './fixtures';

const EXEMPT = config(defaults({ enforce: 'baseline' }), '          namespaces: ["monitoring", "kube-system"]');

const cases: Case[] = [
  {
    name: 'without a Namespace manifest the exempt namespace is judged at the exemption entry',
    files: { 'config.yaml': EXEMPT },
    fires: [
      { ruleId: 'hostprocess-unchecked', at: '"monitoring"', says: 'In namespace monitoring, no blocking policy stops Windows HostProcess containers (exempt in AdmissionConfiguration)' },
      { ruleId: 'hostprocess-unchecked', at: '"kube-system"', says: 'In namespace kube-system' },
      { ruleId: 'exemption-admits-debug-images', at: '"monitoring"' },
    ],
    // The exempt namespace checks nothing: the exemption note says it, not an enforcement note.
    silent: ['policy-unanalyzable', 'enforcement-not-blocking'],
  },
  {
    name: 'with a labelled Namespace manifest the same namespace is judged at its label',
    files: { 'config.yaml': EXEMPT, 'ns.yaml': namespace('monitoring', { enforce: 'restricted' }) },
    fires: [
      { ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/enforce', file: 'ns.yaml', says: 'In namespace monitoring' },
      { ruleId: 'hostprocess-unchecked', at: '"kube-system"', says: 'In namespace kube-system' },
      { ruleId: 'enforcement-not-blocking', at: '"monitoring"' },
    ],
  },
  {
    name: 'a cluster-wide policy that blocks HostProcess still applies in the exempt namespace',
    files: { 'config.yaml': EXEMPT, 'kyverno.yaml': KYVERNO_HOST_PROCESS },
    fires: [{ ruleId: 'exemption-admits-debug-images', at: '"monitoring"' }],
    silent: ['hostprocess-unchecked', 'enforcement-not-blocking'],
  },
  {
    name: 'a bare PodSecurityConfiguration exempts the same way',
    files: {
      'psc.yaml': [
        'apiVersion: pod-security.admission.config.k8s.io/v1',
        'kind: PodSecurityConfiguration',
        'defaults:',
        '  enforce: restricted',
        'exemptions:',
        '  namespaces: [ci]',
        '',
      ].join('\n'),
    },
    fires: [{ ruleId: 'hostprocess-unchecked', at: 'ci]', says: 'In namespace ci, no blocking policy stops Windows HostProcess containers (exempt in PodSecurityConfiguration)' }],
  },
  {
    name: 'no exemptions: the defaults cover every namespace',
    files: { 'config.yaml': config(defaults({ enforce: 'baseline' }), '          usernames: []\n          namespaces: []') },
    fires: [],
    silent: ['hostprocess-unchecked', 'enforcement-not-blocking', 'exemption-admits-debug-images'],
  },
];

describe('namespaces exempt in the PodSecurity configuration', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('the defaults exclude the exempt namespace, which gets facts of its own', () => {
    const result = auditFiles({ 'config.yaml': EXEMPT });
    const cfg = result.policies.find((p) => p.policy.kind === 'AdmissionConfiguration')!;
    expect(cfg.excludedNamespaces).toEqual(['kube-system', 'monitoring']);
    const own = result.policies.filter((p) => p.policy.kind === 'Namespace');
    expect(own.map((p) => [p.engine, p.policy.name, p.namespaces, p.rules.map((r) => [r.enforcement.blocking, r.enforcement.action])])).toEqual([
      ['psa', 'monitoring', ['monitoring'], [[false, 'exempt in AdmissionConfiguration']]],
      ['psa', 'kube-system', ['kube-system'], [[false, 'exempt in AdmissionConfiguration']]],
    ]);
    // The exemption is reported once, by the configuration.
    expect(own.flatMap((p) => p.exemptions)).toEqual([]);
  });

  it('a namespace listed in two configurations gets one policy', () => {
    const result = auditFiles({ 'a.yaml': EXEMPT, 'b.yaml': EXEMPT });
    expect(result.policies.filter((p) => p.policy.kind === 'Namespace').map((p) => p.policy.name).sort()).toEqual(['kube-system', 'monitoring']);
  });
});
