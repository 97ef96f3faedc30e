/**
 * Gatekeeper compiles template Rego as v0 unless `source.version: "v1"`. In v0, `contains`, `if`,
 * `in` and `every` are keywords only after `import future.keywords…` or `import rego.v1`; a template
 * that uses one without it is rejected by Gatekeeper and enforces nothing, so it must be reported
 * as unanalyzable (at the first such keyword) and never counted as coverage.
 */
import { auditFiles, located, type Expected } from '../../helpers';
import { at, constraint, template, type TemplateOptions } from './helpers';

interface Case {
  name: string;
  rego: string;
  opts?: TemplateOptions;
  fires: Omit<Expected, 'file'>[];
  silent: string[];
}

const UNANALYZABLE = 'policy-unanalyzable';
const UNCHECKED = 'ephemeral-containers-unchecked';

const V1_SYNTAX = (imports: string): string => `package privileged
${imports}
violation contains {"msg": "privileged"} if {
    some c in input.review.object.spec.containers
    c.securityContext.privileged
}
`;

const SOME_IN = `package hostnamespaces

violation[{"msg": msg}] {
    shared := {ns | some ns in ["hostNetwork", "hostPID", "hostIPC"]; input.review.object.spec[ns] == true}
    count(shared) > 0
    msg := sprintf("pod shares host namespaces: %v", [shared])
}
`;

const EVERY = `package privileged

violation[{"msg": "privileged"}] {
    c := input.review.object.spec.containers[_]
    not all_dropped(c)
}

all_dropped(c) {
    every cap in c.securityContext.capabilities.add { cap == "NET_BIND_SERVICE" }
}
`;

const USES_LIB = `package privileged

import data.lib.pods

violation[{"msg": "privileged"}] {
    c := pods.containers[_]
    c.securityContext.privileged
}
`;

const LIB_WITH_IF = `package lib.pods

containers contains c if {
    c := input.review.object.spec[_][_]
}
`;

const cases: Case[] = [
  {
    name: 'contains and if in a plain v0 template: unanalyzable at contains',
    rego: V1_SYNTAX(''),
    fires: [at(UNANALYZABLE, V1_SYNTAX(''), 'contains')],
    silent: [UNCHECKED],
  },
  {
    name: 'the same with import future.keywords is analysed',
    rego: V1_SYNTAX('\nimport future.keywords\n'),
    fires: [at(UNCHECKED, V1_SYNTAX('\nimport future.keywords\n'), 'input.review.object.spec.containers')],
    silent: [UNANALYZABLE],
  },
  {
    name: 'the same with import rego.v1 is analysed',
    rego: V1_SYNTAX('\nimport rego.v1\n'),
    fires: [at(UNCHECKED, V1_SYNTAX('\nimport rego.v1\n'), 'input.review.object.spec.containers')],
    silent: [UNANALYZABLE],
  },
  {
    name: 'the same with source.version: v1 is analysed',
    rego: V1_SYNTAX(''),
    opts: { v1: true },
    fires: [at(UNCHECKED, V1_SYNTAX(''), 'input.review.object.spec.containers', { v1: true })],
    silent: [UNANALYZABLE],
  },
  {
    name: 'only import future.keywords.contains: if is still missing',
    rego: V1_SYNTAX('\nimport future.keywords.contains\n'),
    fires: [at(UNANALYZABLE, V1_SYNTAX('\nimport future.keywords.contains\n'), 'if {')],
    silent: [UNCHECKED],
  },
  {
    name: 'some … in without import future.keywords.in',
    rego: SOME_IN,
    fires: [at(UNANALYZABLE, SOME_IN, 'in [')],
    silent: [],
  },
  {
    name: 'every without import future.keywords.every',
    rego: EVERY,
    fires: [at(UNANALYZABLE, EVERY, 'every cap')],
    silent: [UNCHECKED],
  },
  {
    name: 'a lib using contains/if without import: unanalyzable in the lib',
    rego: USES_LIB,
    opts: { libs: [LIB_WITH_IF] },
    fires: [at(UNANALYZABLE, USES_LIB, 'contains c', { lib: { index: 0, libs: [LIB_WITH_IF] } })],
    silent: [UNCHECKED],
  },
];

describe('Rego v0 templates that use future keywords without importing them', () => {
  it.each(cases)('$name', ({ rego, opts, fires, silent }) => {
    const text = `${template(rego, opts)}---\n${constraint()}`;
    const result = auditFiles({ 'template.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of fires) expect(got).toContainEqual({ ...f, file: 'template.yaml' });
    for (const id of silent) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
  });

  test('the rejected template provides no coverage and says why', () => {
    const result = auditFiles({ 'template.yaml': `${template(V1_SYNTAX(''))}---\n${constraint()}` });
    expect(result.policies.flatMap((p) => p.rules)).toEqual([]);
    const [f] = result.findings.filter((x) => x.ruleId === UNANALYZABLE);
    expect(f!.message).toContain(
      'uses keyword `contains` without `import future.keywords.contains` or `import rego.v1`: Gatekeeper rejects this template',
    );
  });
});
