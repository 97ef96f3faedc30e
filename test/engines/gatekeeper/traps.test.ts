/**
 * The traps grep falls into, through the whole pipeline: each case is a ConstraintTemplate (and a
 * constraint matching Pods) with the rule ids that must fire, where, and those that must not.
 */
import { auditFiles, located, type Expected } from '../../helpers';
import { at, constraint, template } from './helpers';

interface Case {
  name: string;
  text: string;
  fires: Omit<Expected, 'file'>[];
  silent?: string[];
}

const UNCHECKED = ['ephemeral-containers-unchecked', 'init-containers-unchecked'];

const ALL_LISTS_HELPER = `pod_containers[c] {
    c := input.review.object.spec.containers[_]
}

pod_containers[c] {
    c := input.review.object.spec.initContainers[_]
}

pod_containers[c] {
    c := input.review.object.spec.ephemeralContainers[_]
}
`;

const PRIVILEGED_VIA_HELPER = `package privileged

violation[{"msg": msg}] {
    c := pod_containers[_]
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}

${ALL_LISTS_HELPER}`;

const COMMENT_ONLY = `package privileged

# Also covers spec.ephemeralContainers (see input.review.object.spec.ephemeralContainers)
violation[{"msg": "privileged"}] {
    c := input.review.object.spec.containers[_]
    c.securityContext.privileged
}

violation[{"msg": "privileged init container"}] {
    c := input.review.object.spec.initContainers[_]
    c.securityContext.privileged
}
`;

const TWO_BODY_HELPER = PRIVILEGED_VIA_HELPER.replace(
  `

pod_containers[c] {
    c := input.review.object.spec.ephemeralContainers[_]
}`,
  '',
);

const KEYED_BY_NAME = (lists: string[]): string => `package escalation

violation[{"msg": msg}] {
    c := by_name[name]
    c.securityContext.allowPrivilegeEscalation == true
    msg := sprintf("container %v allows privilege escalation", [name])
}
${lists.map((l) => `\nby_name[c.name] = c {\n    c := input.review.object.spec.${l}[_]\n}\n`).join('')}`;

const LIB_LISTS = (lists: string[]): string => `package lib.pods

containers[c] {
    c := input.review.object.spec[list][_]
    list := ${JSON.stringify(lists)}[_]
}
`;

const USES_LIB = `package capabilities

import data.lib.pods

violation[{"msg": msg}] {
    c := pods.containers[_]
    c.securityContext.capabilities.add[_] == "SYS_ADMIN"
    msg := sprintf("container %v adds SYS_ADMIN", [c.name])
}
`;

const FIELD_FROM_RULE_HEAD = `package runasnonroot

checked_lists := {"containers", "initContainers"}

violation[{"msg": msg}] {
    field := checked_lists[_]
    c := input.review.object.spec[field][_]
    not c.securityContext.runAsNonRoot
    msg := sprintf("%v %v must run as non-root", [field, c.name])
}
`;

const FIELD_FROM_SET_HEADS = `package runasnonroot

checked_lists["containers"]
checked_lists["initContainers"]

violation[{"msg": msg}] {
    c := input.review.object.spec[field][_]
    checked_lists[field]
    not c.securityContext.runAsNonRoot
    msg := sprintf("%v %v must run as non-root", [field, c.name])
}
`;

const FIELD_BOUND_LATER = `package runasnonroot

pod_containers[c] {
    c := input.review.object.spec[field][_]
    field := "containers"
}

pod_containers[c] {
    c := input.review.object.spec[field][_]
    field := "initContainers"
}

violation[{"msg": "must run as non-root"}] {
    c := pod_containers[_]
    c.securityContext.runAsNonRoot == false
}
`;

const KEYED_HELPER = (lists: string[]): string => `package capabilities
${lists.map((l) => `
violation[{"msg": msg}] {
    general_violation[{"msg": msg, "field": "${l}"}]
}
`).join('')}
general_violation[{"msg": msg, "field": field}] {
    c := input.review.object.spec[field][_]
    c.securityContext.capabilities.add[_] == "SYS_ADMIN"
    msg := sprintf("%v %v adds SYS_ADMIN", [field, c.name])
}
`;

const ALL_KEYS = `package procmount

violation[{"msg": msg}] {
    c := input.review.object.spec[_][_]
    c.securityContext.procMount == "Unmasked"
    msg := sprintf("container %v uses an unmasked /proc", [c.name])
}
`;

const V1 = (lists: string[]): string => `package privileged

violation contains {"msg": msg} if {
    some c in pod_containers
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}
${lists.map((l) => `\npod_containers contains c if some c in input.review.object.spec.${l}\n`).join('')}`;

const UPDATE_LIB = `package lib.updates

is_update(review) {
    review.operation == "UPDATE"
}
`;

const GUARDED = `package privileged

import data.lib.updates.is_update

violation[{"msg": msg}] {
    not is_update(input.review)
    c := pod_containers[_]
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}

${ALL_LISTS_HELPER}`;

const OPERATION = (test: string): string => `package privileged

violation[{"msg": "privileged"}] {
    ${test}
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
}
`;

const TEMPLATE_ONLY = `package privileged

violation[{"msg": "privileged"}] {
    c := input.review.object.spec.template.spec.containers[_]
    c.securityContext.privileged
}

violation[{"msg": "privileged"}] {
    c := input.review.object.spec.template.spec.initContainers[_]
    c.securityContext.privileged
}

violation[{"msg": "privileged"}] {
    c := input.review.object.spec.template.spec.ephemeralContainers[_]
    c.securityContext.privileged
}
`;

const HOST_PROCESS_CONTAINERS = `package hostprocess

violation[{"msg": "hostProcess"}] {
    c := input.review.object.spec.containers[_]
    object.get(c, ["securityContext", "windowsOptions", "hostProcess"], false)
}
`;

const HOST_PROCESS_FULL = `package hostprocess

violation[{"msg": "hostProcess"}] {
    input.review.object.spec.securityContext.windowsOptions.hostProcess
}

violation[{"msg": "hostProcess"}] {
    c := input.review.object.spec[_][_]
    object.get(c, ["securityContext", "windowsOptions", "hostProcess"], false)
}
`;

const MESSAGE_ONLY = `package images

violation[{"msg": msg}] {
    c := input.review.object.spec.containers[_]
    endswith(c.image, ":latest")
    msg := sprintf("container %v uses :latest (securityContext %v)", [c.name, c.securityContext])
}
`;

const DYNAMIC_KEY = `package configurable

violation[{"msg": "privileged"}] {
    c := input.review.object.spec[input.parameters.list][_]
    c.securityContext.privileged
}
`;

const HTTP_SEND = `package external

violation[{"msg": "privileged"}] {
    pod := http.send({"method": "GET", "url": "https://pods.example/current"}).body
    c := pod.spec.containers[_]
    c.securityContext.privileged
}
`;

const WALK = `package walker

violation[{"msg": "privileged"}] {
    walk(input.review.object, [path, value])
    value.securityContext.privileged == true
}
`;

const withConstraint = (t: string): string => `${t}---\n${constraint()}`;

const cases: Case[] = [
  {
    name: 'ephemeralContainers only in a comment: fires at the containers reference',
    text: withConstraint(template(COMMENT_ONLY)),
    fires: [at('ephemeral-containers-unchecked', COMMENT_ONLY, 'input.review.object.spec.containers[_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'helper partial set with one body per list covers all three',
    text: withConstraint(template(PRIVILEGED_VIA_HELPER)),
    fires: [],
    silent: [...UNCHECKED, 'ephemeral-update-skipped'],
  },
  {
    name: 'helper partial set without the ephemeral body fires at the helper',
    text: withConstraint(template(TWO_BODY_HELPER)),
    fires: [at('ephemeral-containers-unchecked', TWO_BODY_HELPER, 'input.review.object.spec.containers[_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'helper object keyed by container name, containers and initContainers only',
    text: withConstraint(template(KEYED_BY_NAME(['containers', 'initContainers']))),
    fires: [at('ephemeral-containers-unchecked', KEYED_BY_NAME(['containers', 'initContainers']), 'input.review.object.spec.containers')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'helper object keyed by container name over all lists is clean',
    text: withConstraint(template(KEYED_BY_NAME(['containers', 'initContainers', 'ephemeralContainers']))),
    fires: [],
    silent: UNCHECKED,
  },
  {
    name: 'a lib imported as a package, with a constant list of two lists: fires inside the lib',
    text: withConstraint(template(USES_LIB, { libs: [LIB_LISTS(['containers', 'initContainers'])] })),
    fires: [
      at('ephemeral-containers-unchecked', USES_LIB, 'input.review.object.spec[list][_]', {
        lib: { index: 0, libs: [LIB_LISTS(['containers', 'initContainers'])] },
      }),
    ],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'the same lib over all three lists is clean',
    text: withConstraint(template(USES_LIB, { libs: [LIB_LISTS(['containers', 'initContainers', 'ephemeralContainers'])] })),
    fires: [],
    silent: UNCHECKED,
  },
  {
    name: 'spec[field][_] with field from a rule head naming two lists fires for the third',
    text: withConstraint(template(FIELD_FROM_RULE_HEAD)),
    fires: [at('ephemeral-containers-unchecked', FIELD_FROM_RULE_HEAD, 'input.review.object.spec[field][_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'spec[field][_] with field from v0 partial-set heads (checked_lists["containers"]) fires for the third',
    text: withConstraint(template(FIELD_FROM_SET_HEADS)),
    fires: [at('ephemeral-containers-unchecked', FIELD_FROM_SET_HEADS, 'input.review.object.spec[field][_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'spec[field][_] with field bound after its use (Rego reorders) fires for ephemeralContainers',
    text: withConstraint(template(FIELD_BOUND_LATER)),
    fires: [at('ephemeral-containers-unchecked', FIELD_BOUND_LATER, 'input.review.object.spec[field][_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'a helper queried with field "containers" and "initContainers": the constant reaches spec[field]',
    text: withConstraint(template(KEYED_HELPER(['containers', 'initContainers']))),
    fires: [at('ephemeral-containers-unchecked', KEYED_HELPER(['containers', 'initContainers']), 'input.review.object.spec[field][_]')],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'the same helper queried for all three lists is clean',
    text: withConstraint(template(KEYED_HELPER(['containers', 'initContainers', 'ephemeralContainers']))),
    fires: [],
    silent: UNCHECKED,
  },
  {
    name: 'spec[_][_] covers every list',
    text: withConstraint(template(ALL_KEYS)),
    fires: [],
    silent: UNCHECKED,
  },
  {
    name: 'Rego v1 (contains, if, some in) over containers and initContainers fires',
    text: withConstraint(template(V1(['containers', 'initContainers']), { v1: true })),
    fires: [at('ephemeral-containers-unchecked', V1(['containers', 'initContainers']), 'input.review.object.spec.containers', { v1: true })],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'Rego v1 over all three lists is clean',
    text: withConstraint(template(V1(['containers', 'initContainers', 'ephemeralContainers']), { v1: true })),
    fires: [],
    silent: UNCHECKED,
  },
  {
    name: 'not is_update(input.review) through a lib skips UPDATE',
    text: withConstraint(template(GUARDED, { libs: [UPDATE_LIB] })),
    fires: [at('ephemeral-update-skipped', GUARDED, 'not is_update(input.review)')],
    silent: UNCHECKED,
  },
  {
    name: 'input.review.operation == "CREATE" skips UPDATE',
    text: withConstraint(template(OPERATION('input.review.operation == "CREATE"'))),
    fires: [at('ephemeral-update-skipped', OPERATION('input.review.operation == "CREATE"'), 'input.review.operation')],
  },
  {
    name: 'input.review.operation != "DELETE" lets UPDATE through',
    text: withConstraint(template(OPERATION('input.review.operation != "DELETE"'))),
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'reading only spec.template.spec: pod-kind-unmatched at the template reference',
    text: withConstraint(template(TEMPLATE_ONLY)),
    fires: [at('pod-kind-unmatched', TEMPLATE_ONLY, 'input.review.object.spec.template.spec.containers[_]')],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'hostProcess on containers only is partial',
    text: withConstraint(template(HOST_PROCESS_CONTAINERS)),
    fires: [at('hostprocess-partial', HOST_PROCESS_CONTAINERS, 'object.get(c,')],
    silent: ['hostprocess-unchecked'],
  },
  {
    name: 'hostProcess at the pod level and in every list is clean',
    text: withConstraint(template(HOST_PROCESS_FULL)),
    fires: [],
    silent: ['hostprocess-partial', 'hostprocess-unchecked', ...UNCHECKED],
  },
  {
    name: 'fields printed in the message are not checks',
    text: withConstraint(template(MESSAGE_ONLY)),
    fires: [at('ephemeral-containers-unchecked', MESSAGE_ONLY, 'input.review.object.spec.containers[_]')],
    silent: ['hostprocess-partial'],
  },
  {
    name: 'a key computed from the parameters is unanalyzable, never coverage',
    text: withConstraint(template(DYNAMIC_KEY)),
    fires: [at('policy-unanalyzable', DYNAMIC_KEY, 'input.parameters.list')],
  },
  {
    name: 'http.send as the container source is unanalyzable',
    text: withConstraint(template(HTTP_SEND)),
    fires: [at('policy-unanalyzable', HTTP_SEND, 'http.send(')],
  },
  {
    name: 'walk() over the object is unanalyzable',
    text: withConstraint(template(WALK)),
    fires: [at('policy-unanalyzable', WALK, 'walk(')],
  },
];

describe('Gatekeeper analysis traps', () => {
  it.each(cases)('$name', ({ text, fires, silent }) => {
    const result = auditFiles({ 'template.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of fires) expect(got).toContainEqual({ ...f, file: 'template.yaml' });
    for (const id of silent ?? []) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
    if (fires.length === 0 && silent) expect(got.filter((g) => g.ruleId === 'policy-unanalyzable')).toEqual([]);
  });
});
