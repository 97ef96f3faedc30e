/**
 * Selectors narrow a ValidatingAdmissionPolicy to some namespaces or pods: a binding's
 * `matchResources` and the policy's `matchConstraints` (`namespaceSelector`, `objectSelector`).
 * Labels someone else picks make the policy partial (`partialScope`, never cluster-wide coverage,
 * and an exemption that exemption-admits-debug-images notes); a selector on the immutable
 * `kubernetes.io/metadata.name` label is a match by namespace name.
 */
import type { PolicyFacts } from '../../../src/facts';
import { auditFiles } from '../../helpers';
import { runCase, vap, type Case } from '../cel/fixtures';
import { config, defaults, namespace } from '../psa/fixtures';

const HOST_PROCESS = `  validations:
    - expression: >-
        !object.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false) &&
        (object.spec.containers + object.spec.?initContainers.orValue([]) +
         object.spec.?ephemeralContainers.orValue([])).all(c, !c.?securityContext.?windowsOptions.?hostProcess.orValue(false))`;

/** The VAP, with `lines` (YAML at binding-spec indentation) added to the binding's spec. */
const bound = (lines: string[]): string => vap(HOST_PROCESS) + lines.join('\n') + '\n';
/** The VAP, with `lines` added to the policy's matchConstraints. */
const constrained = (lines: string[]): string => vap(HOST_PROCESS).replace('  validations:', [...lines, '  validations:'].join('\n'));

const SKIP_LABEL = ['  matchResources:', '    objectSelector:', '      matchExpressions:', '        - key: policy.example.com/skip', '          operator: DoesNotExist'];
const NOT_KUBE_SYSTEM = ['  matchResources:', '    namespaceSelector:', '      matchExpressions:', '        - key: kubernetes.io/metadata.name', '          operator: NotIn', '          values: ["kube-system", "monitoring"]'];
const ONLY_TEAM_A = ['  matchResources:', '    namespaceSelector:', '      matchLabels:', '        kubernetes.io/metadata.name: team-a'];

function facts(files: Record<string, string>): PolicyFacts {
  return auditFiles(files).policies.find((p) => p.engine === 'vap' || p.engine === 'kyverno-cel')!;
}

describe('what a selector makes of the policy', () => {
  // [name, file, partialScope, namespaces, excludedNamespaces, exemptions (value)]
  const table: [string, string, string | undefined, string[] | undefined, string[] | undefined, string[]][] = [
    ['no selector', vap(HOST_PROCESS), undefined, undefined, undefined, []],
    ['empty selectors select everything', bound(['  matchResources:', '    namespaceSelector: {}', '    objectSelector: {}']), undefined, undefined, undefined, []],
    [
      'binding objectSelector: an opt-out label the pod author sets',
      bound(SKIP_LABEL),
      'pods selected by objectSelector policy.example.com/skip DoesNotExist',
      undefined,
      undefined,
      ['pods selected by objectSelector policy.example.com/skip DoesNotExist'],
    ],
    [
      'binding namespaceSelector on an ordinary label',
      bound(['  matchResources:', '    namespaceSelector:', '      matchLabels:', '        env: prod']),
      'namespaces selected by namespaceSelector env=prod',
      undefined,
      undefined,
      ['namespaces selected by namespaceSelector env=prod'],
    ],
    [
      'policy matchConstraints selectors count like the binding ones',
      constrained(['    namespaceSelector:', '      matchExpressions:', '        - key: tier', '          operator: In', '          values: [a, b]', '    objectSelector:', '      matchLabels:', '        app: web']),
      'namespaces selected by namespaceSelector tier In (a, b); pods selected by objectSelector app=web',
      undefined,
      undefined,
      ['namespaces selected by namespaceSelector tier In (a, b)', 'pods selected by objectSelector app=web'],
    ],
    [
      'a name selector mixed with another label is partial',
      bound(['  matchResources:', '    namespaceSelector:', '      matchLabels:', '        kubernetes.io/metadata.name: team-a', '        env: prod']),
      'namespaces selected by namespaceSelector kubernetes.io/metadata.name=team-a, env=prod',
      undefined,
      undefined,
      ['namespaces selected by namespaceSelector kubernetes.io/metadata.name=team-a, env=prod'],
    ],
    ['kubernetes.io/metadata.name NotIn: all but those namespaces', bound(NOT_KUBE_SYSTEM), undefined, undefined, ['kube-system', 'monitoring'], ['kube-system', 'monitoring']],
    ['kubernetes.io/metadata.name matchLabels: that namespace only', bound(ONLY_TEAM_A), undefined, ['team-a'], undefined, []],
    ['kubernetes.io/metadata.name Exists: every namespace', bound(['  matchResources:', '    namespaceSelector:', '      matchExpressions:', '        - key: kubernetes.io/metadata.name', '          operator: Exists']), undefined, undefined, undefined, []],
    [
      'policy and binding name selectors add up',
      constrained(['    namespaceSelector:', '      matchExpressions:', '        - key: kubernetes.io/metadata.name', '          operator: In', '          values: [team-a, team-b]']) +
        ['  matchResources:', '    namespaceSelector:', '      matchExpressions:', '        - key: kubernetes.io/metadata.name', '          operator: NotIn', '          values: [team-b]', ''].join('\n'),
      undefined,
      ['team-a'],
      undefined,
      [],
    ],
  ];
  it.each(table)('%s', (_name, text, partialScope, namespaces, excludedNamespaces, exemptions) => {
    const p = facts({ 'p.yaml': text });
    expect(p.partialScope).toBe(partialScope);
    expect(p.namespaces).toEqual(namespaces);
    expect(p.excludedNamespaces).toEqual(excludedNamespaces);
    expect(p.exemptions.map((e) => [e.kind, e.value, e.admitsArbitraryDebug])).toEqual(exemptions.map((v) => ['namespace', v, true]));
  });

  it('a Kyverno ValidatingPolicy reads the same matchConstraints selectors', () => {
    const text = [
      'apiVersion: policies.kyverno.io/v1',
      'kind: ValidatingPolicy',
      'metadata:',
      '  name: vpol',
      'spec:',
      '  validationActions: [Deny]',
      '  matchConstraints:',
      '    resourceRules:',
      '      - apiGroups: [""]',
      '        apiVersions: ["v1"]',
      '        operations: ["CREATE", "UPDATE"]',
      '        resources: ["pods", "pods/ephemeralcontainers"]',
      '    objectSelector:',
      '      matchLabels:',
      '        secured: "true"',
      HOST_PROCESS,
      '',
    ].join('\n');
    expect(facts({ 'p.yaml': text }).partialScope).toBe('pods selected by objectSelector secured=true');
  });

  it('of two Deny bindings the one without a selector decides', () => {
    const second = bound(SKIP_LABEL).split('---')[1]!.replace('name: p\n', 'name: p-skip\n');
    const p = facts({ 'p.yaml': vap(HOST_PROCESS) + '---' + second });
    expect(p.partialScope).toBeUndefined();
    expect(p.exemptions).toEqual([]);
  });

  it('a non-blocking binding selects nothing worth noting', () => {
    const text = vap(HOST_PROCESS, { actions: '[Audit]' }) + SKIP_LABEL.join('\n') + '\n';
    expect(facts({ 'p.yaml': text }).partialScope).toBeUndefined();
  });
});

describe('findings a selector leads to', () => {
  const cases: Case[] = [
    {
      name: 'an objectSelector opt-out is noted at the selector',
      files: { 'p.yaml': bound(SKIP_LABEL) },
      fires: [{ ruleId: 'exemption-admits-debug-images', at: 'objectSelector:', says: 'pods selected by objectSelector policy.example.com/skip DoesNotExist' }],
      silent: ['policy-unanalyzable', 'enforcement-not-blocking'],
    },
    {
      name: 'a policy namespaceSelector is noted at the selector',
      files: { 'p.yaml': constrained(['    namespaceSelector:', '      matchLabels:', '        env: prod']) },
      fires: [{ ruleId: 'exemption-admits-debug-images', at: 'namespaceSelector:', says: 'env=prod' }],
    },
    {
      name: 'each namespace left out by name is noted at its entry',
      files: { 'p.yaml': bound(NOT_KUBE_SYSTEM) },
      fires: [
        { ruleId: 'exemption-admits-debug-images', at: '"kube-system"', says: 'the excluded namespace "kube-system"' },
        { ruleId: 'exemption-admits-debug-images', at: '"monitoring"' },
      ],
      silent: ['hostprocess-unchecked'],
    },
    {
      name: 'no selector: nothing is noted',
      files: { 'p.yaml': vap(HOST_PROCESS) },
      fires: [],
      silent: ['exemption-admits-debug-images', 'hostprocess-unchecked', 'enforcement-not-blocking'],
    },
    {
      name: 'a namespace left out by name is its own regime: privileged Pod Security there leaves HostProcess open',
      files: { 'p.yaml': bound(NOT_KUBE_SYSTEM), 'ns.yaml': namespace('kube-system', { enforce: 'privileged' }) },
      fires: [{ ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/enforce', file: 'ns.yaml', says: 'In namespace kube-system' }],
    },
    {
      name: 'the same namespace without the exclusion is covered by the VAP',
      files: { 'p.yaml': vap(HOST_PROCESS), 'ns.yaml': namespace('kube-system', { enforce: 'privileged' }) },
      fires: [],
      silent: ['hostprocess-unchecked'],
    },
    {
      name: 'a VAP for one namespace by name leaves the rest of the cluster to the defaults',
      files: { 'p.yaml': bound(ONLY_TEAM_A), 'config.yaml': config(defaults({ enforce: 'privileged' })) },
      fires: [{ ruleId: 'hostprocess-unchecked', at: 'enforce:', file: 'config.yaml', says: 'In namespaces other than team-a' }],
    },
  ];
  it.each(cases)('$name', (c) => runCase(c));
});
