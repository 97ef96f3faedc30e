/** Webhook configurations: which ones hide kubectl debug from the policies behind them, and which fail open. */
import { auditFiles } from '../../helpers';
import { runCase, type Case } from '../cel/fixtures';

function webhook(o: { resources: string; operations?: string; failurePolicy?: string; apiVersion?: string; kind?: string; extra?: string }): string {
  return [
    `apiVersion: ${o.apiVersion ?? 'admissionregistration.k8s.io/v1'}`,
    `kind: ${o.kind ?? 'ValidatingWebhookConfiguration'}`,
    'metadata:',
    '  name: engine',
    'webhooks:',
    '  - name: pods.engine.example.com',
    '    admissionReviewVersions: ["v1"]',
    '    sideEffects: None',
    ...(o.failurePolicy ? [`    failurePolicy: ${o.failurePolicy}`] : []),
    '    clientConfig:',
    '      service: { name: engine, namespace: engine-system, path: /validate }',
    ...(o.extra ? [o.extra] : []),
    '    rules:',
    '      - apiGroups: [""]',
    '        apiVersions: ["v1"]',
    `        operations: ${o.operations ?? '["CREATE", "UPDATE"]'}`,
    `        resources: ${o.resources}`,
    '',
  ].join('\n');
}

const ALL_WEBHOOK_RULES = ['ephemeral-subresource-unmatched', 'ephemeral-update-skipped', 'webhook-fail-open', 'hostprocess-unchecked'];

const cases: Case[] = [
  {
    name: 'resources ["*"] receives pods but not the subresource',
    files: { 'w.yaml': webhook({ resources: '["*"]' }) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
  },
  {
    name: 'resources ["pods"] receives pods but not the subresource',
    files: { 'w.yaml': webhook({ resources: '["pods"]' }) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
  },
  {
    name: 'a MutatingWebhookConfiguration is read the same way',
    files: { 'w.yaml': webhook({ resources: '["pods"]', kind: 'MutatingWebhookConfiguration' }) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
  },
  ...['["pods", "pods/ephemeralcontainers"]', '["pods", "pods/*"]', '["*/*"]'].map(
    (resources): Case => ({ name: `${resources} with Fail is clean`, files: { 'w.yaml': webhook({ resources, failurePolicy: 'Fail' }) }, fires: [], silent: ALL_WEBHOOK_RULES }),
  ),
  {
    name: 'the subresource with CREATE only skips kubectl debug',
    files: { 'w.yaml': webhook({ resources: '["pods", "pods/ephemeralcontainers"]', operations: '["CREATE"]' }) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'operations:' }],
    silent: ['ephemeral-subresource-unmatched'],
  },
  {
    name: 'a match condition that excludes UPDATE skips kubectl debug',
    files: {
      'w.yaml': webhook({
        resources: '["pods", "pods/ephemeralcontainers"]',
        extra: '    matchConditions:\n      - name: not-updates\n        expression: request.operation != "UPDATE"',
      }),
    },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'failurePolicy: Ignore on a webhook that receives pods fails open',
    files: { 'w.yaml': webhook({ resources: '["pods", "pods/ephemeralcontainers"]', failurePolicy: 'Ignore' }) },
    fires: [{ ruleId: 'webhook-fail-open', at: 'failurePolicy:' }],
    silent: ['ephemeral-subresource-unmatched'],
  },
  {
    name: 'v1beta1 without failurePolicy defaults to Ignore',
    files: { 'w.yaml': webhook({ resources: '["pods/*"]', apiVersion: 'admissionregistration.k8s.io/v1beta1' }) },
    fires: [{ ruleId: 'webhook-fail-open', at: 'pods.engine.example.com' }],
  },
  {
    name: 'v1 without failurePolicy defaults to Fail',
    files: { 'w.yaml': webhook({ resources: '["pods/*"]' }) },
    fires: [],
    silent: ['webhook-fail-open'],
  },
  {
    name: 'a webhook that never receives pods is not reported, even failing open',
    files: { 'w.yaml': webhook({ resources: '["configmaps"]', failurePolicy: 'Ignore' }) },
    fires: [],
    silent: ALL_WEBHOOK_RULES,
  },
  {
    name: 'a cluster-scoped rule never receives pods',
    files: { 'w.yaml': webhook({ resources: '["*"]' }).replace('resources: ["*"]', 'resources: ["*"]\n        scope: Cluster') },
    fires: [],
    silent: ALL_WEBHOOK_RULES,
  },
];

describe('webhook configurations', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('a registration alone is not a policy set: no hostprocess-unchecked, no checks', () => {
    const result = auditFiles({ 'w.yaml': webhook({ resources: '["pods"]' }) });
    expect(result.findings.map((f) => f.ruleId)).toEqual(['ephemeral-subresource-unmatched']);
    expect(result.policies.map((p) => ({ engine: p.engine, rules: p.rules.map((r) => [r.name, r.registrationOnly, r.checks.length]) }))).toEqual([
      { engine: 'webhook', rules: [['pods.engine.example.com', true, 0]] },
    ]);
  });
});
