/**
 * A policy's validations judge the same request: checks split over several validations (one per
 * container list) cover the lists together. And what the CEL analysis learns about a validation
 * (a forbid of ephemeral containers, an undecidable request guard) reaches every CEL engine:
 * ValidatingAdmissionPolicy, Kyverno ValidatingPolicy and Kyverno `validate.cel`.
 */
import { runCase, vap, type Case } from '../cel/fixtures';
import { yaml } from '../../helpers';

const privileged = (list: string): string => `object.spec.?${list}.orValue([]).all(c, !c.?securityContext.?privileged.orValue(false))`;
const validations = (lists: string[]): string => `  validations:\n${lists.map((l) => `    - expression: '${privileged(l)}'`).join('\n')}`;
const LIST_RULES = ['ephemeral-containers-unchecked', 'init-containers-unchecked'];

function validatingPolicy(body: string, resources = '["pods", "pods/ephemeralcontainers"]'): string {
  return [
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
    `        resources: ${resources}`,
    body,
    '',
  ].join('\n');
}

const clusterPolicy = (expression: string) => yaml`
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
                kinds: [Pod]
        validate:
          cel:
            expressions:
              - expression: '${expression}'
`;

const split: Case[] = [
  {
    name: 'VAP: one validation per list covers the three lists',
    files: { 'p.yaml': vap(validations(['containers', 'initContainers', 'ephemeralContainers'])) },
    fires: [],
    silent: [...LIST_RULES, 'policy-unanalyzable'],
  },
  {
    name: 'VAP: one validation per list, ephemeral containers left out, fires at each validation',
    files: { 'p.yaml': vap(validations(['containers', 'initContainers'])) },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.?containers' },
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.?initContainers' },
    ],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'VAP: validations split over two policies do not cover each other',
    files: {
      'a.yaml': vap(validations(['containers', 'initContainers']), { name: 'a' }),
      'b.yaml': vap(`  validations:\n    - expression: '${privileged('ephemeralContainers').replace('privileged', 'runAsNonRoot')}'`, { name: 'b' }),
    },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.?containers', file: 'a.yaml' }],
  },
  {
    name: 'ValidatingPolicy: one validation per list covers the three lists',
    files: { 'p.yaml': validatingPolicy(validations(['containers', 'initContainers', 'ephemeralContainers'])) },
    fires: [],
    silent: LIST_RULES,
  },
];

const engines: Case[] = [
  {
    name: 'ValidatingPolicy: a forbid of ephemeral containers stops ephemeral-containers-unchecked',
    files: { 'p.yaml': validatingPolicy(`  validations:\n    - expression: '!has(object.spec.ephemeralContainers)'\n    - expression: '${privileged('containers')}'`) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.?containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'ValidatingPolicy: cel.bind over two lists misses ephemeral containers',
    files: {
      'p.yaml': validatingPolicy(
        `  validations:\n    - expression: 'cel.bind(cs, object.spec.containers + object.spec.?initContainers.orValue([]), cs.all(c, !c.?securityContext.?privileged.orValue(false)))'`,
      ),
    },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
  {
    name: 'Kyverno validate.cel: a forbid in the same expression stops ephemeral-containers-unchecked',
    files: { 'p.yaml': clusterPolicy(`!has(object.spec.ephemeralContainers) && ${privileged('containers')}`) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.?containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'Kyverno validate.cel: without the forbid it fires',
    files: { 'p.yaml': clusterPolicy(privileged('containers')) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.?containers' }],
  },
  {
    name: 'Kyverno validate.cel: an undecidable guard on request.operation is unanalyzable',
    files: { 'p.yaml': clusterPolicy(`request.operation.substring(0, 1) == "U" || ${privileged('ephemeralContainers')}`) },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'request.operation', says: 'guard on request.operation that polcov cannot evaluate' }],
    silent: ['ephemeral-update-skipped'],
  },
];

describe('validations of one policy cover the lists together', () => {
  it.each(split)('$name', (c) => runCase(c));
});

describe('CEL facts reach every CEL engine', () => {
  it.each(engines)('$name', (c) => runCase(c));
});
