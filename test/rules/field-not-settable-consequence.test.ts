/**
 * ephemeral-field-not-settable says what the impossible requirement breaks: with the subresource
 * registered, the debug UPDATE itself; with `pods` only, every later update of a debugged pod. The
 * hint speaks the policy's language (no Kyverno anchors for a CEL policy).
 */
import { auditFiles, located } from '../helpers';
import { vap, where } from '../engines/cel/fixtures';

const REQUIRES_PROBES = `  validations:
    - expression: >-
        (object.spec.containers + object.spec.?ephemeralContainers.orValue([])).all(c, has(c.livenessProbe))`;

const table: { name: string; resources: string; says: string }[] = [
  { name: 'pods and the subresource', resources: '["pods", "pods/ephemeralcontainers"]', says: 'every kubectl debug is rejected' },
  { name: 'pods only', resources: '["pods"]', says: 'kubectl debug is not checked, but every later update of a debugged pod is rejected' },
];

describe('ephemeral-field-not-settable consequence and hint', () => {
  it.each(table)('registered for $name', ({ resources, says }) => {
    const text = vap(REQUIRES_PROBES, { resources });
    const findings = auditFiles({ 'p.yaml': text }).findings;
    expect(located(findings, 'ephemeral-field-not-settable')).toEqual([
      { ruleId: 'ephemeral-field-not-settable', file: 'p.yaml', ...where(text, 'c.livenessProbe)') },
    ]);
    const found = findings.filter((f) => f.ruleId === 'ephemeral-field-not-settable');
    expect(found[0]!.message).toContain(says);
    expect(found[0]!.hint).not.toContain('=(');
    expect(found[0]!.hint).toContain('containers and initContainers only');
  });
});
