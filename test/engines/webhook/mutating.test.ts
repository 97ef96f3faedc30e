/**
 * A MutatingWebhookConfiguration that never receives `pods/ephemeralcontainers` bypasses no
 * validation: its defaults are not applied to debug containers (issue 9 item 11). A note, where a
 * validating registration is an error.
 */
import { auditFiles, located } from '../../helpers';
import { where } from '../cel/fixtures';

function webhooks(kind: 'Mutating' | 'Validating', resources: string, operations = '[CREATE, UPDATE]'): string {
  return [
    'apiVersion: admissionregistration.k8s.io/v1',
    `kind: ${kind}WebhookConfiguration`,
    'metadata:',
    '  name: defaults',
    'webhooks:',
    '  - name: defaults.example.com',
    '    clientConfig:',
    '      service: { name: defaulter, namespace: tools }',
    '    rules:',
    '      - apiGroups: [""]',
    '        apiVersions: [v1]',
    `        operations: ${operations}`,
    `        resources: ${resources}`,
    '    admissionReviewVersions: [v1]',
    '    sideEffects: None',
    '',
  ].join('\n');
}

const cases: { name: string; text: string; ruleId: string; severity?: 'note' | 'error'; at?: string; says?: string }[] = [
  {
    name: 'mutating webhook for pods only: a note that defaults miss debug containers',
    text: webhooks('Mutating', '[pods]'),
    ruleId: 'ephemeral-subresource-unmatched',
    severity: 'note',
    at: 'resources: [pods]',
    says: 'not applied to debug containers',
  },
  {
    name: 'validating webhook for pods only: the error',
    text: webhooks('Validating', '[pods]'),
    ruleId: 'ephemeral-subresource-unmatched',
    severity: 'error',
    at: 'resources: [pods]',
    says: 'bypass',
  },
  {
    name: 'mutating webhook that receives the subresource on CREATE only: a note from the UPDATE rule',
    text: webhooks('Mutating', '[pods, pods/ephemeralcontainers]', '[CREATE]'),
    ruleId: 'ephemeral-update-skipped',
    severity: 'note',
    at: 'operations: [CREATE]',
    says: 'not applied to debug containers',
  },
  {
    name: 'mutating webhook missing both subresource and UPDATE: one note, not two',
    text: webhooks('Mutating', '[pods]', '[CREATE]'),
    ruleId: 'ephemeral-update-skipped',
  },
];

describe('mutating webhooks', () => {
  it.each(cases)('$name', ({ text, ruleId, severity, at, says }) => {
    const result = auditFiles({ 'w.yaml': text });
    expect(result.errors).toEqual([]);
    const found = result.findings.filter((f) => f.ruleId === ruleId);
    if (!severity) {
      expect(found).toEqual([]);
      expect(result.findings.filter((f) => f.ruleId.startsWith('ephemeral-')).map((f) => f.severity)).toEqual(['note']);
      return;
    }
    expect(located(found)).toEqual([{ ruleId, file: 'w.yaml', ...where(text, at!) }]);
    expect(found[0]!.severity).toBe(severity);
    expect(found[0]!.message).toContain(says!);
  });

  it('a configured rule level still wins over the note', () => {
    const result = auditFiles({ 'w.yaml': webhooks('Mutating', '[pods]') }, { ruleLevels: { 'ephemeral-subresource-unmatched': 'warning' } });
    expect(result.findings.filter((f) => f.ruleId === 'ephemeral-subresource-unmatched').map((f) => f.severity)).toEqual(['warning']);
  });
});
