/**
 * ValidatingAdmissionPolicy and Kyverno ValidatingPolicy: what their registration lets through
 * (matchConstraints, binding matchResources), and when they block (bindings, validationActions).
 */
import { runCase, vap, where, type Case } from '../cel/fixtures';
import { auditFiles, located, yaml } from '../../helpers';

const ALL_LISTS = `  validations:
    - expression: >-
        (object.spec.containers + object.spec.?initContainers.orValue([]) +
         object.spec.?ephemeralContainers.orValue([])).all(c, !c.?securityContext.?privileged.orValue(false))`;

const EPHEMERAL_RULES = ['ephemeral-subresource-unmatched', 'ephemeral-containers-unchecked', 'ephemeral-update-skipped'];

function validatingPolicy(resources: string, apiVersion = 'policies.kyverno.io/v1', head = '  validationActions: [Deny]'): string {
  return [
    `apiVersion: ${apiVersion}`,
    'kind: ValidatingPolicy',
    'metadata:',
    '  name: vpol',
    'spec:',
    head,
    '  matchConstraints:',
    '    resourceRules:',
    '      - apiGroups: [""]',
    '        apiVersions: ["v1"]',
    '        operations: ["CREATE", "UPDATE"]',
    `        resources: ${resources}`,
    ALL_LISTS,
    '',
  ].join('\n');
}

const registration: Case[] = [
  {
    name: 'VAP: resources ["pods"] never receives the subresource',
    files: { 'p.yaml': vap(ALL_LISTS, { resources: '["pods"]' }) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'VAP: resources ["*"] never receives the subresource',
    files: { 'p.yaml': vap(ALL_LISTS, { resources: '["*"]' }) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
  },
  ...['["pods", "pods/ephemeralcontainers"]', '["pods", "pods/*"]', '["*/*"]', '["pods", "*/ephemeralcontainers"]'].map(
    (resources): Case => ({ name: `VAP: resources ${resources} is clean`, files: { 'p.yaml': vap(ALL_LISTS, { resources }) }, fires: [], silent: EPHEMERAL_RULES }),
  ),
  {
    name: 'VAP: the subresource with CREATE only skips UPDATE',
    files: { 'p.yaml': vap(ALL_LISTS, { operations: '["CREATE"]' }) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'operations:' }],
    silent: ['ephemeral-subresource-unmatched'],
  },
  {
    name: 'VAP: apiGroups without the core group do not match pods at all',
    files: { 'p.yaml': vap(ALL_LISTS, { resources: '["pods"]' }).replace('apiGroups: [""]', 'apiGroups: ["apps"]') },
    fires: [],
    silent: EPHEMERAL_RULES,
  },
  {
    name: 'VAP: excludeResourceRules taking the subresource away',
    files: {
      'p.yaml': vap(ALL_LISTS).replace(
        '  validations:',
        ['    excludeResourceRules:', '      - apiGroups: [""]', '        apiVersions: ["*"]', '        operations: ["*"]', '        resources: ["pods/ephemeralcontainers"]', '  validations:'].join('\n'),
      ),
    },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:', nth: 2 }],
  },
  {
    name: 'VAP: a Deny binding whose matchResources lists only pods narrows the policy',
    files: {
      'p.yaml':
        vap(ALL_LISTS) +
        ['  matchResources:', '    resourceRules:', '      - apiGroups: [""]', '        apiVersions: ["v1"]', '        operations: ["CREATE", "UPDATE"]', '        resources: ["pods"]', ''].join('\n'),
    },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:', nth: 2 }],
  },
  {
    name: 'ValidatingPolicy: resources ["pods"] only fires, ephemeral containers are checked',
    files: { 'p.yaml': validatingPolicy('["pods"]') },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  ...['["pods", "pods/ephemeralcontainers"]', '["pods", "pods/*"]', '["*/*"]'].map(
    (resources): Case => ({ name: `ValidatingPolicy: ${resources} is clean`, files: { 'p.yaml': validatingPolicy(resources) }, fires: [], silent: EPHEMERAL_RULES }),
  ),
  ...['policies.kyverno.io/v1alpha1', 'policies.kyverno.io/v1beta1'].map(
    (v): Case => ({ name: `ValidatingPolicy ${v} is read`, files: { 'p.yaml': validatingPolicy('["pods"]', v) }, fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }] }),
  ),
];

const enforcement: Case[] = [
  {
    name: 'VAP without a binding does not block',
    files: { 'p.yaml': vap(ALL_LISTS).split('---')[0]! },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'kind: ValidatingAdmissionPolicy' }],
  },
  {
    name: 'VAP bound with Warn and Audit only does not block',
    files: { 'p.yaml': vap(ALL_LISTS, { actions: '[Warn, Audit]' }) },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'validationActions:' }],
  },
  {
    name: 'VAP bound with Deny blocks',
    files: { 'p.yaml': vap(ALL_LISTS, { actions: '[Deny, Audit]' }) },
    fires: [],
    silent: ['enforcement-not-blocking'],
  },
  {
    name: 'a binding for another policy does not bind this one',
    files: { 'p.yaml': vap(ALL_LISTS).replace('policyName: p', 'policyName: other') },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'kind: ValidatingAdmissionPolicy' }],
  },
  {
    name: 'ValidatingPolicy with Audit only does not block',
    files: { 'p.yaml': validatingPolicy(`["pods", "pods/ephemeralcontainers"]`, undefined, '  validationActions: [Audit]') },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'validationActions:' }],
  },
  {
    name: 'ValidatingPolicy kept out of admission does not block',
    files: {
      'p.yaml': validatingPolicy(`["pods", "pods/ephemeralcontainers"]`, undefined, '  validationActions: [Deny]\n  evaluation:\n    admission:\n      enabled: false'),
    },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'enabled:' }],
  },
  {
    name: 'ValidatingPolicy without validationActions does not block',
    files: { 'p.yaml': validatingPolicy(`["pods", "pods/ephemeralcontainers"]`, undefined, '  failurePolicy: Fail') },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'spec:' }],
  },
];

describe('VAP and ValidatingPolicy registration', () => {
  it.each(registration)('$name', (c) => runCase(c));
});

describe('VAP and ValidatingPolicy enforcement', () => {
  it.each(enforcement)('$name', (c) => runCase(c));
});

describe('Kyverno ClusterPolicy validate.cel', () => {
  const policy = (expression: string, operations = '') => yaml`
    apiVersion: kyverno.io/v1
    kind: ClusterPolicy
    metadata:
      name: cel
    spec:
      validationFailureAction: Enforce
      rules:
        - name: r
          match:
            any:
              - resources:
                  kinds: [Pod]${operations}
          validate:
            cel:
              variables:
                - name: lists
                  expression: 'object.spec.containers + object.spec.?initContainers.orValue([])'
              expressions:
                - expression: '${expression}'
  `;

  const cases: Case[] = [
    {
      name: 'reading containers and initContainers through a variable misses ephemeral containers',
      files: { 'p.yaml': policy('variables.lists.all(c, !c.?securityContext.?privileged.orValue(false))') },
      fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
      silent: ['ephemeral-subresource-unmatched', 'policy-unanalyzable'],
    },
    {
      name: 'adding ephemeral containers to the iteration is clean; Kyverno registers the subresource for Pod',
      files: {
        'p.yaml': policy('(variables.lists + object.spec.?ephemeralContainers.orValue([])).all(c, !c.?securityContext.?privileged.orValue(false))'),
      },
      fires: [],
      silent: EPHEMERAL_RULES,
    },
    {
      name: 'an UPDATE guard over a check of ephemeral containers fires',
      files: {
        'p.yaml': policy('request.operation != "CREATE" || object.spec.?ephemeralContainers.orValue([]).all(c, !c.?securityContext.?privileged.orValue(false))'),
      },
      fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
    },
    {
      name: 'invalid CEL in a ClusterPolicy is unanalyzable at the expression',
      files: { 'p.yaml': policy('variables.lists.all(c, ') },
      fires: [{ ruleId: 'policy-unanalyzable', at: 'variables.lists.all' }],
    },
  ];
  it.each(cases)('$name', (c) => runCase(c));

  it('a CREATE-only match skips kubectl debug at the operations list', () => {
    const text = policy('(variables.lists + object.spec.?ephemeralContainers.orValue([])).all(c, !c.?securityContext.?privileged.orValue(false))', '\n                  operations: [CREATE]');
    const got = located(auditFiles({ 'p.yaml': text }).findings, 'ephemeral-update-skipped');
    expect(got).toEqual([{ ruleId: 'ephemeral-update-skipped', file: 'p.yaml', ...where(text, 'CREATE]') }]);
  });
});
