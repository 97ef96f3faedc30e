/**
 * What reaches a policy decides which matrix cells it fills: a registration that never delivers a
 * Pod CREATE covers no pod, containers or initContainers cell (pod security fields cannot change on
 * an ordinary UPDATE); webhooks in front of an engine decide what its policies see; PodSecurityPolicy
 * alternatives count only where every one of them agrees.
 */
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { CONTROLS } from '../../src/catalog/controls';
import type { Coverage } from '../../src/coverage/matrix';
import { LOCATIONS, type Location } from '../../src/facts';
import { auditFiles, located, PSP_ERA, tempDir, yaml } from '../helpers';

type Cells = Record<Location, string[]>;
const NONE: Cells = { pod: [], containers: [], initContainers: [], ephemeralContainers: [] };
const LISTS = (who: string[], ...where: Location[]): Cells => ({ ...NONE, ...Object.fromEntries(where.map((l) => [l, who])) });
const ALL_LISTS = (who: string[]): Cells => LISTS(who, 'containers', 'initContainers', 'ephemeralContainers');

function cells(cov: Coverage, control: keyof Coverage, engine?: string): Cells {
  const show = (l: Location): string[] =>
    cov[control][l]
      .filter((e) => !engine || e.engine === engine)
      .map((e) => `${e.engine}/${e.policy.name}`)
      .sort();
  return Object.fromEntries(LOCATIONS.map((l) => [l, show(l)])) as Cells;
}

/** Scope facts of every rule, for the cases whose point is the fact itself. */
const podCreate = (files: Record<string, string>): (boolean | undefined)[] =>
  auditFiles(files).policies.flatMap((p) => p.rules.filter((r) => !r.autogenOf).map((r) => r.scope.podCreate));

// ---------------------------------------------------------------------------------------------
// 1. Registrations that never deliver a Pod CREATE

const PRIVILEGED_EVERYWHERE =
  '(object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])).all(c, !c.?securityContext.?privileged.orValue(false))';

function vap(rules: string, exclude = ''): string {
  return [
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicy',
    'metadata:',
    '  name: v',
    'spec:',
    '  matchConstraints:',
    '    resourceRules:',
    rules,
    ...(exclude ? [exclude] : []),
    '  validations:',
    `    - expression: '${PRIVILEGED_EVERYWHERE}'`,
    '---',
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicyBinding',
    'metadata:',
    '  name: v',
    'spec:',
    '  policyName: v',
    '  validationActions: [Deny]',
    '',
  ].join('\n');
}

const rule = (resources: string, operations = '[CREATE, UPDATE]'): string =>
  `      - { apiGroups: [""], apiVersions: ["v1"], operations: ${operations}, resources: ${resources} }`;
const excludeRule = (resources: string, operations: string): string => `    excludeResourceRules:\n${rule(resources, operations)}`;

function kyverno(match: string, exclude = ''): string {
  return [
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    '  name: k',
    'spec:',
    '  validationFailureAction: Enforce',
    '  rules:',
    '    - name: privileged',
    '      match:',
    '        any:',
    '          - resources:',
    match,
    ...(exclude ? [exclude] : []),
    '      validate:',
    '        pattern:',
    '          spec:',
    '            =(ephemeralContainers):',
    '              - =(securityContext):',
    '                  =(privileged): "false"',
    '            =(initContainers):',
    '              - =(securityContext):',
    '                  =(privileged): "false"',
    '            containers:',
    '              - =(securityContext):',
    '                  =(privileged): "false"',
    '',
  ].join('\n');
}

const kinds = (list: string, operations?: string): string =>
  `              kinds: ${list}` + (operations ? `\n              operations: ${operations}` : '');
const EXCLUDE_CREATE = '      exclude:\n        any:\n          - resources:\n              operations: [CREATE]';

function validatingPolicy(resources: string, operations = '[CREATE, UPDATE]'): string {
  return yaml`
    apiVersion: policies.kyverno.io/v1
    kind: ValidatingPolicy
    metadata:
      name: kv
    spec:
      validationActions: [Deny]
      matchConstraints:
        resourceRules:
          - apiGroups: [""]
            apiVersions: ["v1"]
            operations: ${operations}
            resources: ${resources}
      validations:
        - expression: '${PRIVILEGED_EVERYWHERE}'
  `;
}

const V = ['vap/v'];
const K = ['kyverno/k'];
const KV = ['kyverno-cel/kv'];

describe('a registration that never delivers a Pod CREATE covers no pod, containers or initContainers cell', () => {
  it.each<[string, string, boolean, Cells]>([
    // ValidatingAdmissionPolicy resourceRules
    ['VAP pods + pods/ephemeralcontainers', vap(rule('["pods", "pods/ephemeralcontainers"]')), true, ALL_LISTS(V)],
    ['VAP only pods/ephemeralcontainers', vap(rule('["pods/ephemeralcontainers"]')), false, LISTS(V, 'ephemeralContainers')],
    // The API server matches a `*` subresource against the empty one too: pods/* reaches the Pod itself.
    ['VAP only pods/* (the Pod and its subresources)', vap(rule('["pods/*"]')), true, ALL_LISTS(V)],
    ['VAP only */ephemeralcontainers', vap(rule('["*/ephemeralcontainers"]')), false, LISTS(V, 'ephemeralContainers')],
    ['VAP */* (resources and subresources)', vap(rule('["*/*"]')), true, ALL_LISTS(V)],
    ['VAP operations [UPDATE] only', vap(rule('["pods", "pods/ephemeralcontainers"]', '[UPDATE]')), false, LISTS(V, 'ephemeralContainers')],
    ['VAP operations ["*"]', vap(rule('["pods", "pods/ephemeralcontainers"]', '["*"]')), true, ALL_LISTS(V)],
    ['VAP operations [CREATE] on pods only', vap(rule('["pods"]', '[CREATE]')), true, LISTS(V, 'containers', 'initContainers')],
    [
      'VAP pods CREATE and the subresource UPDATE in two rules',
      vap(`${rule('["pods"]', '[CREATE]')}\n${rule('["pods/ephemeralcontainers"]', '[UPDATE]')}`),
      true,
      ALL_LISTS(V),
    ],
    [
      'VAP excludeResourceRules take pods CREATE away',
      vap(rule('["pods", "pods/ephemeralcontainers"]'), excludeRule('["pods"]', '[CREATE]')),
      false,
      LISTS(V, 'ephemeralContainers'),
    ],
    // Kyverno ClusterPolicy match
    ['Kyverno kinds [Pod]', kyverno(kinds('[Pod]')), true, ALL_LISTS(K)],
    ['Kyverno kinds [Pod/*] (matches Pod itself too)', kyverno(kinds('[Pod/*]')), true, ALL_LISTS(K)],
    ['Kyverno kinds only [Pod/ephemeralcontainers]', kyverno(kinds('[Pod/ephemeralcontainers]')), false, LISTS(K, 'ephemeralContainers')],
    ['Kyverno operations [UPDATE]', kyverno(kinds('[Pod]', '[UPDATE]')), false, LISTS(K, 'ephemeralContainers')],
    ['Kyverno operations [CREATE]', kyverno(kinds('[Pod]', '[CREATE]')), true, LISTS(K, 'containers', 'initContainers')],
    [
      'Kyverno exclude operations [CREATE]',
      kyverno(kinds('[Pod]'), EXCLUDE_CREATE),
      false,
      LISTS(K, 'ephemeralContainers'),
    ],
    // Kyverno ValidatingPolicy (same resourceRules reader)
    ['ValidatingPolicy pods + pods/ephemeralcontainers', validatingPolicy('["pods", "pods/ephemeralcontainers"]'), true, ALL_LISTS(KV)],
    ['ValidatingPolicy only pods/ephemeralcontainers', validatingPolicy('["pods/ephemeralcontainers"]'), false, LISTS(KV, 'ephemeralContainers')],
    ['ValidatingPolicy operations [UPDATE]', validatingPolicy('["pods", "pods/ephemeralcontainers"]', '[UPDATE]'), false, LISTS(KV, 'ephemeralContainers')],
  ])('%s', (_name, text, create, expected) => {
    const result = auditFiles({ 'p.yaml': text });
    expect(result.errors).toEqual([]);
    expect(result.policies.flatMap((p) => p.unanalyzable)).toEqual([]);
    expect(podCreate({ 'p.yaml': text })).toEqual([create]);
    expect(cells(result.coverage, 'privileged')).toEqual(expected);
  });

  it('an UPDATE-only rule on the subresource is not a gap of its own: no finding for it', () => {
    const r = auditFiles({ 'p.yaml': vap(rule('["pods/ephemeralcontainers"]', '[UPDATE]')) });
    expect(located(r.findings).filter((f) => f.ruleId.startsWith('ephemeral-'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Webhooks in front of an engine

const GATEKEEPER = path.join(__dirname, '../../samples/gatekeeper/fixed');
const G = ['gatekeeper/disallow-privileged'];

function gatekeeperWebhook(o: { kind?: string; name?: string; groups?: string; resources: string; operations?: string }): string {
  return yaml`
    apiVersion: admissionregistration.k8s.io/v1
    kind: ${o.kind ?? 'ValidatingWebhookConfiguration'}
    metadata:
      name: gatekeeper-${o.kind === 'MutatingWebhookConfiguration' ? 'mutating' : 'validating'}-webhook-configuration
    webhooks:
      - name: ${o.name ?? 'validation.gatekeeper.sh'}
        admissionReviewVersions: [v1]
        sideEffects: None
        clientConfig:
          service: { name: gatekeeper-webhook-service, namespace: gatekeeper-system }
        rules:
          - apiGroups: ${o.groups ?? '["*"]'}
            apiVersions: ["*"]
            operations: ${o.operations ?? '[CREATE, UPDATE]'}
            resources: ${o.resources}
  `;
}

const NO_PODS = { groups: '["apps", "batch"]', resources: '["deployments", "jobs"]' };

describe('webhooks in front of an engine decide what its policies cover', () => {
  it.each<[string, string[], Cells]>([
    ['no scanned webhook: nothing is known, the constraints count', [], ALL_LISTS(G)],
    ['pods and the subresource', [gatekeeperWebhook({ resources: '["pods", "pods/ephemeralcontainers"]' })], ALL_LISTS(G)],
    ['pods without the subresource: blind to kubectl debug only', [gatekeeperWebhook({ resources: '["pods"]' })], LISTS(G, 'containers', 'initContainers')],
    ['only apps/batch resources: the constraints see no pod at all', [gatekeeperWebhook(NO_PODS)], NONE],
    [
      'only the subresource, UPDATE only: no Pod CREATE reaches the constraints',
      [gatekeeperWebhook({ resources: '["pods/ephemeralcontainers"]', operations: '[UPDATE]' })],
      LISTS(G, 'ephemeralContainers'),
    ],
    [
      'one webhook without pods and one with both: the second delivers',
      [gatekeeperWebhook(NO_PODS), gatekeeperWebhook({ resources: '["pods", "pods/ephemeralcontainers"]' })],
      ALL_LISTS(G),
    ],
    [
      'a mutating webhook does not deliver to validation: its missing subresource blinds nothing',
      [gatekeeperWebhook({ kind: 'MutatingWebhookConfiguration', name: 'mutation.gatekeeper.sh', resources: '["pods"]' })],
      ALL_LISTS(G),
    ],
    [
      'a mutating webhook without pods does not blind the constraints either',
      [gatekeeperWebhook({ kind: 'MutatingWebhookConfiguration', name: 'mutation.gatekeeper.sh', ...NO_PODS })],
      ALL_LISTS(G),
    ],
    [
      'the validating webhook decides even next to a mutating one that sends everything',
      [
        gatekeeperWebhook({ resources: '["pods"]' }),
        gatekeeperWebhook({ kind: 'MutatingWebhookConfiguration', name: 'mutation.gatekeeper.sh', resources: '["*/*"]' }),
      ],
      LISTS(G, 'containers', 'initContainers'),
    ],
  ])('%s', (_name, webhooks, expected) => {
    const files = Object.fromEntries(webhooks.map((w, i) => [`webhook-${i}.yaml`, w]));
    const r = audit({ paths: [GATEKEEPER, ...(webhooks.length > 0 ? [tempDir(files)] : [])] });
    expect(r.errors).toEqual([]);
    expect(cells(r.coverage, 'privileged', 'gatekeeper')).toEqual(expected);
  });

  it('a Gatekeeper webhook without pods blinds every control and location of its constraints', () => {
    const r = audit({ paths: [GATEKEEPER, tempDir({ 'w.yaml': gatekeeperWebhook(NO_PODS) })] });
    const gk = CONTROLS.flatMap((c) => LOCATIONS.flatMap((l) => r.coverage[c.id][l].filter((e) => e.engine === 'gatekeeper')));
    expect(gk).toEqual([]);
    expect(r.policies.filter((p) => p.engine === 'gatekeeper').length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. PodSecurityPolicy alternatives

const RESTRICTIVE = yaml`
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
      rule: RunAsAny
    fsGroup:
      rule: RunAsAny
`;

const WIDE_OPEN = yaml`
  apiVersion: policy/v1beta1
  kind: PodSecurityPolicy
  metadata:
    name: privileged
  spec:
    privileged: true
    allowPrivilegeEscalation: true
    allowedCapabilities: ['*']
    volumes: ['*']
    hostNetwork: true
    hostPorts: [{ min: 0, max: 65535 }]
    hostIPC: true
    hostPID: true
    allowedUnsafeSysctls: ['*']
    allowedProcMountTypes: [Default, Unmasked]
    runAsUser:
      rule: RunAsAny
    seLinux:
      rule: RunAsAny
    supplementalGroups:
      rule: RunAsAny
    fsGroup:
      rule: RunAsAny
`;

const pspEntries = (cov: Coverage): string[] =>
  CONTROLS.flatMap((c) => LOCATIONS.flatMap((l) => cov[c.id][l].filter((e) => e.engine === 'psp').map((e) => `${c.id}@${l}:${e.policy.name}`))).sort();

describe('PodSecurityPolicy alternatives count only where every one of them agrees', () => {
  it('a restrictive PSP next to a wide-open one: no PSP coverage cell at all', () => {
    const r = auditFiles({ 'a.yaml': RESTRICTIVE, 'b.yaml': WIDE_OPEN }, PSP_ERA);
    expect(pspEntries(r.coverage)).toEqual([]);
    // Each alone still covers what it restricts (the per-regime view the HostProcess rules use).
    expect(cells(auditFiles({ 'a.yaml': RESTRICTIVE }, PSP_ERA).coverage, 'privileged')).toEqual(LISTS(['psp/restricted'], 'containers', 'initContainers'));
  });

  it.each<[string, Record<string, string>, keyof Coverage, Cells]>([
    ['both restrict privileged: both count', { 'a.yaml': RESTRICTIVE, 'b.yaml': RESTRICTIVE.replace('name: restricted', 'name: restricted-2') }, 'privileged', LISTS(['psp/restricted', 'psp/restricted-2'], 'containers', 'initContainers')],
    ['one allows privileged: neither counts', { 'a.yaml': RESTRICTIVE, 'b.yaml': RESTRICTIVE.replace('name: restricted', 'name: p2').replace('privileged: false', 'privileged: true') }, 'privileged', NONE],
    ['one allows hostNetwork: hostPID/hostIPC still agreed at the pod level', { 'a.yaml': RESTRICTIVE, 'b.yaml': RESTRICTIVE.replace('name: restricted', 'name: hn').replace('hostNetwork: false', 'hostNetwork: true') }, 'hostNamespaces', LISTS(['psp/hn', 'psp/restricted'], 'pod')],
  ])('%s', (_name, files, control, expected) => {
    expect(cells(auditFiles(files, PSP_ERA).coverage, control)).toEqual(expected);
  });

  it('only the fields every alternative checks are kept in an agreed cell', () => {
    const r = auditFiles({ 'a.yaml': RESTRICTIVE, 'b.yaml': RESTRICTIVE.replace('name: restricted', 'name: hn').replace('hostNetwork: false', 'hostNetwork: true') }, PSP_ERA);
    expect(r.coverage.hostNamespaces.pod.map((e) => [e.policy.name, [...e.fields].sort()])).toEqual([
      ['restricted', ['spec.hostIPC', 'spec.hostPID']],
      ['hn', ['spec.hostIPC', 'spec.hostPID']],
    ]);
  });

  it('PSP findings are unchanged: each alternative is still judged on its own', () => {
    const r = auditFiles({ 'a.yaml': RESTRICTIVE, 'b.yaml': WIDE_OPEN }, PSP_ERA);
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([{ ruleId: 'hostprocess-unchecked', file: 'b.yaml', line: 10, column: 3 }]);
    expect(located(r.findings, 'hostprocess-indirect-only')).toEqual([{ ruleId: 'hostprocess-indirect-only', file: 'a.yaml', line: 10, column: 3 }]);
  });
});
