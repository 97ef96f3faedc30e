/**
 * Realistic Gatekeeper-style policies (written for these tests) parsed end to end.
 */
import { parseModule, type Call, type Module, type Ref, type Term } from '../../../src/engines/rego';
import { EXCLUDE_UPDATE, PRIVILEGED_V0, PRIVILEGED_V1 } from './fixtures';
import { lineCol, showBody, showRule, showTerm, walk } from './helpers';

function refsIn(m: Module): string[] {
  const out: string[] = [];
  walk(m, (n) => {
    if (n.type === 'ref') out.push(showTerm(n as unknown as Ref));
  });
  return out;
}

function callsIn(m: Module): Call[] {
  const out: Call[] = [];
  walk(m, (n) => {
    if (n.type === 'call') out.push(n as unknown as Call);
  });
  return out;
}

describe('Gatekeeper-style module (v0)', () => {
  const m = parseModule(PRIVILEGED_V0);

  test('header', () => {
    expect(m.package.segments).toEqual(['k8spspprivileged']);
    expect(m.imports.map((i) => showTerm(i.path))).toEqual(['data.lib.exclude_update.is_update']);
    expect(m.v1).toBe(false);
    expect(m.comments.map((c) => c.text.trim())).toEqual([
      'Disallows privileged containers (test fixture written for polcov).',
      'ephemeral containers are often forgotten',
    ]);
  });

  test('rule kinds and names', () => {
    expect(m.rules.map((r) => `${r.kind}:${r.name}`)).toEqual([
      'partialSet:violation',
      'partialSet:violation',
      'function:is_exempt',
      'function:_matches_exemption',
      'function:_matches_exemption',
      'partialSet:input_containers',
      'partialSet:input_containers',
      'partialSet:input_containers',
    ]);
  });

  test('violation rule structure', () => {
    const [v] = m.rules;
    expect(showTerm(v.key!)).toBe('{"msg": msg, "details": {}}');
    expect(v.bodies).toHaveLength(1);
    const exprs = v.bodies[0].exprs;
    expect(exprs.map((e) => e.type)).toEqual(['not', 'assign', 'not', 'termExpr', 'assign']);
    expect(showBody(v.bodies[0]).split('; ').slice(0, 4)).toEqual([
      'not is_update(input.review)',
      'c := input_containers[_]',
      'not is_exempt(c)',
      'c.securityContext.privileged',
    ]);
    expect(v.pos).toEqual({ line: 6, column: 1, offset: PRIVILEGED_V0.indexOf('violation[') });
  });

  test('helper partial sets cover every container list', () => {
    const sets = m.rules.filter((r) => r.name === 'input_containers');
    expect(sets.map(showRule)).toEqual([
      'partialSet input_containers[c] key=c { c := input.review.object.spec.containers[_] }',
      'partialSet input_containers[c] key=c { c := input.review.object.spec.initContainers[_] }',
      'partialSet input_containers[c] key=c { c := input.review.object.spec.ephemeralContainers[_] }',
    ]);
  });

  test('object.get calls and refs can be found by walking the AST', () => {
    const gets = callsIn(m).filter((c) => c.name === 'object.get');
    expect(gets.map((c) => showTerm(c.args[1]))).toEqual([
      '["securityContext", "windowsOptions", "hostProcess"]',
      '"exemptImages"',
      '"parameters"',
    ]);
    const hostProcess = gets[0];
    expect(hostProcess.pos).toMatchObject(lineCol(PRIVILEGED_V0, PRIVILEGED_V0.indexOf('object.get(c,')));
    expect(refsIn(m)).toEqual(
      expect.arrayContaining([
        'input.review.object.spec.containers[_]',
        'input.review.object.spec.ephemeralContainers[_]',
        'input.review',
      ]),
    );
  });

  test('library module', () => {
    const lib = parseModule(EXCLUDE_UPDATE);
    expect(lib.rules.map(showRule)).toEqual(['function is_update(review) { (review.operation == "UPDATE") }']);
  });
});

describe('Gatekeeper-style module (v1)', () => {
  for (const how of ['option', 'import'] as const) {
    test(`parses as v1 via ${how}`, () => {
      const src = how === 'option' ? PRIVILEGED_V1 : PRIVILEGED_V1.replace('\nimport data', '\nimport rego.v1\nimport data');
      const m = parseModule(src, how === 'option' ? { version: 'v1' } : {});
      expect(m.v1).toBe(true);
      expect(m.rules.map((r) => `${r.kind}:${r.name}`)).toEqual([
        'partialSet:violation',
        'function:is_exempt',
        'function:_matches_exemption',
        'function:_matches_exemption',
        'partialSet:input_containers',
        'partialSet:input_containers',
        'partialSet:input_containers',
        'complete:all_named',
        'complete:names',
      ]);
      const ephemeral = m.rules[6];
      expect(showRule(ephemeral)).toBe(
        'partialSet input_containers key=c { some c in input.review.object.spec.ephemeralContainers }',
      );
      const every = m.rules[7].bodies[0].exprs[0];
      expect(every.type).toBe('every');
      const names = m.rules[8].value as Term;
      expect(showTerm(names)).toBe('{c.name | some c in input_containers}');
    });
  }

  test('v1 module is rejected by the v1 rules when written in v0 style', () => {
    expect(() => parseModule(PRIVILEGED_V0, { version: 'v1' })).toThrow('"if" keyword is required before rule body');
  });
});
