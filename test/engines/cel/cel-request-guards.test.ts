/**
 * Security review, items 2 and 4: guards on request attributes written with functions are
 * evaluated for the kubectl debug request (UPDATE on pods/ephemeralcontainers); one polcov cannot
 * decide is reported as unanalyzable instead of the validation counting silently as coverage; and
 * a finding quotes the whole guarding expression, not a piece whose logic reads the other way.
 */
import { runCase, vap, vapExpr, type Case } from './fixtures';

const ALL_LISTS =
  '(object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])).all(c, c.?securityContext.?privileged.orValue(false) == false)';

const skips = (name: string, guard: string, at = guard, says = `\`${guard}\` passes every UPDATE on pods/ephemeralcontainers`): Case => ({
  name,
  files: { 'p.yaml': vapExpr(`${guard} || ${ALL_LISTS}`) },
  fires: [{ ruleId: 'ephemeral-update-skipped', at, says }],
  silent: ['policy-unanalyzable', 'ephemeral-containers-unchecked'],
});

const checks = (name: string, guard: string): Case => ({
  name,
  files: { 'p.yaml': vapExpr(`${guard} || ${ALL_LISTS}`) },
  fires: [],
  silent: ['ephemeral-update-skipped', 'policy-unanalyzable', 'ephemeral-containers-unchecked'],
});

const unanalyzable = (name: string, guard: string, attribute = 'request.operation', at = guard): Case => ({
  name,
  files: { 'p.yaml': vapExpr(`${guard} || ${ALL_LISTS}`) },
  fires: [{ ruleId: 'policy-unanalyzable', at, says: `guard on ${attribute} that polcov cannot evaluate: \`${guard}\`` }],
  silent: ['ephemeral-update-skipped'],
});

const evaluated: Case[] = [
  skips('size() of request.subResource', 'request.subResource.size() > 0'),
  skips('size(request.subResource) as a function', 'size(request.subResource) != 0'),
  skips('lowerAscii() of request.operation', 'request.operation.lowerAscii() == "update"'),
  skips('upperAscii() of request.operation', 'request.operation.upperAscii() == "UPDATE"'),
  skips('lowerAscii() of a constant', 'request.operation == "Update".upperAscii()'),
  skips('startsWith with a constant', 'request.operation.startsWith("UP")'),
  skips('endsWith on the subresource', 'request.subResource.endsWith("containers")'),
  skips('contains on the subresource', 'request.subResource.contains("ephemeral")'),
  skips('matches with a constant pattern', 'request.operation.matches("^(UPDATE|DELETE)$")'),
  skips('exists over a constant list', '["UPDATE", "DELETE"].exists(op, op == request.operation)'),
  skips('all over a constant list', '["CREATE", "CONNECT"].all(op, op != request.operation)'),
  skips('in a map of operations', 'request.operation in {"UPDATE": true}'),
  skips('request.requestSubResource', 'request.requestSubResource != ""'),
  skips('request.oldObject is set on UPDATE', 'request.oldObject != null'),
  skips('concatenated with a constant', 'request.operation + "/" + request.subResource == "UPDATE/ephemeralcontainers"'),
  skips('in a concatenation of constant lists', 'request.operation in ["DELETE"] + ["UPDATE"]'),
  skips('cel.bind of request.operation', 'cel.bind(op, request.operation, op == "UPDATE")', 'op == "UPDATE"', '`op == "UPDATE"` passes every'),
  checks('size() of request.subResource the other way', 'request.subResource.size() == 0'),
  checks('lowerAscii() compared with create', 'request.operation.lowerAscii() == "create"'),
  checks('exists over a constant list without UPDATE', '["CREATE"].exists(op, op == request.operation)'),
  checks('startsWith that fails', 'request.operation.startsWith("CR")'),
  checks('oldObject == null is false on UPDATE', 'oldObject == null'),
  checks('a test on the user is not a guard on the request', 'request.userInfo.username.startsWith("system:")'),
  {
    name: 'a macro over the containers whose body passes every UPDATE skips kubectl debug',
    files: {
      'p.yaml': vapExpr(
        '(object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])).all(c, request.operation == "UPDATE" || !c.?securityContext.?privileged.orValue(false))',
      ),
    },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'a variable that tests the operation with exists (negated) skips kubectl debug',
    files: {
      'p.yaml': vap(`
  variables:
    - name: isCreate
      expression: "['CREATE'].exists(op, op == request.operation)"
  validations:
    - expression: '!variables.isCreate || ${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: '!variables.isCreate', says: '`!variables.isCreate` passes every' }],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'a variable holding the lowered operation skips kubectl debug',
    files: {
      'p.yaml': vap(`
  variables:
    - name: op
      expression: request.operation.lowerAscii()
  validations:
    - expression: 'variables.op != "create" || ${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'variables.op != "create"' }],
  },
];

const undecided: Case[] = [
  unanalyzable('substring() of request.operation', 'request.operation.substring(0, 1) == "U"'),
  unanalyzable('split() of request.subResource', 'request.subResource.split("/").size() > 1', 'request.subResource'),
  unanalyzable('matches with a pattern that is not constant', 'request.operation.matches(object.metadata.name)'),
  unanalyzable('an unknown function of request.oldObject', 'myext.isDebug(request.oldObject)', 'request.oldObject'),
  unanalyzable('a comparison with a Pod field', 'request.operation == object.metadata.labels.op'),
  unanalyzable('a map looked up by the operation', '{"CREATE": false}[request.operation]', 'request.operation', '{"CREATE"'),
  unanalyzable('a default taken from the operation', 'object.metadata.?labels.?op.orValue(request.operation) == "UPDATE"', 'request.operation', 'object.metadata.?labels'),
  {
    name: 'an undecidable variable is reported inside the variable',
    files: {
      'p.yaml': vap(`
  variables:
    - name: first
      expression: request.operation.substring(0, 1)
  validations:
    - expression: 'variables.first == "U" || ${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'request.operation.substring', says: 'guard on request.operation that polcov cannot evaluate' }],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'an undecidable match condition is reported for the policy',
    files: {
      'p.yaml': vap(`
  matchConditions:
    - name: odd
      expression: request.operation.substring(0, 1) != "U"
  validations:
    - expression: '${ALL_LISTS}'
`),
    },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'request.operation.substring', says: 'guard on request.operation that polcov cannot evaluate' }],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'an undecidable test that cannot change the outcome is not reported',
    files: { 'p.yaml': vapExpr(`request.operation == "UPDATE" || request.operation.substring(0, 1) == "U" || ${ALL_LISTS}`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'an undecidable test inside a conjunction settled by another guard is not reported',
    files: { 'p.yaml': vapExpr(`(request.operation == "CREATE" && request.operation.substring(0, 1) == "C") || ${ALL_LISTS}`) },
    fires: [],
    silent: ['policy-unanalyzable', 'ephemeral-update-skipped'],
  },
];

const messages: Case[] = [
  {
    name: 'a matchCondition quotes the whole expression that excludes kubectl debug',
    files: {
      'p.yaml': vap(`
  matchConditions:
    - name: no-subresource
      expression: '!has(request.subResource) || request.subResource == ""'
  validations:
    - expression: '${ALL_LISTS}'
`),
    },
    fires: [
      {
        ruleId: 'ephemeral-update-skipped',
        at: '!has(request.subResource)',
        says: 'matchCondition "no-subresource" (`!has(request.subResource) || request.subResource == ""`) excludes every UPDATE',
      },
    ],
  },
  {
    name: 'a negated guard is quoted with its negation',
    files: { 'p.yaml': vapExpr(`!(request.operation == "CREATE") || ${ALL_LISTS}`) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: '!(request.operation', says: '`!(request.operation == "CREATE")` passes every' }],
  },
  {
    name: 'a long guard is quoted up to 80 characters',
    files: { 'p.yaml': vapExpr(`["CREATE", "CONNECT", "DELETE"].all(operation, operation != request.operation.upperAscii()) || ${ALL_LISTS}`) },
    fires: [
      { ruleId: 'ephemeral-update-skipped', at: '["CREATE", "CONNECT"', says: '`["CREATE", "CONNECT", "DELETE"].all(operation, operation != request.operation...` passes' },
    ],
  },
];

describe('request guards written with functions', () => {
  it.each(evaluated)('$name', (c) => runCase(c));
});

describe('request guards polcov cannot decide are unanalyzable', () => {
  it.each(undecided)('$name', (c) => runCase(c));
});

describe('guard messages quote the whole guarding expression', () => {
  it.each(messages)('$name', (c) => runCase(c));
});
