/**
 * Kyverno's CEL libraries are values of known shape (issue 9 item 6): image data is about the
 * image it is given, resource/http/globalContext data comes from outside the request. The
 * registration gap of a ValidatingPolicy registered for `pods` only does not depend on its body,
 * and a function polcov cannot follow is reported once per rule, with the argument it was given.
 */
import { auditFiles } from '../../helpers';
import { runCase, where, type Case } from './fixtures';

const ALL = 'object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])';

/** A Kyverno ValidatingPolicy registered for pods only (no pods/ephemeralcontainers). */
function kvp(expression: string, resources = '["pods"]'): string {
  return [
    'apiVersion: policies.kyverno.io/v1',
    'kind: ValidatingPolicy',
    'metadata:',
    '  name: vp',
    'spec:',
    '  validationActions: [Deny]',
    '  matchConstraints:',
    '    resourceRules:',
    '      - apiGroups: [""]',
    '        apiVersions: [v1]',
    '        operations: [CREATE, UPDATE]',
    `        resources: ${resources}`,
    '  validations:',
    `    - expression: '${expression}'`,
    '',
  ].join('\n');
}

const cases: Case[] = [
  {
    name: 'image.GetMetadata over all lists is an image check; registered for pods only it misses kubectl debug',
    files: { 'vp.yaml': kvp(`(${ALL}).all(c, image.GetMetadata(c.image).config.User != "root")`) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources: ["pods"]' }],
    silent: ['policy-unanalyzable', 'ephemeral-containers-unchecked'],
  },
  {
    name: 'image.GetMetadata over containers only leaves ephemeral containers unchecked',
    files: { 'vp.yaml': kvp('object.spec.containers.all(c, image.GetMetadata(c.image).config.User != "root")', '["pods", "pods/ephemeralcontainers"]') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', says: 'checks image in containers' }],
    silent: ['policy-unanalyzable', 'ephemeral-subresource-unmatched'],
  },
  {
    name: 'resource.Get data compared with the image: image check, no unanalyzable',
    files: {
      'vp.yaml': kvp(`(${ALL}).all(c, c.image.startsWith(resource.Get("v1", "configmaps", "kyverno", "registries").data.allowed))`, '["pods", "pods/ephemeralcontainers"]'),
    },
    fires: [],
    silent: ['policy-unanalyzable', 'ephemeral-containers-unchecked', 'ephemeral-subresource-unmatched'],
  },
  {
    name: 'http.Post and globalContext.Get are opaque data, not unanalyzable',
    files: {
      'vp.yaml': kvp(`http.Post("https://checker.example", object).allowed == true && globalContext.Get("registries", "").size() > 0`, '["pods", "pods/ephemeralcontainers"]'),
    },
    fires: [],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'a body reading env only: the registration gap does not depend on the body',
    files: { 'vp.yaml': kvp(`(${ALL}).all(c, !has(c.env) || c.env.all(e, !e.name.startsWith("AWS_")))`) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources: ["pods"]' }],
  },
  {
    name: 'a body whose only container checks no debug container can violate (resources) has no registration gap',
    files: { 'vp.yaml': kvp('object.spec.containers.all(c, c.resources.limits.memory != "")') },
    fires: [],
    silent: ['ephemeral-subresource-unmatched'],
  },
];

describe('Kyverno CEL libraries and the registration gap', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('an unknown function at several call sites is one finding per rule, naming the argument it was given', () => {
    const text = kvp(`(${ALL}).all(c, registry.Trusted(c.image) && registry.Trusted(c.image) || registry.Trusted(c.image))`, '["pods", "pods/ephemeralcontainers"]');
    const result = auditFiles({ 'vp.yaml': text });
    const found = result.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(found.map((f) => ({ line: f.line, column: f.column }))).toEqual([where(text, 'registry.Trusted')]);
    expect(found[0]!.message).toContain(
      'registry.Trusted() is not one polcov can follow, and it is given `c.image` (object.spec.containers.image, object.spec.initContainers.image, object.spec.ephemeralContainers.image)',
    );
  });
});
