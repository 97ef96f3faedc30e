/**
 * Raw `.rego` files: deny/violation/warn rules (and conftest's deny_* variants) with input rooted
 * at the manifest, at input.review.object or at input.request.object; libs across files; syntax
 * errors; test files and pure libs.
 */
import * as path from 'node:path';
import { audit } from '../../../src/audit';
import * as regoAnalysis from '../../../src/engines/rego/analysis';
import { auditFiles, located, type Expected } from '../../helpers';
import { lineCol } from './helpers';

interface Case {
  name: string;
  files: Record<string, string>;
  fires: { ruleId: string; file: string; needle: string; nth?: number }[];
  silent?: string[];
}

const MANIFEST_DENY = `package main

deny[msg] {
    input.kind == "Pod"
    c := input.spec.containers[_]
    c.securityContext.runAsNonRoot != true
    msg := sprintf("container %v must run as non-root", [c.name])
}
`;

const ALL_LISTS_DENY = `package main

deny[msg] {
    c := input.spec[_][_]
    c.securityContext.runAsNonRoot != true
    msg := sprintf("container %v must run as non-root", [c.name])
}
`;

const WARN = `package main

warn[msg] {
    input.spec.hostNetwork
    msg := "the pod uses the host network"
}
`;

const REVIEW_GUARDED = `package admission

violation[{"msg": msg}] {
    input.review.operation == "CREATE"
    c := input.review.object.spec[_][_]
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}
`;

const REQUEST_GUARDED = `package kubernetes.admission

deny[msg] {
    not is_update
    c := input.request.object.spec.ephemeralContainers[_]
    c.securityContext.capabilities.add[_] == "SYS_ADMIN"
    msg := "SYS_ADMIN is not allowed"
}

is_update {
    input.request.operation == "UPDATE"
}
`;

const V1_NO_IMPORT = `package main

deny contains msg if {
    some c in input.spec.initContainers
    c.securityContext.privileged
    msg := "privileged init container"
}
`;

const ANNOTATION_OPT_OUT = `package main

deny[msg] {
    not input.metadata.annotations["policy.example.com/privileged-allowed"]
    c := input.spec[_][_]
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}
`;

const CONTAINS_WITHOUT_IF = `package main

deny contains msg {
    c := input.spec[_][_]
    c.securityContext.privileged
    msg := "privileged"
}
`;

const HELPER_USER = `package main

import data.lib.k8s.all_containers

deny[msg] {
    c := all_containers[_]
    c.securityContext.allowPrivilegeEscalation
    msg := "escalation"
}
`;

const HELPER_LIB = `package lib.k8s

all_containers[c] {
    c := input.spec.containers[_]
}

all_containers[c] {
    c := input.spec.ephemeralContainers[_]
}
`;

const cases: Case[] = [
  {
    name: 'manifest-style deny over containers only',
    files: { 'policy.rego': MANIFEST_DENY },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', file: 'policy.rego', needle: 'input.spec.containers[_]' },
      { ruleId: 'init-containers-unchecked', file: 'policy.rego', needle: 'input.spec.containers[_]' },
    ],
  },
  {
    name: 'manifest-style deny over input.spec[_][_] is clean',
    files: { 'policy.rego': ALL_LISTS_DENY },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'warn does not block',
    files: { 'policy.rego': WARN },
    fires: [{ ruleId: 'enforcement-not-blocking', file: 'policy.rego', needle: 'warn[msg]' }],
  },
  {
    name: 'Gatekeeper-shaped raw Rego with a CREATE-only guard',
    files: { 'policy.rego': REVIEW_GUARDED },
    fires: [{ ruleId: 'ephemeral-update-skipped', file: 'policy.rego', needle: 'input.review.operation' }],
  },
  {
    name: 'AdmissionReview-shaped Rego (input.request) with not is_update',
    files: { 'policy.rego': REQUEST_GUARDED },
    fires: [{ ruleId: 'ephemeral-update-skipped', file: 'policy.rego', needle: 'not is_update' }],
  },
  {
    name: 'Rego v1 without import rego.v1 (OPA 1.0) is read as v1',
    files: { 'policy.rego': V1_NO_IMPORT },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', file: 'policy.rego', needle: 'input.spec.initContainers' }],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'conftest: not input.metadata.annotations[…] is no UPDATE guard',
    files: { 'policy.rego': ANNOTATION_OPT_OUT },
    fires: [],
    silent: ['ephemeral-update-skipped', 'ephemeral-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'contains without its import and without if: neither Rego v0 nor v1, unanalyzable at the keyword',
    files: { 'policy.rego': CONTAINS_WITHOUT_IF },
    fires: [{ ruleId: 'policy-unanalyzable', file: 'policy.rego', needle: 'contains' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'a lib in another file is followed; the gap points into the lib',
    files: { 'main.rego': HELPER_USER, 'lib/k8s.rego': HELPER_LIB },
    fires: [{ ruleId: 'init-containers-unchecked', file: 'k8s.rego', needle: 'input.spec.containers[_]' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'a syntax error is unanalyzable at its line and column',
    files: { 'broken.rego': 'package main\n\ndeny[msg] {\n    input.kind ==\n}\n' },
    fires: [{ ruleId: 'policy-unanalyzable', file: 'broken.rego', needle: '}' }],
  },
  {
    name: '_test.rego files and pure libs yield nothing',
    files: { 'policy_test.rego': MANIFEST_DENY, 'lib.rego': HELPER_LIB },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'policy-unanalyzable'],
  },
];

describe('raw Rego files', () => {
  it.each(cases)('$name', ({ files, fires, silent }) => {
    const result = auditFiles(files);
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    const byName = (base: string): string => Object.keys(files).find((f) => path.basename(f) === base)!;
    for (const f of fires) {
      const expected: Expected = { ruleId: f.ruleId, file: f.file, ...lineCol(files[byName(f.file)]!, f.needle, f.nth) };
      expect(got).toContainEqual(expected);
    }
    for (const id of silent ?? []) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
  });

  test('pure libs and test files add no policy', () => {
    const result = auditFiles({ 'policy_test.rego': MANIFEST_DENY, 'lib.rego': HELPER_LIB });
    expect(result.policies).toEqual([]);
  });

  test('a policy and its lib copied into several folders: each copy is a policy with the rules of one', () => {
    const main = `package main

import data.lib.k8s.all_containers

deny[msg] {
    c := all_containers[_]
    c.securityContext.privileged
    msg := "privileged"
}
`;
    const lib = `package lib.k8s

all_containers[c] {
    c := input.spec.containers[_]
}

all_containers[c] {
    c := input.spec.initContainers[_]
}
`;
    const folders = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const result = auditFiles(Object.fromEntries(folders.flatMap((d) => [[`${d}/main.rego`, main], [`${d}/lib/k8s.rego`, lib]])));
    expect(result.errors).toEqual([]);
    expect(result.policies.map((p) => [path.relative(result.dir, p.at.file).split(path.sep).join('/'), p.at.line, p.policy.name])).toEqual(
      folders.map((d) => [`${d}/main.rego`, 1, 'main']),
    );
    for (const p of result.policies) {
      expect(p.unanalyzable).toEqual([]);
      expect(p.rules.map((r) => r.name)).toEqual(['deny']);
      expect([...new Set(p.rules[0]!.checks.map((c) => c.location))].sort()).toEqual(['containers', 'initContainers']);
    }
  });

  test('verbatim copies are analysed once, and each names its own file at the same places', () => {
    const spy = jest.spyOn(regoAnalysis, 'analyzeEntries');
    try {
      const result = auditFiles({ 'a/policy.rego': MANIFEST_DENY, 'b/policy.rego': MANIFEST_DENY, 'c/other.rego': ALL_LISTS_DENY });
      expect(spy).toHaveBeenCalledTimes(2);
      const facts = (folder: string) => result.policies.find((p) => path.relative(result.dir, p.at.file).startsWith(folder))!;
      const [a, b] = [facts('a'), facts('b')];
      expect(JSON.stringify(b)).toBe(JSON.stringify(a).split(`${path.sep}a${path.sep}`).join(`${path.sep}b${path.sep}`));
      const places = (folder: string) => result.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked' && path.relative(result.dir, f.file).startsWith(folder)).map((f) => [f.ruleId, f.line, f.column]);
      expect(places('b')).toEqual(places('a'));
      expect(places('a').length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });

  test('a copy of a module the compiler refuses is reported under its own name', () => {
    const refused = 'package refused\n\ndeny[msg] {\n    undefined_function(input.spec)\n    msg := "x"\n}\n';
    const result = auditFiles({ 'a/first.rego': refused, 'b/second.rego': refused });
    const unanalyzable = result.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(unanalyzable.map((f) => [path.relative(result.dir, f.file).split(path.sep).join('/'), f.line, f.column])).toEqual([
      ['a/first.rego', 4, 5],
      ['b/second.rego', 4, 5],
    ]);
    expect(result.policies.map((p) => p.policy.name).sort()).toEqual(['first.rego', 'second.rego']);
  });

  test('a conftest layout: v0 policy, v1 lib, test file', () => {
    const dir = path.join(__dirname, '../../fixtures/gatekeeper/conftest');
    const result = audit({ paths: [dir] });
    expect(result.policies.map((p) => `${p.engine} ${p.policy.kind} ${p.policy.name}`)).toEqual(['rego Rego main']);
    const [rule] = result.policies[0]!.rules;
    expect(rule!.name).toBe('deny_privileged');
    expect([...new Set(rule!.checks.map((c) => c.location))]).toEqual(['containers', 'initContainers']);
    const unchecked = result.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked');
    expect(unchecked.map((f) => [path.basename(f.file), f.line, f.column])).toEqual([['workloads.rego', 8, 36]]);
  });
});
