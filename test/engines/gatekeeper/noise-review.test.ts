/**
 * False positives from a noise review of a public template library, each with the shape that
 * caused it (Rego written for these tests) and the neighbouring shapes that must still be reported.
 *
 * 1. A container-name exemption comes only from a test of the name that can make the body skip a
 *    container — not from binding the name as an object key, formatting it into the message or
 *    building the key of an annotation whose value is then checked.
 * 2. A computed key from the constraint's parameters applied to one container picks a field of
 *    that container: it cannot pick another container list, so nothing is unanalyzable there.
 */
import { parseModule } from '../../../src/engines/rego';
import { analyzeEntries, GATEKEEPER_ROOTS, RulesIndex, type RegoModule } from '../../../src/engines/rego/analysis';
import { auditFiles, located } from '../../helpers';
import { at, constraint, MATCH_POD, template } from './helpers';

const EXEMPT = 'exemption-admits-debug-images';
const UNANALYZABLE = 'policy-unanalyzable';

/** `parameters`: lines of the constraint's `spec.parameters`, indented under it. */
function audited(rego: string, parameters: string[] = []) {
  const spec = [MATCH_POD, ...(parameters.length ? ['  parameters:', ...parameters.map((l) => `    ${l}`)] : [])].join('\n');
  const result = auditFiles({ 'template.yaml': `${template(rego)}---\n${constraint({ spec })}` });
  expect(result.errors).toEqual([]);
  const [policy] = result.policies;
  return {
    findings: located(result.findings).map(({ file: _file, ...f }) => f),
    exemptions: policy!.exemptions.map((e) => `${e.kind} ${e.value}`),
    checks: [...new Set(policy!.rules.flatMap((r) => r.checks.map((c) => `${c.location}:${c.control}`)))].sort(),
    unanalyzable: policy!.rules.flatMap((r) => r.unanalyzable.map((u) => `${u.at.line}:${u.at.column} ${u.reason}`)),
  };
}

function analyse(rego: string) {
  const mod: RegoModule = { module: parseModule(rego), text: rego, locate: (p) => ({ file: 'm.rego', line: p.line, column: p.column }) };
  return analyzeEntries(mod, new RulesIndex([mod]), { roots: GATEKEEPER_ROOTS, isEntry: (n) => n === 'violation' });
}

const problems = (rego: string): string[] => analyse(rego).rules.flatMap((r) => r.unanalyzable.map((u) => `${u.at.line}:${u.at.column} ${u.reason}`));
const checks = (rego: string): string[] =>
  [...new Set(analyse(rego).rules.flatMap((r) => r.checks.map((c) => `${c.location}:${c.control}`)))].sort();

const SECCOMP_LISTS = ['containers', 'ephemeralContainers', 'initContainers'].flatMap((l) => [
  `${l}:seccompProfile_baseline`,
  `${l}:seccompProfile_restricted`,
]);

// A seccomp-style template: containers keyed by name in a partial object, the name used for the
// message and for the key of a per-container annotation whose value is checked like the field.
const PROFILE_BY_NAME = `package profiles

annotation_prefix := "profiles.example.com/container."

violation[{"msg": msg}] {
    allowed := {p | p := input.parameters.allowed[_]}
    container := containers_by_name[name]
    found := profile(container)
    not allowed[found.value]
    msg := sprintf("container %v runs with profile %v from %v", [name, found.value, found.source])
}

profile(container) = {"value": v, "source": "securityContext"} {
    v := container.securityContext.seccompProfile.type
}

profile(container) = {"value": v, "source": "annotation"} {
    not container.securityContext.seccompProfile.type
    v := pod_annotation(annotation_key(container.name))
}

annotation_key(name) = k {
    k := concat("", [annotation_prefix, name])
}

pod_annotation(key) = v {
    v := input.review.object.metadata.annotations[key]
}

containers_by_name[c.name] = c {
    c := input.review.object.spec.containers[_]
}

containers_by_name[c.name] = c {
    c := input.review.object.spec.initContainers[_]
}

containers_by_name[c.name] = c {
    c := input.review.object.spec.ephemeralContainers[_]
}
`;

/** PROFILE_BY_NAME's violation with `extra` lines after the containers are bound. */
const withNameTest = (...extra: string[]): string =>
  PROFILE_BY_NAME.replace('    found := profile(container)\n', `${extra.map((l) => `    ${l}\n`).join('')}    found := profile(container)\n`);

describe('1. a container-name exemption needs a test of the name', () => {
  test('a name bound as an object key, formatted and turned into an annotation key is no exemption', () => {
    const got = audited(PROFILE_BY_NAME);
    expect(got.exemptions).toEqual([]);
    expect(got.findings.filter((f) => f.ruleId === EXEMPT)).toEqual([]);
    // …and the profile is still checked on every list, the ephemeral one included.
    expect(got.checks).toEqual(SECCOMP_LISTS);
    expect(got.unanalyzable).toEqual([]);
  });

  test('the annotation key read directly in the body (not through a helper) is no exemption either', () => {
    const rego = `package profiles

violation[{"msg": msg}] {
    c := input.review.object.spec[_][_]
    not c.securityContext.seccompProfile.type
    v := input.review.object.metadata.annotations[concat("/", ["profiles.example.com", c.name])]
    v != "runtime/default"
    msg := sprintf("container %v: profile %v", [c.name, v])
}
`;
    const got = audited(rego);
    expect(got.exemptions).toEqual([]);
    expect(got.checks).toEqual(SECCOMP_LISTS);
  });

  test.each([
    { name: 'a prefix test of the key the object was iterated with', line: 'not startswith(name, "debug-")' },
    { name: 'a suffix test', line: 'not endswith(container.name, "-debugger")' },
    { name: 'a regular expression', line: 'not regex.match("^debug-[a-z]+$", name)' },
    { name: 'a comparison', line: 'name != "toolbox"' },
    { name: 'membership in a constant set', line: 'not {"toolbox", "debugger"}[name]' },
    { name: 'membership in the parameters', line: 'not name_exempt(name)' },
    { name: 'a helper that tests the name', line: 'not debug_name(container.name)' },
  ])('$name is an exemption, reported where it is written', ({ line }) => {
    const rego = `${withNameTest(line)}
name_exempt(n) {
    input.parameters.exemptNames[_] == n
}

debug_name(n) {
    startswith(n, "debug-")
}
`;
    // The constraint names an exempt container: with no such parameter the helper could never hold.
    const got = audited(rego, ['exemptNames: ["toolbox"]']);
    expect(got.exemptions).toEqual([`containerName ${line}`]);
    expect(got.findings).toContainEqual(at(EXEMPT, rego, line));
    // The name is unknown for the debug request: no test of it makes the body skip that request.
    expect(got.findings.filter((f) => f.ruleId === 'ephemeral-update-skipped')).toEqual([]);
    expect(got.checks).toEqual(SECCOMP_LISTS);
  });

  test('a name test in a template that never looks at ephemeral containers exempts no debug container', () => {
    const rego = withNameTest('not startswith(name, "debug-")').replace(
      /\ncontainers_by_name\[c\.name\] = c \{\n {4}c := input\.review\.object\.spec\.ephemeralContainers\[_\]\n\}\n/,
      '',
    );
    expect(rego).not.toContain('ephemeralContainers');
    expect(audited(rego).exemptions).toEqual([]);
  });
});

// A requiredprobes-style template: the probes a container must have, and the handler fields a
// probe may use, are named by the constraint's parameters.
const PROBES = `package probes

violation[{"msg": msg}] {
    container := input.review.object.spec.containers[_]
    probe := input.parameters.probes[_]
    not container[probe]
    msg := sprintf("container %v has no %v", [container.name, probe])
}

violation[{"msg": msg}] {
    container := input.review.object.spec.containers[_]
    probe := input.parameters.probes[_]
    handlers := {h | container[probe][h]}
    allowed := {h | h := input.parameters.handlers[_]}
    count(handlers & allowed) == 0
    msg := sprintf("container %v: %v uses none of %v", [container.name, probe, allowed])
}
`;

describe('2. a key from the parameters applied to one container', () => {
  test('picks a field of that container: nothing is unanalyzable, and no control is claimed', () => {
    const got = audited(PROBES);
    expect(got.unanalyzable).toEqual([]);
    expect(got.findings.filter((f) => f.ruleId === UNANALYZABLE)).toEqual([]);
    expect(got.checks).toEqual([]);
  });

  test('the same through object.get, a helper and an iteration over all lists', () => {
    const rego = `package probes
violation[{"msg": "x"}] {
  c := input.review.object.spec[_][_]
  probe := input.parameters.probes[_]
  not has_field(c, probe)
  object.get(c, input.parameters.field, false) == true
}
has_field(obj, f) { obj[f] }`;
    expect(problems(rego)).toEqual([]);
    expect(checks(rego)).toEqual([]);
  });

  test('a field below the picked one belongs to no control either', () => {
    const rego = `package probes
violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  c[input.parameters.probe].httpGet.host != ""
}`;
    expect(problems(rego)).toEqual([]);
    expect(checks(rego)).toEqual([]);
  });

  test('applied to a container list it picks a container, whose checks count', () => {
    const rego = `package probes
violation[{"msg": "x"}] {
  c := input.review.object.spec.initContainers[input.parameters.index]
  c.securityContext.privileged
}`;
    expect(problems(rego)).toEqual([]);
    expect(checks(rego)).toEqual(['initContainers:privileged']);
  });

  test('applied to the pod spec it may still pick any list: reported, not followed', () => {
    const rego = `package probes
violation[{"msg": "x"}] {
  c := input.review.object.spec[input.parameters.list][_]
  c.securityContext.privileged
}`;
    expect(problems(rego)).toEqual([
      '3:33 the computed key input.parameters.list may select a container list or field under spec; the analysis cannot tell which',
    ]);
    expect(checks(rego)).toEqual([]);
  });

  test('a key from the admitted object on a container is still reported', () => {
    const rego = `package probes
violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  k := input.review.object.metadata.annotations["probes.example.com/field"]
  c[k] == true
}`;
    expect(problems(rego)).toEqual([
      '5:5 the computed key k may select a container list or field under spec.containers; the analysis cannot tell which',
    ]);
  });

  test('constant keys from the parameters keep selecting their field', () => {
    const rego = `package probes
violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  f := {"securityContext", input.parameters.extra}[_]
  c[f].privileged
}`;
    expect(problems(rego)).toEqual([]);
    expect(checks(rego)).toEqual(['containers:privileged']);
  });
});
