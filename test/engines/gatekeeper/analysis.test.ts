/**
 * The Rego data-flow analysis on its own: which lists and controls each construct reaches, what it
 * reports as unanalyzable, and what it deliberately does not count as a check.
 */
import { parseModule } from '../../../src/engines/rego';
import { analyzeEntries, GATEKEEPER_ROOTS, RAW_ROOTS, RulesIndex, type RegoModule } from '../../../src/engines/rego/analysis';

function analyse(sources: string[], opts: { raw?: boolean; maxSteps?: number } = {}) {
  const modules: RegoModule[] = sources.map((text, i) => ({
    module: parseModule(text),
    text,
    locate: (p) => ({ file: `m${i}.rego`, line: p.line, column: p.column }),
  }));
  return analyzeEntries(modules[0]!, new RulesIndex(modules), {
    roots: opts.raw ? RAW_ROOTS : GATEKEEPER_ROOTS,
    isEntry: (n) => n === 'violation' || n === 'deny',
    ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
  });
}

/** `location:control` pairs of every check, sorted, for one-line assertions. */
function coverage(sources: string[], opts: { raw?: boolean } = {}): string[] {
  const out = new Set<string>();
  for (const r of analyse(sources, opts).rules) for (const c of r.checks) out.add(`${c.location}:${c.control}`);
  return [...out].sort();
}

const problems = (sources: string[], maxSteps?: number): string[] =>
  analyse(sources, maxSteps ? { maxSteps } : {}).rules.flatMap((r) => r.unanalyzable.map((u) => `${u.at.line}:${u.at.column} ${u.reason}`));

const ALL = (control: string): string[] => ['containers', 'ephemeralContainers', 'initContainers'].map((l) => `${l}:${control}`);

describe('Rego analysis: what reaches a check', () => {
  test.each([
    {
      name: 'object.get with a path array',
      rego: `package p
violation[{"msg": "x"}] {
  c := input.review.object.spec.initContainers[_]
  object.get(c, ["securityContext", "runAsUser"], 1) == 0
}`,
      want: ['initContainers:runAsUser'],
    },
    {
      name: 'object.get with a key, chained, and a default that is a path',
      rego: `package p
violation[{"msg": "x"}] {
  sc := object.get(input.review.object.spec, "securityContext", {})
  object.get(sc, "runAsNonRoot", input.review.object.spec.hostNetwork) == false
}`,
      want: ['pod:hostNamespaces', 'pod:runAsNonRoot'],
    },
    {
      name: 'function arguments bound to patterns, several definitions',
      rego: `package p
violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  bad(c.securityContext)
}
bad({"privileged": p}) { p == true }
bad(sc) { sc.procMount == "Unmasked" }`,
      want: ['containers:privileged', 'containers:procMount'],
    },
    {
      name: 'a function returning the list it was given the name of',
      rego: `package p
violation[{"msg": "x"}] {
  c := containers_of(input.review.object, "ephemeralContainers")[_]
  c.securityContext.privileged
}
containers_of(obj, list) = obj.spec[list]`,
      want: ['ephemeralContainers:privileged'],
    },
    {
      name: 'an else chain contributes every branch',
      rego: `package p
violation[{"msg": "x"}] {
  spec := pod_spec
  spec.containers[_].securityContext.privileged
}
pod_spec = input.review.object.spec.template.spec { input.review.object.kind == "Deployment" } else = input.review.object.spec`,
      want: ['containers:privileged'],
    },
    {
      name: 'comprehensions filter with checks',
      rego: `package p
violation[{"msg": "x"}] {
  bad := {c.name | c := input.review.object.spec.ephemeralContainers[_]; c.securityContext.capabilities.add[_] == "NET_RAW"}
  count(bad) > 0
}`,
      want: ['ephemeralContainers:capabilities_baseline', 'ephemeralContainers:capabilities_restricted'],
    },
    {
      name: 'some k, v in an object built by a rule',
      rego: `package p
import future.keywords.in
by_name[c.name] := c { c := input.review.object.spec.initContainers[_] }
violation[{"msg": "x"}] {
  some name, c in by_name
  c.securityContext.seLinuxOptions.type != "container_t"
}`,
      want: ['initContainers:seLinuxOptions'],
    },
    {
      name: 'every over a list',
      rego: `package p
import future.keywords.every
import future.keywords.in
violation[{"msg": "x"}] {
  not all_drop
}
all_drop {
  every c in input.review.object.spec.containers { "ALL" in c.securityContext.capabilities.drop }
}`,
      want: ['containers:capabilities_restricted'],
    },
    {
      name: 'a chain of variables used before they are assigned',
      rego: `package p
violation[{"msg": "x"}] {
  c := input.review.object.spec[list][_]
  list := names[0]
  names := ["initContainers"]
  c.securityContext.privileged
}`,
      want: ['initContainers:privileged'],
    },
    {
      name: 'a list key narrowed by a later comparison',
      rego: `package p
violation[{"msg": "x"}] {
  input.review.object.spec[k][_].securityContext.privileged
  k == "initContainers"
}`,
      want: ['initContainers:privileged'],
    },
    {
      name: 'a list key narrowed by a later membership test',
      rego: `package p
import future.keywords.in
violation[{"msg": "x"}] {
  c := input.review.object.spec[k][_]
  k in {"containers", "ephemeralContainers"}
  c.securityContext.privileged
}`,
      want: ['containers:privileged', 'ephemeralContainers:privileged'],
    },
    {
      name: 'an import of an input path with an alias',
      rego: `package p
import input.review.object.spec as spec
violation[{"msg": "x"}] { spec.hostPID }`,
      want: ['pod:hostNamespaces'],
    },
    {
      name: 'a default value and a complete rule',
      rego: `package p
default host_network := false
host_network := v { v := input.review.object.spec.hostNetwork }
violation[{"msg": "x"}] { host_network == true }`,
      want: ['pod:hostNamespaces'],
    },
    {
      name: 'fields only formatted into the message are not checks',
      rego: `package p
violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  c.name == "app"
  msg := sprintf("%v %v", [c.securityContext, concat(",", c.securityContext.capabilities.add)])
}`,
      want: [],
    },
    {
      name: 'the exemptImages test is not an image check',
      rego: `package p
violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  not exempt(c)
  c.securityContext.privileged
}
exempt(c) { startswith(c.image, trim_suffix(input.parameters.exemptImages[_], "*")) }`,
      want: ['containers:privileged'],
    },
    {
      name: 'an image allow-list from parameters is an image check',
      rego: `package p
violation[{"msg": "x"}] {
  c := input.review.object.spec[_][_]
  not startswith(c.image, input.parameters.repos[_])
}`,
      want: ALL('image'),
    },
  ])('$name', ({ rego, want }) => {
    expect(coverage([rego])).toEqual(want);
  });

  test('manifest-style roots: input is the object', () => {
    expect(coverage([`package main\ndeny[m] { input.spec.template.spec.containers[_].securityContext.privileged; m := "x" }`], { raw: true })).toEqual([
      'containers:privileged',
    ]);
  });

  test('the parameters a template reads are recorded', () => {
    const a = analyse([`package p\nviolation[{"msg": "x"}] {\n  object.get(input, ["parameters", "allowed"], [])[_] == input.review.object.spec.containers[_].image\n}`]);
    expect([...a.parameters]).toEqual(['allowed']);
  });

  test('reading only pod templates is reported with the place it happens', () => {
    const [rule] = analyse([`package p\nviolation[{"msg": "x"}] {\n  c := input.review.object.spec.jobTemplate.spec.template.spec.containers[_]\n  c.securityContext.privileged\n}`]).rules;
    expect(rule!.templateOnlyAt).toEqual({ file: 'm0.rego', line: 3, column: 8 });
  });
});

describe('Rego analysis: what it cannot follow', () => {
  test.each([
    {
      name: 'data.inventory as the container source',
      rego: `package p
violation[{"msg": "x"}] {
  pod := data.inventory.namespace[ns]["v1"]["Pod"][name]
  pod.spec.containers[_].securityContext.privileged
}`,
      want: ['3:10 data.inventory feeds a checked expression (namespace.v1.Pod.spec.containers.securityContext.privileged); its data cannot be followed'],
    },
    {
      name: 'json.patch of the object',
      rego: `package p
violation[{"msg": "x"}] {
  patched := json.patch(input.review.object, input.parameters.patches)
  patched.spec.containers[_].securityContext.privileged
}`,
      want: ['3:14 json.patch() feeds a checked expression (spec.containers.securityContext.privileged); its data cannot be followed'],
    },
    {
      name: 'a function of a lib that is not there',
      rego: `package p
import data.lib.missing
violation[{"msg": "x"}] {
  c := missing.containers(input.review.object)[_]
  c.securityContext.privileged
}`,
      want: ['4:8 data.lib.missing.containers() (not in the scanned files) feeds a checked expression (securityContext.privileged); its data cannot be followed'],
    },
    {
      // On a container the same key only picks one of its fields (noise-review.test.ts).
      name: 'object.get with a key from the parameters on the pod spec',
      rego: `package p
violation[{"msg": "x"}] {
  c := object.get(input.review.object.spec, input.parameters.field, [])[_]
  c.securityContext.privileged
}`,
      want: ['3:8 object.get() with a computed key may read a container list or field under spec'],
    },
  ])('$name', ({ rego, want }) => {
    expect(problems([rego])).toEqual(want);
  });

  test('opaque data that no check reads is no problem', () => {
    expect(problems([`package p\nviolation[{"msg": msg}] {\n  input.review.object.spec.hostIPC\n  msg := http.send({"url": "x"}).body.text\n}`])).toEqual([]);
  });

  test('recursion is reported, not followed forever', () => {
    expect(problems([`package p\nviolation[{"msg": "x"}] { f(input.review.object) }\nf(x) { f(x.spec) }`])).toEqual([
      '3:8 function p.f refers to itself (OPA rejects recursion)',
    ]);
  });

  test('the work budget stops the analysis and says so', () => {
    const rego = `package p\nviolation[{"msg": "x"}] {\n  c := input.review.object.spec.containers[_]\n  c.securityContext.privileged\n}`;
    expect(problems([rego], 1)).toEqual(['2:1 too complex to follow: more than 1 evaluation steps (the policy is too large or too deeply layered)']);
    expect(analyse([rego], { maxSteps: 1 }).rules[0]!.checks).toEqual([]);
  });
});

describe('Rego analysis: UPDATE guards', () => {
  const skipped = (sources: string[]): (string | undefined)[] => analyse(sources).rules.map((r) => r.updateSkipped && `${r.name} ${r.updateSkipped.at.line}:${r.updateSkipped.at.column}`);

  test.each([
    { guard: 'input.review.operation == "CREATE"', skips: true },
    { guard: 'input.review.operation != "UPDATE"', skips: true },
    { guard: 'input.review.operation in {"CREATE", "DELETE"}', skips: true },
    { guard: 'not input.review.operation == "UPDATE"', skips: true },
    { guard: 'lower(input.review.operation) == "create"', skips: true },
    { guard: 'input.review.operation == "UPDATE"', skips: false },
    { guard: 'input.review.operation in {"CREATE", "UPDATE"}', skips: false },
    { guard: 'input.review.userInfo.username != "admin"', skips: false },
    { guard: 'not is_create', skips: false },
    { guard: 'is_create', skips: true },
    // Only the request is known: tests on the object, parameters or user are unknown and may hold.
    { guard: 'not input.review.object.metadata.annotations["policy.example.com/allow"]', skips: false },
    { guard: 'not input.parameters.allowPrivileged', skips: false },
    { guard: 'not input.review.object.spec.securityContext.runAsNonRoot', skips: false },
    { guard: 'input.review.userInfo.username != "admin"', skips: false },
    { guard: 'not input.review.userInfo', skips: true },
    // The kubectl debug request: subResource ephemeralcontainers, an old object, a Pod.
    { guard: 'input.review.subResource != "ephemeralcontainers"', skips: true },
    { guard: 'input.review.subResource == ""', skips: true },
    { guard: 'object.get(input.review, "subResource", "") == ""', skips: true },
    { guard: 'object.get(input.review, ["subResource"], "") == "ephemeralcontainers"', skips: false },
    { guard: 'input.review.oldObject == null', skips: true },
    { guard: 'is_null(input.review.oldObject)', skips: true },
    { guard: 'input.review.kind.kind != "Pod"', skips: true },
    { guard: 'startswith(input.review.operation, "CRE")', skips: true },
    { guard: 'input.review.operation == ["CREATE", "DELETE"][_]', skips: true },
    { guard: 'input.review.operation == ["CREATE", "UPDATE"][_]', skips: false },
    { guard: '{"CREATE"}[input.review.operation]', skips: true },
    { guard: 'not {"UPDATE", "DELETE"}[input.review.operation]', skips: true },
    { guard: 'count(input.review.object.spec.ephemeralContainers) > 0', skips: false },
    { guard: 'input.review.operation == "CREATE" with input.review.operation as "CREATE"', skips: false },
  ])('$guard skips UPDATE: $skips', ({ guard, skips }) => {
    const rego = `package p
import future.keywords.in
is_create { input.review.operation == "CREATE" }
violation[{"msg": "x"}] {
  ${guard}
  input.review.object.spec[_][_].securityContext.privileged
}`;
    expect(skipped([rego])).toEqual([skips ? 'violation 5:3' : undefined]);
  });

  test('a lib imported under an alias, negated, with an operation variable', () => {
    const lib = `package lib.ops\nis_update(review) {\n  op := review.operation\n  op == "UPDATE"\n}`;
    const rego = `package p\nimport data.lib.ops as o\nviolation[{"msg": "x"}] {\n  review := input.review\n  not o.is_update(review)\n  input.review.object.spec.containers[_].securityContext.privileged\n}`;
    expect(skipped([rego, lib])).toEqual(['violation 5:3']);
  });

  test('a helper body that skips UPDATE yields no ephemeral container', () => {
    const rego = `package p
pod_containers[c] { c := input.review.object.spec.containers[_] }
pod_containers[c] { input.review.operation == "CREATE"; c := input.review.object.spec[_][_] }
violation[{"msg": "x"}] {
  pod_containers[_].securityContext.privileged
}`;
    expect(coverage([rego])).toEqual(['containers:privileged', 'initContainers:privileged']);
    expect(skipped([rego])).toEqual([undefined]);
  });

  test('a function that skips UPDATE makes the violation body skip it too, reported at the guard inside it', () => {
    const rego = `package p
bad(c) { not is_update(input.review); c.securityContext.privileged }
is_update(r) { r.operation == "UPDATE" }
violation[{"msg": "x"}] {
  c := input.review.object.spec[_][_]
  bad(c)
}`;
    expect(skipped([rego])).toEqual(['violation 2:10']);
    // The whole body skips the request, so its ephemeral check is kept: it is reported as skipped, not as missing.
    expect(coverage([rego])).toEqual(ALL('privileged'));
  });

  test('a body false whenever the Pod has an ephemeral container checks none, and its gaps point at that test', () => {
    const rego = `package p
violation[{"msg": "x"}] {
  count(object.get(input.review.object.spec, "ephemeralContainers", [])) == 0
  input.review.object.spec[_][_].securityContext.privileged
}
violation[{"msg": "x"}] {
  input.review.object.spec.ephemeralContainers[_].securityContext.runAsUser == 0
}`;
    const rules = analyse([rego]).rules;
    expect(rules.map((r) => [r.name, r.updateSkipped, [...new Set(r.checks.map((c) => c.location))], r.listRefs.containers?.line])).toEqual([
      ['violation', undefined, ['ephemeralContainers'], undefined],
      ['violation (bodies that exclude ephemeral containers)', undefined, ['containers', 'initContainers'], 3],
    ]);
  });

  test('bodies that skip UPDATE and bodies that do not become two rules', () => {
    const rego = `package p
violation[{"msg": "x"}] {
  input.review.operation == "CREATE"
  input.review.object.spec.ephemeralContainers[_].securityContext.privileged
}
violation[{"msg": "x"}] {
  input.review.object.spec.containers[_].securityContext.privileged
}`;
    const rules = analyse([rego]).rules;
    expect(rules.map((r) => [r.name, r.updateSkipped?.at.line, [...new Set(r.checks.map((c) => c.location))]])).toEqual([
      ['violation', undefined, ['containers']],
      ['violation (bodies that skip UPDATE)', 3, ['ephemeralContainers']],
    ]);
  });
});
