/**
 * Security-review regressions, through the whole pipeline: how a template's Rego treats the
 * request `kubectl debug` sends (UPDATE on pods/ephemeralcontainers). Guards are three-valued:
 * only a body that is definitely false for that request skips it; tests on anything else
 * (annotations, parameters, pod fields) are unknown and may hold. Each case names the findings that
 * must fire (rule id, file, line, column) and the rule ids that must not.
 */
import { auditFiles, located, type Expected } from '../../helpers';
import { at, constraint, template } from './helpers';

interface Case {
  name: string;
  rego: string;
  libs?: string[];
  fires: Omit<Expected, 'file'>[];
  silent: string[];
}

const SKIPPED = 'ephemeral-update-skipped';
const UNCHECKED = 'ephemeral-containers-unchecked';
const UNANALYZABLE = 'policy-unanalyzable';

/** A violation body: `lines`, then a privileged check over all three lists. */
const ALL_LISTS = (...lines: string[]): string => `package privileged

violation[{"msg": "privileged"}] {
${lines.map((l) => `    ${l}\n`).join('')}    c := input.review.object.spec[_][_]
    c.securityContext.privileged
}
`;

const ANNOTATION = 'not input.review.object.metadata.annotations["policy.example.com/privileged-allowed"]';

const HELPER_WITH_ANNOTATION = `package privileged

violation[{"msg": "privileged"}] {
    c := pod_containers[_]
    c.securityContext.privileged
}

pod_containers[c] {
    c := input.review.object.spec.containers[_]
}

pod_containers[c] {
    c := input.review.object.spec.initContainers[_]
}

pod_containers[c] {
    ${ANNOTATION}
    c := input.review.object.spec.ephemeralContainers[_]
}
`;

const RUN_AS_NON_ROOT = `package runasnonroot

violation[{"msg": "must run as non-root"}] {
    not input.review.object.spec.securityContext.runAsNonRoot
    c := input.review.object.spec[_][_]
    not c.securityContext.runAsNonRoot
}
`;

const IS_UPDATE_OBJECT_GET = `package lib.exclude_update

is_update(review) {
    object.get(review, "operation", "") == "UPDATE"
}
`;

const SKIP_OPERATION_LIB = `package lib.operations

skip_operation := {"UPDATE", "DELETE", "CONNECT"}

admission_checked {
    not skip_operation[input.review.operation]
}
`;

const USES_ADMISSION_CHECKED = ALL_LISTS('data.lib.operations.admission_checked');

const CHECKED_OPERATIONS = `package privileged

checked_operations := {"CREATE"}

violation[{"msg": "privileged"}] {
    checked_operations[input.review.operation]
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
}
`;

const CHECKED_OPS_LIST = (ops: string[]): string => `package privileged

checked_ops := ${JSON.stringify(ops)}

violation[{"msg": "privileged"}] {
    input.review.operation == checked_ops[_]
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
}
`;

const SOME_OP_IN = `package privileged

import future.keywords.in

violation[{"msg": "privileged"}] {
    some op in {"CREATE"}
    input.review.operation == op
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
}
`;

const CONTAINERS_OF = `package privileged

violation[{"msg": "privileged"}] {
    c := containers_of(input.review)[_]
    c.securityContext.privileged
}

containers_of(review) = cs {
    review.operation != "UPDATE"
    cs := [c | c := review.object.spec[_][_]]
}
`;

const CONTAINERS_OF_ELSE = `package privileged

violation[{"msg": "privileged"}] {
    c := containers_of(input.review)[_]
    c.securityContext.privileged
}

containers_of(review) = cs {
    review.operation == "CREATE"
    cs := array.concat(review.object.spec.initContainers, review.object.spec.ephemeralContainers)
} else = cs {
    cs := review.object.spec.initContainers
}
`;

const GENERAL_VIOLATION = `package k8spspprivileged

import data.lib.exclude_update.is_update

violation[{"msg": msg, "details": {}}] {
    general_violation[{"msg": msg, "field": "containers"}]
}

violation[{"msg": msg, "details": {}}] {
    general_violation[{"msg": msg, "field": "initContainers"}]
}

violation[{"msg": msg, "details": {}}] {
    general_violation[{"msg": msg, "field": "ephemeralContainers"}]
}

general_violation[{"msg": msg, "field": field}] {
    not is_update(input.review)
    c := input.review.object.spec[field][_]
    c.securityContext.privileged
    msg := sprintf("Privileged container is not allowed: %v", [c.name])
}
`;

const IS_UPDATE_LIB = `package lib.exclude_update

is_update(review) {
    review.operation == "UPDATE"
}
`;

const cases: Case[] = [
  // 1. Tests on anything but the request's operation are unknown: such bodies can hold for UPDATE.
  {
    name: 'not <annotation> in the violation body is no UPDATE guard',
    rego: ALL_LISTS(ANNOTATION),
    fires: [],
    silent: [SKIPPED, UNCHECKED, UNANALYZABLE],
  },
  {
    name: 'not input.parameters.allowPrivileged is no UPDATE guard',
    rego: ALL_LISTS('not input.parameters.allowPrivileged'),
    fires: [],
    silent: [SKIPPED, UNCHECKED, UNANALYZABLE],
  },
  {
    name: 'a pod-level not …runAsNonRoot is no UPDATE guard',
    rego: RUN_AS_NON_ROOT,
    fires: [],
    silent: [SKIPPED, UNCHECKED, UNANALYZABLE],
  },
  {
    name: 'not <annotation> inside a helper keeps its ephemeral branch',
    rego: HELPER_WITH_ANNOTATION,
    fires: [],
    silent: [SKIPPED, UNCHECKED, UNANALYZABLE],
  },
  {
    name: 'input.review.operation == "UPDATE" lets the debug request through',
    rego: ALL_LISTS('input.review.operation == "UPDATE"'),
    fires: [],
    silent: [SKIPPED, UNCHECKED],
  },
  // 2. The debug request has subResource "ephemeralcontainers".
  {
    name: 'input.review.subResource != "ephemeralcontainers" skips the debug request',
    rego: ALL_LISTS('input.review.subResource != "ephemeralcontainers"'),
    fires: [at(SKIPPED, ALL_LISTS('input.review.subResource != "ephemeralcontainers"'), 'input.review.subResource')],
    silent: [UNCHECKED],
  },
  {
    name: 'object.get(input.review, "subResource", "") == "" skips the debug request',
    rego: ALL_LISTS('object.get(input.review, "subResource", "") == ""'),
    fires: [at(SKIPPED, ALL_LISTS('object.get(input.review, "subResource", "") == ""'), 'object.get(input.review')],
    silent: [UNCHECKED],
  },
  {
    name: 'not input.review.subResource skips the debug request',
    rego: ALL_LISTS('not input.review.subResource'),
    fires: [at(SKIPPED, ALL_LISTS('not input.review.subResource'), 'not input.review.subResource')],
    silent: [UNCHECKED],
  },
  {
    name: 'input.review.subResource == "ephemeralcontainers" only runs for the debug request',
    rego: ALL_LISTS('input.review.subResource == "ephemeralcontainers"'),
    fires: [],
    silent: [SKIPPED, UNCHECKED],
  },
  // 3. UPDATE guards in the forms policies write them.
  {
    name: 'not is_update(input.review) with object.get in the lib',
    rego: ALL_LISTS('not data.lib.exclude_update.is_update(input.review)'),
    libs: [IS_UPDATE_OBJECT_GET],
    fires: [at(SKIPPED, ALL_LISTS('not data.lib.exclude_update.is_update(input.review)'), 'not data.lib')],
    silent: [UNCHECKED],
  },
  {
    name: 'object.get(input.review, "operation", "") == "CREATE"',
    rego: ALL_LISTS('object.get(input.review, "operation", "") == "CREATE"'),
    fires: [at(SKIPPED, ALL_LISTS('object.get(input.review, "operation", "") == "CREATE"'), 'object.get(input.review')],
    silent: [UNCHECKED],
  },
  {
    name: 'checked_operations[input.review.operation] with checked_operations := {"CREATE"}',
    rego: CHECKED_OPERATIONS,
    fires: [at(SKIPPED, CHECKED_OPERATIONS, 'checked_operations[input.review.operation]')],
    silent: [UNCHECKED],
  },
  {
    name: 'a lib guard rule not skip_operation[input.review.operation]: reported where it is used',
    rego: USES_ADMISSION_CHECKED,
    libs: [SKIP_OPERATION_LIB],
    fires: [at(SKIPPED, USES_ADMISSION_CHECKED, 'data.lib.operations.admission_checked')],
    silent: [UNCHECKED],
  },
  {
    name: 'input.review.operation == checked_ops[_] with a list without UPDATE',
    rego: CHECKED_OPS_LIST(['CREATE', 'DELETE']),
    fires: [at(SKIPPED, CHECKED_OPS_LIST(['CREATE', 'DELETE']), 'input.review.operation == checked_ops[_]')],
    silent: [UNCHECKED],
  },
  {
    name: 'input.review.operation == checked_ops[_] with UPDATE in the list lets it through',
    rego: CHECKED_OPS_LIST(['CREATE', 'UPDATE']),
    fires: [],
    silent: [SKIPPED, UNCHECKED],
  },
  {
    name: 'some op in {"CREATE"}; input.review.operation == op',
    rego: SOME_OP_IN,
    fires: [at(SKIPPED, SOME_OP_IN, 'input.review.operation == op')],
    silent: [UNCHECKED],
  },
  {
    name: 'the guard inside a function given the review: reported inside the function',
    rego: CONTAINERS_OF,
    fires: [at(SKIPPED, CONTAINERS_OF, 'review.operation != "UPDATE"')],
    silent: [UNCHECKED],
  },
  {
    name: 'a function body guarded on the review it is given yields no ephemeral container for the debug request',
    rego: CONTAINERS_OF_ELSE,
    fires: [at(UNCHECKED, CONTAINERS_OF_ELSE, 'review.object.spec.initContainers')],
    silent: [SKIPPED],
  },
  {
    name: 'input.review.oldObject == null (oldObject is set on every UPDATE)',
    rego: ALL_LISTS('input.review.oldObject == null'),
    fires: [at(SKIPPED, ALL_LISTS('input.review.oldObject == null'), 'input.review.oldObject')],
    silent: [UNCHECKED],
  },
  {
    name: 'not input.review.oldObject',
    rego: ALL_LISTS('not input.review.oldObject'),
    fires: [at(SKIPPED, ALL_LISTS('not input.review.oldObject'), 'not input.review.oldObject')],
    silent: [UNCHECKED],
  },
  // 4. The gatekeeper-library shape: a keyed helper holds the guard.
  {
    name: 'general_violation[{"field": …}] × 3 with not is_update(input.review) inside',
    rego: GENERAL_VIOLATION,
    libs: [IS_UPDATE_LIB],
    fires: [at(SKIPPED, GENERAL_VIOLATION, 'not is_update(input.review)')],
    silent: [UNCHECKED, 'init-containers-unchecked'],
  },
];

describe('the kubectl debug request in Rego guards', () => {
  it.each(cases)('$name', ({ rego, libs, fires, silent }) => {
    const text = `${template(rego, libs ? { libs } : {})}---\n${constraint()}`;
    const result = auditFiles({ 'template.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of fires) expect(got).toContainEqual({ ...f, file: 'template.yaml' });
    for (const id of silent) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
  });
});

// 6. Logic that removes ephemeral containers before checking is not coverage of them.
const BODY = (...lines: string[]): string => `package privileged

violation[{"msg": "privileged"}] {
${lines.map((l) => `    ${l}\n`).join('')}}
`;

const FILTER = BODY(
  'lists := object.filter(input.review.object.spec, ["containers", "initContainers"])',
  'c := lists[_][_]',
  'c.securityContext.privileged',
);
const FILTER_ALL = BODY(
  'lists := object.filter(input.review.object.spec, ["containers", "initContainers", "ephemeralContainers"])',
  'c := lists[_][_]',
  'c.securityContext.privileged',
);
const REMOVE = BODY('spec := object.remove(input.review.object.spec, ["ephemeralContainers", "volumes"])', 'c := spec[_][_]', 'c.securityContext.privileged');
const REMOVE_OTHER = BODY('spec := object.remove(input.review.object.spec, ["volumes"])', 'c := spec[_][_]', 'c.securityContext.privileged');
const NOT_EQUAL_KEY = BODY('cs := [c | c := input.review.object.spec[k][_]; k != "ephemeralContainers"]', 'cs[_].securityContext.privileged');
const LISTS = 'lists := ["containers", "initContainers", "ephemeralContainers"]';
const NOT_EQUAL_CONST = `package privileged

${LISTS}

violation[{"msg": "privileged"}] {
    k := lists[_]
    k != "ephemeralContainers"
    c := input.review.object.spec[k][_]
    c.securityContext.privileged
}
`;
const NOT_EQUAL_CONST_LATER = `package privileged

${LISTS}

violation[{"msg": "privileged"}] {
    c := input.review.object.spec[k][_]
    c.securityContext.privileged
    k := lists[_]
    not k == "ephemeralContainers"
}
`;
const UNION_OVERRIDE = BODY('spec := object.union(input.review.object.spec, {"ephemeralContainers": []})', 'c := spec[_][_]', 'c.securityContext.privileged');
const UNION_MERGE = BODY(
  'c := input.review.object.spec[_][_]',
  'merged := object.union(c, {"securityContext": {"runAsNonRoot": true}})',
  'merged.securityContext.privileged',
);
const UNION_DEFAULTS = `package privileged

import future.keywords.in

violation[{"msg": "privileged"}] {
    spec := object.union({"ephemeralContainers": []}, input.review.object.spec)
    c := spec[k][_]
    k in {"containers", "initContainers"}
    c.securityContext.privileged
}
`;
const NO_DEBUG_CONTAINER = BODY(
  'count(object.get(input.review.object.spec, "ephemeralContainers", [])) == 0',
  'c := input.review.object.spec[_][_]',
  'c.securityContext.privileged',
);
const WITH_NO_EPHEMERAL = `package privileged

violation[{"msg": "privileged"}] {
    privileged_container with input.review.object.spec.ephemeralContainers as []
}

privileged_container {
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
}
`;
const JSON_REMOVE = BODY('pod := json.remove(input.review.object, ["spec/ephemeralContainers"])', 'c := pod.spec[_][_]', 'c.securityContext.privileged');
const WALK_INPUT = BODY('walk(input, [path, value])', 'path[count(path) - 1] == "privileged"', 'value == true');
const WALK_PATHS = BODY('walk(input.review.object, [path, value])', 'path[count(path) - 1] == "privileged"', 'value == true');

const failOpen: Case[] = [
  {
    name: 'object.filter(spec, ["containers", "initContainers"]) then lists[_][_]',
    rego: FILTER,
    fires: [at(UNCHECKED, FILTER, 'object.filter(')],
    silent: [UNANALYZABLE],
  },
  {
    name: 'object.filter keeping all three lists covers them',
    rego: FILTER_ALL,
    fires: [],
    silent: [UNCHECKED, 'init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'object.remove(spec, ["ephemeralContainers", …]) then spec[_][_]',
    rego: REMOVE,
    fires: [at(UNCHECKED, REMOVE, 'spec[_][_]')],
    silent: ['init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'object.remove of another key keeps every list',
    rego: REMOVE_OTHER,
    fires: [],
    silent: [UNCHECKED, 'init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'a comprehension excluding k != "ephemeralContainers"',
    rego: NOT_EQUAL_KEY,
    fires: [at(UNCHECKED, NOT_EQUAL_KEY, 'input.review.object.spec[k][_]')],
    silent: ['init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'k := lists[_]; k != "ephemeralContainers"; spec[k][_]',
    rego: NOT_EQUAL_CONST,
    fires: [at(UNCHECKED, NOT_EQUAL_CONST, 'input.review.object.spec[k][_]')],
    silent: ['init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'spec[k][_] with k from a list and not k == "ephemeralContainers" after it',
    rego: NOT_EQUAL_CONST_LATER,
    fires: [at(UNCHECKED, NOT_EQUAL_CONST_LATER, 'input.review.object.spec[k][_]')],
    silent: ['init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'object.union(spec, {"ephemeralContainers": []}) empties the list',
    rego: UNION_OVERRIDE,
    fires: [at(UNCHECKED, UNION_OVERRIDE, 'spec[_][_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'object.union merges objects: a nested object does not replace what it is merged into',
    rego: UNION_MERGE,
    fires: [],
    silent: [UNCHECKED, 'init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'object.union(defaults, spec) then spec[k][_]; k in {"containers", "initContainers"}',
    rego: UNION_DEFAULTS,
    fires: [at(UNCHECKED, UNION_DEFAULTS, 'spec[k][_]')],
    silent: ['init-containers-unchecked', UNANALYZABLE],
  },
  {
    name: 'count(ephemeralContainers) == 0 switches the rule off for every debug container',
    rego: NO_DEBUG_CONTAINER,
    fires: [at(UNCHECKED, NO_DEBUG_CONTAINER, 'count(object.get')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'with input.review.object.spec.ephemeralContainers as [] is reported and not counted',
    rego: WITH_NO_EPHEMERAL,
    fires: [at(UNANALYZABLE, WITH_NO_EPHEMERAL, 'with input')],
    silent: [],
  },
  {
    name: 'walk() over the object to find fields is unanalyzable',
    rego: WALK_PATHS,
    fires: [at(UNANALYZABLE, WALK_PATHS, 'walk(')],
    silent: [],
  },
  {
    name: 'walk(input) is unanalyzable too',
    rego: WALK_INPUT,
    fires: [at(UNANALYZABLE, WALK_INPUT, 'walk(')],
    silent: [],
  },
  {
    name: 'json.remove on the object by JSON path is unanalyzable, never coverage',
    rego: JSON_REMOVE,
    fires: [at(UNANALYZABLE, JSON_REMOVE, 'json.remove(')],
    silent: [],
  },
];

describe('logic that removes ephemeral containers is not coverage', () => {
  it.each(failOpen)('$name', ({ rego, libs, fires, silent }) => {
    const text = `${template(rego, libs ? { libs } : {})}---\n${constraint()}`;
    const result = auditFiles({ 'template.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of fires) expect(got).toContainEqual({ ...f, file: 'template.yaml' });
    for (const id of silent) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
    // Whatever else is reported, no check of ephemeral containers may be counted.
    const ephemeral = result.policies.flatMap((p) => p.rules.filter((r) => !r.scope.updateSkipped).flatMap((r) => r.checks.filter((c) => c.location === 'ephemeralContainers')));
    if (fires.length > 0) expect(ephemeral).toEqual([]);
    // …and where nothing is removed, ephemeral containers are still checked.
    else expect(ephemeral.length).toBeGreaterThan(0);
  });
});

// 8. Exemptions written in Rego: who may send kubectl debug, and the name it gives its container.
const EXEMPT = 'exemption-admits-debug-images';

const TRUSTED = `package privileged

trusted_groups := {"system:masters", "sre"}

trusted_user {
    trusted_groups[input.review.userInfo.groups[_]]
}

violation[{"msg": msg}] {
    not trusted_user
    c := input.review.object.spec[_][_]
    not startswith(c.name, "debugger-")
    c.securityContext.privileged
    msg := sprintf("privileged container %v (user %v)", [c.name, input.review.userInfo.username])
}
`;

const USERNAME = ALL_LISTS('input.review.userInfo.username != "cluster-admin"');

const NAME_IN_CONTAINERS_ONLY = `package privileged

violation[{"msg": "privileged"}] {
    c := input.review.object.spec.containers[_]
    c.name != "istio-proxy"
    c.securityContext.privileged
}

violation[{"msg": "privileged"}] {
    c := input.review.object.spec.ephemeralContainers[_]
    c.securityContext.privileged
}
`;

const NAME_ONLY_IN_MESSAGE = `package privileged

violation[{"msg": msg}] {
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}
`;

const NAME_RULE = `package names

violation[{"msg": "container names must be lowercase"}] {
    c := input.review.object.spec[_][_]
    not regex.match("^[a-z0-9-]+$", c.name)
}
`;

const exemptions: Case[] = [
  {
    name: 'not trusted_user (groups) and not startswith(c.name, "debugger-")',
    rego: TRUSTED,
    fires: [at(EXEMPT, TRUSTED, 'not trusted_user'), at(EXEMPT, TRUSTED, 'not startswith(c.name')],
    silent: [SKIPPED, UNCHECKED],
  },
  {
    name: 'a username test is a user exemption',
    rego: USERNAME,
    fires: [at(EXEMPT, USERNAME, 'input.review.userInfo.username')],
    silent: [SKIPPED],
  },
  {
    name: 'a name test on containers only lets no debug container through',
    rego: NAME_IN_CONTAINERS_ONLY,
    fires: [],
    silent: [EXEMPT],
  },
  {
    name: 'a name and user only formatted into the message are no exemption',
    rego: NAME_ONLY_IN_MESSAGE,
    fires: [],
    silent: [EXEMPT],
  },
  {
    name: 'a rule about the names themselves checks no control: no exemption',
    rego: NAME_RULE,
    fires: [],
    silent: [EXEMPT],
  },
];

describe('exemptions written in Rego', () => {
  it.each(exemptions)('$name', ({ rego, fires, silent }) => {
    const text = `${template(rego)}---\n${constraint()}`;
    const result = auditFiles({ 'template.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of fires) expect(got).toContainEqual({ ...f, file: 'template.yaml' });
    for (const id of silent) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
  });

  test('the exemption facts: kind, value and where', () => {
    const text = `${template(TRUSTED)}---\n${constraint()}`;
    const [policy] = auditFiles({ 'template.yaml': text }).policies;
    expect(policy!.exemptions.map((e) => [e.kind, e.value, e.at.line, e.admitsArbitraryDebug])).toEqual([
      ['user', 'not trusted_user', at(EXEMPT, TRUSTED, 'not trusted_user').line, true],
      ['containerName', 'not startswith(c.name, "debugger-")', at(EXEMPT, TRUSTED, 'not startswith(c.name').line, true],
    ]);
  });
});
