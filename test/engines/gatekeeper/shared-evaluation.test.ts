/**
 * A helper function called once for containers and once for initContainers is evaluated once and
 * its result carried over to the other list (relocate.ts). That must change nothing the analysis
 * reports: each case is compared with the same Rego whose helpers also read `input` (an unused
 * parameter), which rules the sharing out.
 */
import * as path from 'node:path';
import { audit } from '../../../src/audit';
import { parseModule } from '../../../src/engines/rego';
import { analyzeEntries, GATEKEEPER_ROOTS, RulesIndex, type RegoModule } from '../../../src/engines/rego/analysis';
import { lineCol } from './helpers';

function facts(rego: string) {
  const mod: RegoModule = { module: parseModule(rego), text: rego, locate: (p) => ({ file: 'm.rego', line: p.line, column: p.column }) };
  const { rules } = analyzeEntries(mod, new RulesIndex([mod]), { roots: GATEKEEPER_ROOTS, isEntry: (n) => n === 'violation' });
  return rules.map((r) => ({
    name: r.name,
    checks: [...new Set(r.checks.map((c) => `${c.location}:${c.control}:${c.field}@${c.at.line}:${c.at.column}`))].sort(),
    listRefs: r.listRefs,
    unanalyzable: r.unanalyzable.map((u) => `${u.at.line}:${u.at.column} ${u.reason}`),
    updateSkipped: r.updateSkipped,
  }));
}

/**
 * The same Rego with every body made to read input (`pin` is a rule over the parameters), written
 * at the end of each body's last line so that no position moves.
 */
const unshared = (rego: string): string => `${rego.replace(/\n\}/g, '; pin == pin\n}')}\npin := input.parameters.pin\n`;

const LIMITS = `package limits

violation[{"msg": "x"}] { by_list[{"list": "containers"}] }
violation[{"msg": "x"}] { by_list[{"list": "initContainers"}] }

by_list[{"list": list}] {
  c := input.review.object.spec[list][_]
  not millis(c.resources.limits.cpu)
}

by_list[{"list": list}] {
  c := input.review.object.spec[list][_]
  millis(c.resources.limits.cpu) > millis(input.parameters.cpu)
}

by_list[{"list": list}] {
  c := input.review.object.spec[list][_]
  missing(c.resources.limits, "memory")
}

millis(v) = n {
  is_number(v)
  n := v * 1000
} else = n {
  endswith(v, "m")
  n := to_number(trim_suffix(v, "m"))
} else = n {
  regex.match("^[0-9]+$", v)
  n := to_number(v) * 1000
}

missing(o, k) {
  not o[k]
}

missing(o, k) {
  o[k] == ""
}
`;

/** Each list referenced in its own place, a helper chain, and a helper that finds a computed key. */
const APART = `package apart

violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  privileged(c)
}

violation[{"msg": "x"}] {
  c := input.review.object.spec.initContainers[_]
  privileged(c)
}

violation[{"msg": "x"}] {
  c := input.review.object.spec.ephemeralContainers[_]
  privileged(c)
}

violation[{"msg": "x"}] {
  c := input.review.object.spec.initContainers[_]
  field_set(c, input.review.object.metadata.annotations["checked-field"])
}

violation[{"msg": "x"}] {
  c := input.review.object.spec.containers[_]
  field_set(c, input.review.object.metadata.annotations["checked-field"])
}

privileged(c) {
  context(c).privileged
}

context(c) = sc {
  sc := object.get(c, "securityContext", {})
}

field_set(c, k) {
  c[k] == true
}
`;

describe('a helper shared between containers and initContainers', () => {
  test.each([
    { name: 'lists picked by a key of a partial set, helpers with else chains', rego: LIMITS },
    { name: 'lists referenced apart, a helper chain, a computed key', rego: APART },
  ])('$name: the same facts as evaluating each call', ({ rego }) => {
    const plain = unshared(rego);
    expect(plain).toContain('pin == pin');
    expect(facts(rego)).toEqual(facts(plain));
  });

  test('each list keeps the place it was referenced, and the problem found in the helper names its list', () => {
    const [rule] = facts(APART);
    expect(rule!.listRefs.containers).toEqual({ file: 'm.rego', ...lineCol(APART, 'input.review.object.spec.containers[_]') });
    expect(rule!.listRefs.initContainers).toEqual({ file: 'm.rego', ...lineCol(APART, 'input.review.object.spec.initContainers[_]') });
    expect(rule!.unanalyzable.map((u) => u.replace(/^\S+ /, ''))).toEqual([
      'the computed key k may select a container list or field under spec.initContainers; the analysis cannot tell which',
      'the computed key k may select a container list or field under spec.containers; the analysis cannot tell which',
    ]);
  });

  test('a helper that reads input itself is not carried over to the other list', () => {
    // The helper's own read of the containers comes through the same reference as its argument.
    const rego = `package images
containers := input.review.object.spec.containers
inits := input.review.object.spec.initContainers
violation[{"msg": "x"}] {
  c := containers[_]
  pinned(c)
}
violation[{"msg": "x"}] {
  c := inits[_]
  pinned(c)
}
pinned(c) {
  c.securityContext.privileged
  containers[_].securityContext.runAsUser == 0
}`;
    expect(facts(rego)[0]!.checks.map((c) => c.replace(/@.*/, ''))).toEqual([
      'containers:privileged:securityContext.privileged',
      'containers:runAsUser:securityContext.runAsUser',
      'initContainers:privileged:securityContext.privileged',
    ]);
  });
});

describe('the container-limits fixture', () => {
  const FIXTURE = path.join(__dirname, '../../fixtures/gatekeeper/resource-limits');

  test('checks the limits of containers and initContainers alike, where spec[list] is read', () => {
    const result = audit({ paths: [FIXTURE] });
    expect(result.errors).toEqual([]);
    const policy = result.policies.find((p) => p.policy.kind === 'ResourceLimits')!;
    expect(policy.unanalyzable).toEqual([]);
    const [rule, ...others] = policy.rules;
    expect(others).toEqual([]);
    expect(rule!.unanalyzable).toEqual([]);
    const byList = (list: string): string[] =>
      [...new Set(rule!.checks.filter((c) => c.location === list).map((c) => `${c.control}:${c.field}@${c.at.line}:${c.at.column}`))].sort();
    const containers = byList('containers');
    expect(byList('initContainers')).toEqual(containers);
    expect(byList('ephemeralContainers')).toEqual([]);
    // Parsing the cpu and memory strings, their presence, and the comparison with the maximum.
    expect(new Set(containers.map((c) => c.replace(/@.*/, '')))).toEqual(
      new Set(['resources:resources', 'resources:resources.limits', 'resources:resources.limits.cpu', 'resources:resources.limits.memory']),
    );
    expect(containers.length).toBeGreaterThan(20);
    const specRef = rule!.listRefs.containers!;
    expect(rule!.listRefs.initContainers).toEqual(specRef);
    expect(specRef.line).toBe(lineCol(require('node:fs').readFileSync(path.join(FIXTURE, 'template.yaml'), 'utf8'), 'input.review.object.spec[field][_]').line);
  });
});
