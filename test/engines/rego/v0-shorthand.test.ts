/**
 * Rego v0 turns a lone `p["x"]` into a partial set rule with body `true`, and a lone `f(x)` into a
 * function returning true (OPA parses top-level single expressions as rules). Rego v1 does not.
 */
import { parseModule } from '../../../src/engines/rego';
import { showRule } from './helpers';

describe('v0 bodiless rule shorthand', () => {
  test('p["x"] and f(x) without a body', () => {
    const m = parseModule('package x\n\nlists["containers"]\nlists["initContainers"]\nis_list("containers")\np := 1\n');
    expect(m.rules.map(showRule)).toEqual([
      'partialSet lists["containers"] key="containers"',
      'partialSet lists["initContainers"] key="initContainers"',
      'function is_list("containers")',
      'complete p value=1',
    ]);
    expect(m.rules[1]!.pos).toMatchObject({ line: 4, column: 1 });
  });

  test('a bare name, a nested ref and Rego v1 still need a body or value', () => {
    expect(() => parseModule('package x\np\n')).toThrow(/expected "=", ":=", "if" or "\{"/);
    expect(() => parseModule('package x\na.b["c"]\n')).toThrow(/expected "=", ":=", "if" or "\{"/);
    expect(() => parseModule('package x\nlists["containers"]\n', { version: 'v1' })).toThrow(/expected "=", ":=", "if" or "\{"/);
  });
});
