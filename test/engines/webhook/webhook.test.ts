/** Webhook configurations: which ones hide kubectl debug from the policies behind them, and which fail open. */
import { auditFiles } from '../../helpers';
import { runCase, type Case } from '../cel/fixtures';

interface WebhookOptions {
  resources: string;
  operations?: string;
  failurePolicy?: string;
  apiVersion?: string;
  kind?: string;
  extra?: string;
  /** Webhook name and service name (they decide which engine it serves). */
  hook?: string;
  service?: string;
  groups?: string;
}

function webhook(o: WebhookOptions): string {
  return [
    `apiVersion: ${o.apiVersion ?? 'admissionregistration.k8s.io/v1'}`,
    `kind: ${o.kind ?? 'ValidatingWebhookConfiguration'}`,
    'metadata:',
    '  name: engine',
    'webhooks:',
    `  - name: ${o.hook ?? 'pods.engine.example.com'}`,
    '    admissionReviewVersions: ["v1"]',
    '    sideEffects: None',
    ...(o.failurePolicy ? [`    failurePolicy: ${o.failurePolicy}`] : []),
    '    clientConfig:',
    `      service: { name: ${o.service ?? 'engine'}, namespace: engine-system, path: /validate }`,
    ...(o.extra ? [o.extra] : []),
    '    rules:',
    `      - apiGroups: ${o.groups ?? '[""]'}`,
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

/** Gatekeeper's webhook, recognisable by name and service. */
const gatekeeper = (o: Partial<WebhookOptions> & { resources: string }): string =>
  webhook({ hook: 'validation.gatekeeper.sh', service: 'gatekeeper-webhook-service', ...o });
const NO_PODS = { groups: '["apps", "batch"]', resources: '["deployments", "jobs"]' };
const UNDECIDABLE = '    matchConditions:\n      - name: odd\n        expression: request.operation.substring(0, 1) != "U"';
const EVERY_RULE = [...ALL_WEBHOOK_RULES, 'policy-unanalyzable', 'enforcement-not-blocking', 'pod-kind-unmatched'];

describe('webhooks that serve a policy engine', () => {
  /** [name, file, kept rules as [webhook, serves, matchesPod], findings]. */
  it.each<[string, string, [string, string | undefined, boolean][], Case['fires']]>([
    [
      'a Gatekeeper validating webhook without pods is kept as a fact, failing open or not, and reports nothing',
      gatekeeper({ ...NO_PODS, failurePolicy: 'Ignore', extra: UNDECIDABLE }),
      [['validation.gatekeeper.sh', 'gatekeeper', false]],
      [],
    ],
    [
      'a Kyverno validating webhook without pods is kept too',
      webhook({ hook: 'validate.kyverno.svc-fail', service: 'kyverno-svc', ...NO_PODS }),
      [['validate.kyverno.svc-fail', 'kyverno', false]],
      [],
    ],
    [
      'a Gatekeeper mutating webhook without pods serves no validation and is dropped',
      gatekeeper({ ...NO_PODS, hook: 'mutation.gatekeeper.sh', kind: 'MutatingWebhookConfiguration' }),
      [],
      [],
    ],
    [
      'a webhook of no known engine without pods is dropped',
      webhook({ ...NO_PODS, failurePolicy: 'Ignore' }),
      [],
      [],
    ],
    [
      'a Gatekeeper validating webhook with pods serves gatekeeper and keeps its findings',
      gatekeeper({ resources: '["pods"]', failurePolicy: 'Ignore' }),
      [['validation.gatekeeper.sh', 'gatekeeper', true]],
      [
        { ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' },
        { ruleId: 'webhook-fail-open', at: 'failurePolicy:' },
      ],
    ],
    [
      'a Gatekeeper mutating webhook with pods serves nothing but is still reported',
      gatekeeper({ resources: '["pods"]', hook: 'mutation.gatekeeper.sh', kind: 'MutatingWebhookConfiguration' }),
      [['mutation.gatekeeper.sh', undefined, true]],
      [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' }],
    ],
    [
      'a webhook with pods still reports an undecidable match condition',
      gatekeeper({ resources: '["pods", "pods/ephemeralcontainers"]', extra: UNDECIDABLE }),
      [['validation.gatekeeper.sh', 'gatekeeper', true]],
      [{ ruleId: 'policy-unanalyzable', at: 'request.operation.substring' }],
    ],
  ])('%s', (_name, text, kept, fires) => {
    const files = { 'w.yaml': text };
    runCase({ name: _name, files, fires, silent: EVERY_RULE.filter((id) => !fires.some((f) => f.ruleId === id)) });
    const result = auditFiles(files);
    expect(result.findings.length).toBe(fires.length);
    expect(result.policies.flatMap((p) => p.rules.map((r) => [r.name, r.serves, r.scope.matchesPod]))).toEqual(kept);
  });
});
