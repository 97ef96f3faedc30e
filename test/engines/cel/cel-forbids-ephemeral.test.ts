/**
 * Security review, item 3: a validation that rejects every Pod with ephemeral containers sets
 * `forbidsEphemeral` at the expression that does it, so `ephemeral-containers-unchecked` stops for
 * that policy (and for the whole set when the policy is cluster-wide and enforced where kubectl
 * debug arrives). A request guard that denies every UPDATE is not such a validation.
 */
import { auditFiles } from '../../helpers';
import { runCase, vap, where, type Case } from './fixtures';

const CONTAINERS_ONLY = 'object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)';

/** A VAP with a validation per expression. */
const vapWith = (expressions: string[], opts: Parameters<typeof vap>[1] = {}): string =>
  vap(`  validations:\n${expressions.map((x) => `    - expression: '${x}'`).join('\n')}`, opts);

const FORMS = [
  '!has(object.spec.ephemeralContainers)',
  'size(object.spec.?ephemeralContainers.orValue([])) == 0',
  'object.spec.?ephemeralContainers.orValue([]).size() == 0',
  '!has(object.spec.ephemeralContainers) || object.spec.ephemeralContainers.size() == 0',
  'object.spec.?ephemeralContainers.orValue([]) == []',
  '!object.spec.?ephemeralContainers.hasValue()',
  'size(object.spec.?ephemeralContainers.orValue([])) < 1',
  'request.operation != "UPDATE" || !has(object.spec.ephemeralContainers)',
];

const NOT_FORBIDDING = [
  // Checks ephemeral containers (their image) rather than forbidding them.
  '!has(object.spec.ephemeralContainers) || object.spec.ephemeralContainers.all(c, c.image.startsWith("r/"))',
  'has(object.spec.ephemeralContainers) || object.metadata.name != ""',
  'size(object.spec.?ephemeralContainers.orValue([])) <= 5',
  // Denies every UPDATE whatever the Pod: a request guard, not a rule about ephemeral containers.
  `request.operation == "CREATE" && ${CONTAINERS_ONLY}`,
];

const cases: Case[] = [
  ...FORMS.map(
    (form): Case => ({
      name: `${form} with a containers-only check: no ephemeral-containers-unchecked`,
      files: { 'p.yaml': vapWith([form, CONTAINERS_ONLY]) },
      fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers' }],
      silent: ['ephemeral-containers-unchecked', 'policy-unanalyzable', 'ephemeral-update-skipped'],
    }),
  ),
  {
    name: 'the same containers-only check without the forbid fires',
    files: { 'p.yaml': vapWith([CONTAINERS_ONLY]) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
  ...NOT_FORBIDDING.map(
    (x): Case => ({
      name: `${x} is not a forbid: the containers-only check still fires`,
      files: { 'p.yaml': vapWith([x, CONTAINERS_ONLY]) },
      fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', nth: x.includes('object.spec.containers') ? 2 : 1 }],
    }),
  ),
  {
    name: 'the forbid and the check in one validation',
    files: { 'p.yaml': vapWith([`!has(object.spec.ephemeralContainers) && ${CONTAINERS_ONLY}`]) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'a forbid written in a variable',
    files: {
      'p.yaml': vap(`
  variables:
    - name: debugging
      expression: has(object.spec.ephemeralContainers)
  validations:
    - expression: '!variables.debugging'
    - expression: '${CONTAINERS_ONLY}'
`),
    },
    fires: [],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'a forbid bound only with Warn does not stop kubectl debug',
    files: { 'p.yaml': vapWith(['!has(object.spec.ephemeralContainers)', CONTAINERS_ONLY], { actions: '[Warn]' }) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
  {
    name: 'a forbid that never receives pods/ephemeralcontainers does not stop kubectl debug',
    files: { 'p.yaml': vapWith(['!has(object.spec.ephemeralContainers)', CONTAINERS_ONLY], { resources: '["pods"]' }) },
    fires: [
      { ruleId: 'ephemeral-subresource-unmatched', at: 'resources:' },
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' },
    ],
  },
  {
    name: 'an enforced cluster-wide forbid stops ephemeral-containers-unchecked for the whole set',
    files: {
      'forbid.yaml': vapWith(['!has(object.spec.ephemeralContainers)'], { name: 'no-debug' }),
      'check.yaml': vapWith([CONTAINERS_ONLY], { name: 'privileged' }),
    },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers', file: 'check.yaml' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'a matchCondition that leaves out Pods with ephemeral containers skips kubectl debug',
    files: {
      'p.yaml': vap(`
  matchConditions:
    - name: no-debug-pods
      expression: '!has(object.spec.ephemeralContainers)'
  validations:
    - expression: '(object.spec.containers + object.spec.?ephemeralContainers.orValue([])).all(c, c.?securityContext.?privileged.orValue(false) == false)'
`),
    },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: '!has(object.spec.ephemeralContainers)', says: '(`!has(object.spec.ephemeralContainers)`) excludes every UPDATE' }],
  },
];

describe('validations that forbid ephemeral containers', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('records forbidsEphemeral at the expression that forbids, on that validation only', () => {
    const text = vapWith([CONTAINERS_ONLY, `object.metadata.name != "" && !has(object.spec.ephemeralContainers)`]);
    const result = auditFiles({ 'p.yaml': text });
    const rules = result.policies.flatMap((p) => p.rules);
    expect(rules.map((r) => r.name)).toEqual(['validations[0]', 'validations[1]']);
    expect(rules[0]!.forbidsEphemeral).toBeUndefined();
    expect(rules[1]!.forbidsEphemeral).toEqual({ file: expect.stringMatching(/p\.yaml$/), ...where(text, '!has(object.spec.ephemeralContainers)') });
  });

  it('records the whole expression when every part of it forbids', () => {
    const form = '!has(object.spec.ephemeralContainers) || object.spec.ephemeralContainers.size() == 0';
    const text = vapWith([form]);
    const rule = auditFiles({ 'p.yaml': text }).policies[0]!.rules[0]!;
    expect(rule.forbidsEphemeral).toMatchObject(where(text, form));
  });
});
