/**
 * Rego language constructs, one case each; the expected values follow the OPA policy-language
 * documentation (rules, functions, comprehensions, `some`/`every`/`in`, `with`, conflicts).
 */
import { compileRego, evalQuery, runRegoTests } from '../../../src/eval/rego';
import { evalRego } from './helpers';

type Case = [name: string, body: string, expected: unknown, opts?: Parameters<typeof evalRego>[1]];

const UNDEFINED = Symbol('undefined');

const cases: Case[] = [
  ['default applies when no body holds', 'default r := false\nr { input.x == 1 }', false, { input: { x: 2 } }],
  ['a holding body wins over the default', 'default r := false\nr { input.x == 1 }', true, { input: { x: 1 } }],
  ['a rule whose body fails is undefined, not false', 'r { false }', UNDEFINED],
  ['false is a value', 'r := false', false],
  ['partial set rule collects distinct elements', 'r[x] { x := [1, 2, 2, 3][_] }', [1, 2, 3]],
  ['partial object rule', 'r[k] = v { some k, v in {"a": 1, "b": 2} }', { a: 1, b: 2 }],
  ['several definitions of a complete rule with one value', 'r = 1 { true }\nr = 1 { 1 > 0 }', 1],
  ['functions with several definitions', 'f(x) = "neg" { x < 0 }\nf(x) = "pos" { x > 0 }\nr := [f(-1), f(1)]', ['neg', 'pos']],
  ['a function no definition matches is undefined', 'f(x) = "pos" { x > 0 }\nr := f(0)', UNDEFINED],
  ['function arguments as patterns', 'f("a") = 1\nf([x, y]) = x + y\nr := [f("a"), f([2, 3])]', [1, 5]],
  ['else chain takes the first branch that holds', 'f(x) = "a" { x == 1 } else = "b" { x == 2 } else = "c"\nr := [f(1), f(2), f(3)]', ['a', 'b', 'c']],
  ['default function value', 'default f(_) := "none"\nf(x) := "one" { x == 1 }\nr := [f(1), f(2)]', ['one', 'none']],
  ['array comprehension', 'r := [y | x := [1, 2][_]; y := x * 2]', [2, 4]],
  ['set comprehension', 'r := {x | x := [1, 1, 2][_]}', [1, 2]],
  ['object comprehension', 'r := {k: v + 1 | some k, v in {"a": 1, "b": 2}}', { a: 2, b: 3 }],
  ['some x in', 'r := {x | some x in [1, 2, 3]; x > 1}', [2, 3]],
  ['some k, v in over an object', 'r := [k | some k, v in {"a": 1, "b": 2}; v == 2]', ['b']],
  ['some declares a local variable', 'r := [i | some i; [10, 20][i]]', [0, 1]],
  ['x in xs is true or false', 'r := [1 in [1, 2], 3 in [1, 2], "a" in {"a"}]', [true, false, true]],
  ['every holds for all elements', 'r if { every x in [1, 2] { x > 0 } }', true, { version: 'v1' }],
  ['every fails on one element', 'r if { every x in [1, -1] { x > 0 } }', UNDEFINED, { version: 'v1' }],
  ['every over an empty collection holds', 'r if { every x in [] { x > 0 } }', true, { version: 'v1' }],
  ['not of an undefined reference holds', 'r { not input.missing }', true, { input: {} }],
  ['not of a defined value fails', 'r { not input.a }', UNDEFINED, { input: { a: 1 } }],
  ['not of a comparison with an undefined reference holds', 'r { not input.a == 1 }', true, { input: {} }],
  // OPA's compiler moves calls nested in a negated expression in front of it.
  ['not with an undefined nested call is undefined', 'r { not count(input.missing) > 0 }', UNDEFINED, { input: {} }],
  ['not of a built-in with an undefined argument holds', 'r { not startswith(input.missing, "a") }', true, { input: {} }],
  // what gatekeeper-library's users tests rely on: accept("RunAsAny", _, _) with an undefined third argument
  ['a _ parameter accepts an undefined argument', 'f("a", _) := true\nr { f("a", input.missing) }', true, { input: {} }],
  ['a named parameter does not', 'f("a", x) := true { x }\nr { f("a", input.missing) }', UNDEFINED, { input: {} }],
  ['every with key and value', 'r if { every k, v in {"a": 1, "b": 2} { startswith(k, "a") == (v == 1) } }', true, { version: 'v1' }],
  [':= in a comprehension shadows the outer variable', 'r := [x, y] { x := 1; y := [x | x := [5][_]] }', [1, [5]]],
  ['object patterns bind values by key', 'r := [a, b] { {"k": a, "l": [b]} = {"k": 1, "l": [2]} }', [1, 2]],
  ['with input replaces the input', 'p := input.a\nr := x { x := p with input as {"a": 5} }', 5],
  ['with input.path upserts into the input', 'p := input.a\nr := x { x := p with input.a.b as 1 }', { b: 1, c: 2 }, { input: { a: { c: 2 } } }],
  ['with data replaces a rule', 'v := 1\np := v + 1\nr := x { x := p with data.t.v as 10 }', 11],
  ['with data below base data', 'r := x { x := data.inventory with data.inventory.cluster as {"a": 1} }', { cluster: { a: 1 }, namespace: {} }, { data: { inventory: { namespace: {} } } }],
  ['with a function replaced by another function', 'f(x) := x + 1\ng(x) := x * 10\nr := x { x := f(1) with f as g }', 10],
  ['with a function replaced by a value', 'f(x) := x + 1\nr := x { x := f(1) with f as 42 }', 42],
  ['with a built-in replaced by a function', 'mock(_) := 99\nr := x { x := count([1, 2]) with count as mock }', 99],
  ['with applies only to its expression', 'p := input.a\nr := [x, p] { x := p with input as {"a": 1} }', [1, 2], { input: { a: 2 } }],
  ['base data from the caller (data.inventory)', 'r := data.inventory.namespace.ns1.v1.Pod.p.metadata.name', 'p', { data: { inventory: { namespace: { ns1: { v1: { Pod: { p: { metadata: { name: 'p' } } } } } } } } }],
  ['a package as an object', 'a := 1\nb[x] { x := "k" }\nf(x) := x', { a: 1, b: ['k'] }, { ref: 'data.t' }],
  ['expressions run once their variables are bound (OPA reorders bodies)', 'r := msg { msg := sprintf("%v", [x]); x := input.a }', '1', { input: { a: 1 } }],
  ['an output argument binds its variable', 'r := n { count(xs, n); xs := [1, 2] }', 2],
  ['references iterate and bind keys', 'r := {i | input.xs[i] == "b"}', [1, 3], { input: { xs: ['a', 'b', 'c', 'b'] } }],
  ['rego v1 contains and if', 'r contains x if { some x in ["a"] }', ['a'], { version: 'v1' }],
  ['import rego.v1 switches the module to v1', 'import rego.v1\nr contains 1 if true', [1]],
  ['arithmetic and comparison', 'r := [1 + 2 * 3, 7 % 3, 1 / 2, 2 > 1, "a" < "b", [1] == [1]]', [7, 1, 0.5, true, true, true]],
  ['set operators', 'r := [({1, 2} | {3}), {1, 2} & {2, 3}, {1, 2} - {2}]', [[1, 2, 3], [2], [1]]],
  ['a set with non-string object keys comes back as JSON', 'r := {1: "a", "b": {2}}', { '1': 'a', b: [2] }],
];

describe('Rego constructs', () => {
  // rest parameters: jest would take a fourth named parameter for a `done` callback
  it.each(cases)('%s', (...[, body, expected, opts]: Case) => {
    const r = evalRego(body, opts);
    expect(r.error).toBeUndefined();
    if (expected === UNDEFINED) expect(r).not.toHaveProperty('value');
    else expect(r.value).toEqual(expected);
  });
});

describe('errors OPA reports', () => {
  it('complete rules must not produce multiple outputs, at the rule', () => {
    const r = evalRego('r = 1 { true }\nr = 2 { true }');
    expect(r.error).toMatchObject({ code: 'eval_conflict_error', message: 'complete rules must not produce multiple outputs', file: 't.rego', line: 3, column: 1 });
  });

  it('functions must not produce multiple outputs for same inputs', () => {
    const r = evalRego('f(_) = 1 { true }\nf(_) = 2 { true }\nr := f(0)');
    expect(r.error).toMatchObject({ code: 'eval_conflict_error', message: 'functions must not produce multiple outputs for same inputs', line: 3 });
  });

  it('object keys must be unique', () => {
    const r = evalRego('r["a"] = 1 { true }\nr["a"] = 2 { true }');
    expect(r.error).toMatchObject({ code: 'eval_conflict_error', message: 'object keys must be unique' });
  });

  it('a built-in polcov does not implement is an error, never a result', () => {
    const r = evalRego('r := http.send({"method": "get", "url": "http://x"})');
    expect(r.error).toMatchObject({ code: 'eval_builtin_error', message: 'built-in http.send is not supported by polcov', line: 2, column: 6 });
  });

  it('an undefined function is a compile error with file:line:col', () => {
    const { errors } = compileRego([{ file: 'a.rego', text: 'package t\nr := nosuch(1)' }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'rego_compile_error', file: 'a.rego', line: 2, column: 6 })]);
    expect(errors[0]!.message).toContain('undefined function nosuch');
  });

  it('Rego v1 refuses deprecated built-ins; v0 calls them', () => {
    const text = 'package t\nr := any([true])';
    expect(compileRego([{ file: 'v1.rego', text, version: 'v1' }]).errors).toEqual([
      { code: 'rego_compile_error', message: 'deprecated built-in function calls in expression: any', file: 'v1.rego', line: 2, column: 6 },
    ]);
    expect(evalRego(text).value).toBe(true);
  });

  it('a syntax error has file:line:col', () => {
    const { program, errors } = compileRego([{ file: 'b.rego', text: 'package t\nr := [1, 2' }]);
    expect(program).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ code: 'rego_parse_error', file: 'b.rego', line: 2 })]);
  });

  it('the step budget bounds evaluation: too complex', () => {
    const r = evalRego('r if { some i in numbers.range(1, 100000); i < 0 }', { budget: 1000, version: 'v1' });
    expect(r.error).toMatchObject({ code: 'eval_budget_error' });
    expect(r.error!.message).toMatch(/^too complex/);
  });

  it('a query must name a data reference', () => {
    const { program } = compileRego([{ file: 'c.rego', text: 'package t\nr := 1' }]);
    expect(evalQuery(program!, 'input.x', {}).error).toMatchObject({ code: 'rego_parse_error' });
    expect(evalQuery(program!, 'data.t[r]', {}).error).toMatchObject({ code: 'rego_parse_error' });
    expect(evalQuery(program!, 'data["t"].r', {}).value).toBe(1);
  });
});

describe('runRegoTests', () => {
  const text = [
    'package t',
    'p := input.a',
    'test_pass { p == 1 with input as {"a": 1} }',
    'test_fail { p == 2 with input as {"a": 1} }',
    'test_false := false',
    'test_error { x := http.send({}) }',
    'test_pass { true }',
    'helper { true }',
  ].join('\n');
  const { program } = compileRego([{ file: 'x_test.rego', text }]);

  it('reports pass, fail and error per test with name, file and line; duplicates are numbered', () => {
    const results = runRegoTests(program!);
    expect(results.map((r) => [r.name, r.outcome, r.file, r.line])).toEqual([
      ['data.t.test_pass', 'pass', 'x_test.rego', 3],
      ['data.t.test_fail', 'fail', 'x_test.rego', 4],
      ['data.t.test_false', 'fail', 'x_test.rego', 5],
      ['data.t.test_error', 'error', 'x_test.rego', 6],
      ['data.t.test_pass#01', 'pass', 'x_test.rego', 7],
    ]);
    expect(results[3]!.error).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('filters tests by name', () => {
    expect(runRegoTests(program!, { filter: /fail/ }).map((r) => r.name)).toEqual(['data.t.test_fail']);
  });
});

describe('imports and virtual documents across modules', () => {
  const { program, errors } = compileRego([
    { file: 'lib.rego', text: 'package lib.util\ndouble(x) := x * 2\nnames := {"a", "b"}' },
    { file: 'main.rego', text: 'package main\nimport data.lib.util\nimport data.lib.util.double as twice\nr := [util.double(2), twice(3), count(util.names), count(data.lib.util.names)]\nlib := data.lib' },
  ]);

  it('resolves imports, aliases and data.lib references', () => {
    expect(errors).toEqual([]);
    expect(evalQuery(program!, 'data.main.r').value).toEqual([4, 6, 2, 2]);
    expect(evalQuery(program!, 'data.main.lib').value).toEqual({ util: { names: ['a', 'b'] } });
  });
});
