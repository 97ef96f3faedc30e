/**
 * CEL through the rules: where each finding points (the expression, the guard, the variable that
 * names a list), including inside YAML block scalars, and which guards hide kubectl debug.
 */
import { runCase, vap, vapExpr, type Case } from './fixtures';

const CONTAINERS_ONLY = 'object.spec.containers.all(c, c.securityContext.privileged != true)';
const ALL_LISTS =
  '(object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])).all(c, c.?securityContext.?privileged.orValue(false) == false)';

const cases: Case[] = [
  {
    name: 'reading object.spec.containers only fires at the list in the expression',
    files: { 'p.yaml': vapExpr(CONTAINERS_ONLY) },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' },
      { ruleId: 'init-containers-unchecked', at: 'object.spec.containers' },
    ],
    silent: ['ephemeral-subresource-unmatched', 'ephemeral-update-skipped'],
  },
  {
    name: 'all three lists through optionals is clean',
    files: { 'p.yaml': vapExpr(ALL_LISTS) },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'a block scalar maps the list to its own line and column',
    files: {
      'p.yaml': vap(`
  validations:
    - expression: |
        object.spec.?initContainers.orValue([]).all(c,
          c.securityContext.privileged != true) &&
        object.spec.containers.all(c,
          c.securityContext.privileged != true)
`),
    },
    // The finding points at the first list the rule does check.
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'a folded block scalar maps the list on its second line',
    files: {
      'p.yaml': vap(`
  validations:
    - expression: >-
        request.operation == "CREATE" &&
          object.spec.containers.all(c, c.image.startsWith("registry.example.com/"))
`),
    },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' },
      { ruleId: 'init-containers-unchecked', at: 'object.spec.containers' },
    ],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a list named in a variable is pointed at inside the variable',
    files: {
      'p.yaml': vap(`
  variables:
    - name: workload
      expression: object.spec.containers + object.spec.?initContainers.orValue([])
  validations:
    - expression: variables.workload.all(c, !c.?securityContext.?privileged.orValue(false))
`),
    },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'request.operation == "UPDATE" || … skips kubectl debug',
    files: { 'p.yaml': vapExpr(`request.operation == "UPDATE" || ${ALL_LISTS}`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'request.operation != "CREATE" || … skips kubectl debug',
    files: { 'p.yaml': vapExpr(`request.operation != "CREATE" || ${ALL_LISTS}`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'a guard on the right-hand side of || counts too',
    files: { 'p.yaml': vapExpr(`${ALL_LISTS} || request.operation in ["UPDATE", "DELETE"]`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'a subResource guard skips kubectl debug',
    files: { 'p.yaml': vapExpr(`request.?subResource.orValue("") != "" || ${ALL_LISTS}`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.?subResource' }],
  },
  {
    name: 'a ternary guard skips kubectl debug',
    files: { 'p.yaml': vapExpr(`request.operation == "CREATE" ? ${ALL_LISTS} : true`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'a guard in a variable skips kubectl debug',
    files: {
      'p.yaml': vap(`
  variables:
    - name: isNew
      expression: request.operation == "CREATE"
  validations:
    - expression: '!variables.isNew || ${ALL_LISTS}'
`),
    },
    // The negation decides, so the finding quotes it where it is written, not the variable's test.
    fires: [{ ruleId: 'ephemeral-update-skipped', at: '!variables.isNew' }],
  },
  {
    name: 'CREATE && … denies every UPDATE: not a skip',
    files: { 'p.yaml': vapExpr(`request.operation == "CREATE" && ${ALL_LISTS}`) },
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a guard that tests something else is not a skip',
    files: { 'p.yaml': vapExpr(`request.userInfo.username == "admin" || ${ALL_LISTS}`) },
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a matchCondition false for UPDATE skips the policy',
    files: {
      'p.yaml': vap(`
  matchConditions:
    - name: create-only
      expression: request.operation == "CREATE"
  validations:
    - expression: '${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'a matchCondition that keeps UPDATE is fine',
    files: {
      'p.yaml': vap(`
  matchConditions:
    - name: writes
      expression: request.operation in ["CREATE", "UPDATE"]
  validations:
    - expression: '${ALL_LISTS}'
`),
    },
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'an invalid matchCondition is unanalyzable at its expression',
    files: {
      'p.yaml': vap(`
  matchConditions:
    - name: broken
      expression: request.operation ==
  validations:
    - expression: '${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'request.operation ==' }],
  },
  {
    name: 'invalid CEL is unanalyzable at the expression, and the scan goes on',
    files: {
      'a.yaml': vapExpr('object.spec.containers.all(c, c.image.startsWith("x")', { name: 'broken' }),
      'b.yaml': vapExpr(CONTAINERS_ONLY, { name: 'fine' }),
    },
    fires: [
      { ruleId: 'policy-unanalyzable', at: 'object.spec.containers', file: 'a.yaml' },
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', file: 'b.yaml' },
    ],
  },
  {
    name: 'an invalid variable is unanalyzable at its expression',
    files: {
      'p.yaml': vap(`
  variables:
    - name: broken
      expression: object.spec.containers.all(c,
  validations:
    - expression: '${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'object.spec.containers.all(c,' }],
  },
  {
    name: 'a computed key over the pod spec is unanalyzable',
    files: { 'p.yaml': vapExpr('object.spec[object.metadata.name].all(c, c.securityContext.privileged != true)') },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'object.spec[' }],
  },
  {
    name: 'a variable that refers to itself is unanalyzable at its name',
    files: {
      'p.yaml': vap(`
  variables:
    - name: loop
      expression: variables.loop + object.spec.containers
  validations:
    - expression: variables.loop.all(c, c.securityContext.privileged != true)
`),
    },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'loop' }],
  },
  {
    name: 'escapes in a double-quoted scalar do not shift the column',
    files: { 'p.yaml': vap(`  validations:\n    - expression: "object.metadata.name != \\"a\\" && object.spec.containers.all(c, c.image != \\"\\")"`) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
  {
    name: 'doubled quotes in a single-quoted scalar do not shift the column',
    files: { 'p.yaml': vap(`  validations:\n    - expression: 'object.metadata.name != ''a'' && object.spec.containers.all(c, c.image != '''')'`) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
];

describe('CEL through the rules', () => {
  it.each(cases)('$name', (c) => runCase(c));
});
