import { parseModule, RegoSyntaxError, RegoTooDeep, type Module, type Rule } from '../../../src/engines/rego';
import { showBody, showRule, showTerm } from './helpers';

type V = 'v0' | 'v1';
const BOTH: V[] = ['v0', 'v1'];

function parse(src: string, version: V = 'v0'): Module {
  return parseModule(src, { version });
}

function rulesOf(body: string, version: V): Rule[] {
  return parse(`package test\n\n${body}\n`, version).rules;
}

// ---------------------------------------------------------------------------
// Rule-level constructs. `src` is per version (v0 syntax vs v1 syntax), the
// expected rendering (see helpers.showRule) is shared unless given per version.

interface RuleCase {
  name: string;
  src: Partial<Record<V, string>>;
  rules: string[] | Partial<Record<V, string[]>>;
  check?: (rules: Rule[], v: V) => void;
}

const ruleCases: RuleCase[] = [
  {
    name: 'default with = and :=',
    src: { v0: 'default allow = false', v1: 'default allow := false' },
    rules: ['default allow value=false'],
    check: ([r], v) => {
      expect(r.default).toBe(true);
      expect(r.assign).toBe(v === 'v0' ? '=' : ':=');
      expect(r.bodies).toEqual([]);
    },
  },
  {
    name: 'default function',
    src: { v0: 'default f(_) = "none"', v1: 'default f(_) := "none"' },
    rules: ['default f(_) value="none"'],
  },
  {
    name: 'complete rule with value and body',
    src: { v0: 'p = v {\n  v := input.x\n}', v1: 'p := v if {\n  v := input.x\n}' },
    rules: ['complete p value=v { v := input.x }'],
    check: ([r], v) => expect(r.ifKeyword).toBe(v === 'v1'),
  },
  {
    name: 'boolean rule',
    src: { v0: 'allow {\n  input.user == "admin"\n}', v1: 'allow if {\n  input.user == "admin"\n}' },
    rules: ['complete allow { (input.user == "admin") }'],
    check: ([r]) => expect(r.value).toBeUndefined(),
  },
  {
    name: 'single-expression if body',
    src: {
      v0: 'import future.keywords.if\nallow if input.user == "admin"',
      v1: 'allow if input.user == "admin"',
    },
    rules: ['complete allow { (input.user == "admin") }'],
    check: ([r]) => {
      expect(r.ifKeyword).toBe(true);
      expect(r.bodies).toHaveLength(1);
    },
  },
  {
    name: 'value with single-expression body',
    src: { v0: 'p = "a" if input.x', v1: 'p := "a" if input.x' },
    rules: ['complete p value="a" { input.x }'],
  },
  {
    name: 'constant rules',
    src: { v0: 'p = 5\nq := [1, 2]', v1: 'p := 5\nq := [1, 2]' },
    rules: ['complete p value=5', 'complete q value=[1, 2]'],
  },
  {
    name: 'partial set',
    src: {
      v0: 'violation[{"msg": msg}] {\n  msg := "bad"\n}',
      v1: 'violation contains {"msg": msg} if {\n  msg := "bad"\n}',
    },
    rules: {
      v0: ['partialSet violation[{"msg": msg}] key={"msg": msg} { msg := "bad" }'],
      v1: ['partialSet violation key={"msg": msg} { msg := "bad" }'],
    },
    check: ([r], v) => {
      expect(r.name).toBe('violation');
      expect(r.key?.type).toBe('object');
      expect(r.containsKeyword).toBe(v === 'v1');
    },
  },
  {
    name: 'deny contains msg if',
    src: {
      v0: 'import future.keywords\ndeny contains msg if {\n  msg := "x"\n}',
      v1: 'deny contains msg if {\n  msg := "x"\n}',
    },
    rules: ['partialSet deny key=msg { msg := "x" }'],
  },
  {
    name: 'contains without a body',
    src: { v0: 'import future.keywords.contains\ntodo contains "a"', v1: 'todo contains "a"\ntodo contains "b"' },
    rules: { v0: ['partialSet todo key="a"'], v1: ['partialSet todo key="a"', 'partialSet todo key="b"'] },
  },
  {
    name: 'contains on a ref head',
    src: { v1: 'validations[path] contains "must be set" if {\n  some path in input.paths\n}' },
    rules: ['partialSet validations[path] key="must be set" { some path in input.paths }'],
  },
  {
    name: 'partial object',
    src: {
      v0: 'labels[k] = v {\n  v := input.labels[k]\n}',
      v1: 'labels[k] := v if {\n  v := input.labels[k]\n}',
    },
    rules: ['partialObject labels[k] key=k value=v { v := input.labels[k] }'],
  },
  {
    name: 'bracket head without value (v0: set, v1: object of true)',
    src: { v0: 'p[x] {\n  x := 1\n}', v1: 'p[x] if {\n  x := 1\n}' },
    rules: { v0: ['partialSet p[x] key=x { x := 1 }'], v1: ['partialObject p[x] key=x { x := 1 }'] },
  },
  {
    name: 'ref heads',
    src: {
      v0: 'a.b.c[x] = v {\n  x := "k"; v := 1\n}\na.b.d := 2',
      v1: 'a.b.c[x] := v if {\n  x := "k"; v := 1\n}\na.b.d := 2',
    },
    rules: ['partialObject a.b.c[x] key=x value=v { x := "k"; v := 1 }', 'complete a.b.d value=2'],
    check: ([r1, r2]) => {
      expect(r1.name).toBe('a');
      expect(r2.name).toBe('a');
      expect(r1.head.path.map((p) => p.type)).toEqual(['dot', 'dot', 'bracket']);
    },
  },
  {
    name: 'functions',
    src: {
      v0: 'f(x) {\n  x > 1\n}\ng(x) = y {\n  y := x * 2\n}\nh(x, "literal") = y {\n  y := x\n}',
      v1: 'f(x) if {\n  x > 1\n}\ng(x) := y if {\n  y := x * 2\n}\nh(x, "literal") := y if {\n  y := x\n}',
    },
    rules: [
      'function f(x) { (x > 1) }',
      'function g(x) value=y { y := (x * 2) }',
      'function h(x, "literal") value=y { y := x }',
    ],
    check: (rules) => {
      expect(rules.map((r) => r.args?.length)).toEqual([1, 1, 2]);
      expect(rules[2].args?.[1].type).toBe('string');
    },
  },
  {
    name: 'several definitions of a function with composite patterns',
    src: {
      v0: 'f([a, b]) = a {\n  true\n}\nf({"k": v}) = v {\n  true\n}\nf(_) = 0',
      v1: 'f([a, b]) := a if {\n  true\n}\nf({"k": v}) := v if {\n  true\n}\nf(_) := 0',
    },
    rules: ['function f([a, b]) value=a { true }', 'function f({"k": v}) value=v { true }', 'function f(_) value=0'],
  },
  {
    name: 'dotted function name',
    src: { v0: 'lib.util.f(x) = x { true }', v1: 'lib.util.f(x) := x if true' },
    rules: ['function lib.util.f(x) value=x { true }'],
  },
  {
    name: 'else chains',
    src: {
      v0: 'p = 1 {\n  input.a\n} else = 2 {\n  input.b\n} else = 3',
      v1: 'p := 1 if {\n  input.a\n} else := 2 if {\n  input.b\n} else := 3',
    },
    rules: ['complete p value=1 { input.a } else value=2 { input.b } else value=3'],
    check: ([r]) => {
      expect(r.else?.kind).toBe('complete');
      expect(r.else?.else?.bodies).toEqual([]);
      expect(r.else?.head).toBe(r.head);
    },
  },
  {
    name: 'else on the next line and single-expression else',
    src: {
      v0: 'p = 1 {\n  input.a\n}\nelse = 2 {\n  input.b\n}',
      v1: 'p := 1 if input.a else := 2 if input.b',
    },
    rules: ['complete p value=1 { input.a } else value=2 { input.b }'],
  },
  {
    name: 'function else',
    src: { v0: 'f(x) = "a" {\n  x == 1\n} else = "b"', v1: 'f(x) := "a" if {\n  x == 1\n} else := "b"' },
    rules: ['function f(x) value="a" { (x == 1) } else value="b"'],
    check: ([r]) => expect(r.else?.args).toBe(r.args),
  },
  {
    name: 'multiple bodies (OR)',
    src: { v0: 'p {\n  input.a\n} {\n  input.b\n}\nq { input.c } { input.d }', v1: 'p if {\n  input.a\n} {\n  input.b\n}' },
    rules: {
      v0: ['complete p { input.a } { input.b }', 'complete q { input.c } { input.d }'],
      v1: ['complete p { input.a } { input.b }'],
    },
  },
  {
    name: 'bodies separated by newlines and semicolons',
    src: {
      v0: 'p {\n  a := 1; b := 2\n\n  c := 3;\n  d := 4\n}',
      v1: 'p if {\n  a := 1; b := 2\n\n  c := 3;\n  d := 4\n}',
    },
    rules: ['complete p { a := 1; b := 2; c := 3; d := 4 }'],
  },
  {
    name: 'rules separated by semicolons on one line',
    src: { v0: 'p = 1; q = 2', v1: 'p := 1; q := 2' },
    rules: ['complete p value=1', 'complete q value=2'],
  },
];

describe('rule constructs', () => {
  for (const c of ruleCases) {
    for (const v of BOTH) {
      const src = c.src[v];
      if (src === undefined) continue;
      test(`${c.name} (${v})`, () => {
        const rules = rulesOf(src, v);
        const expected = Array.isArray(c.rules) ? c.rules : c.rules[v];
        expect(rules.map(showRule)).toEqual(expected);
        c.check?.(rules, v);
      });
    }
  }
});

// ---------------------------------------------------------------------------
// Expression-level constructs, parsed as the body of `p` in both versions.

interface ExprCase {
  name: string;
  body: string;
  expected: string;
}

const exprCases: ExprCase[] = [
  { name: 'strings with escapes', body: 'x := "a\\"b\\\\c\\n\\t\\u00e9\\/"', expected: 'x := "a\\"b\\\\c\\n\\t\u00e9/"' },
  { name: 'raw strings', body: 'x := `a\\b"c`', expected: 'x := `a\\b"c`' },
  { name: 'multi-line raw string', body: 'x := `line1\nline2`\ny := 1', expected: 'x := `line1\nline2`; y := 1' },
  {
    name: 'numbers',
    body: 'x := [0, 1, -1, 1.5, -2.25, 1e3, 2.5E-3, -4e+2]',
    expected: 'x := [0, 1, -1, 1.5, -2.25, 1e3, 2.5E-3, -4e+2]',
  },
  { name: 'true false null', body: 'x := [true, false, null]', expected: 'x := [true, false, null]' },
  {
    name: 'long ref with wildcard',
    body: 'x := input.review.object.spec.containers[_].securityContext',
    expected: 'x := input.review.object.spec.containers[_].securityContext',
  },
  { name: 'mixed ref path', body: 'x[i].y["k"] == 1', expected: '(x[i].y["k"] == 1)' },
  { name: 'brackets with inner spaces', body: 'a[ x ] == a[ "k" ]', expected: '(a[x] == a["k"])' },
  { name: 'calls', body: 'count(x) > 0\nstartswith(a, b)', expected: '(count(x) > 0); startswith(a, b)' },
  { name: 'dotted call', body: 'v := object.get(x, "k", null)', expected: 'v := object.get(x, "k", null)' },
  { name: 'call then ref', body: 'data.lib.f(x).y[0] == 1', expected: '(data.lib.f(x).y[0] == 1)' },
  { name: 'zero-arg call', body: 'x := time.now_ns()', expected: 'x := time.now_ns()' },
  { name: 'arrays', body: 'x := [a, [b, c], []]', expected: 'x := [a, [b, c], []]' },
  {
    name: 'objects',
    body: 'x := {"k": v, k2: v2, "n": {"m": [1]}}',
    expected: 'x := {"k": v, k2: v2, "n": {"m": [1]}}',
  },
  { name: 'sets and set()', body: 'x := {a, b}\ny := set()', expected: 'x := {a, b}; y := set()' },
  { name: 'empty braces is an object', body: 'x := {}', expected: 'x := {}' },
  { name: 'trailing commas', body: 'x := [1, 2,]\ny := {"a": 1,}', expected: 'x := [1, 2]; y := {"a": 1}' },
  {
    name: 'array comprehension',
    body: 'names := [c.name | c := input.containers[_]; c.privileged]',
    expected: 'names := [c.name | c := input.containers[_]; c.privileged]',
  },
  {
    name: 'set comprehension',
    body: 'names := {n | some c in input.containers\n n := c.name}',
    expected: 'names := {n | some c in input.containers; n := c.name}',
  },
  {
    name: 'object comprehension',
    body: 'm := {k: v | v := input.labels[k]}',
    expected: 'm := {k: v | v := input.labels[k]}',
  },
  { name: 'not', body: 'not is_update(input.review)', expected: 'not is_update(input.review)' },
  { name: 'not with unification', body: 'not x = 1', expected: 'not x = 1' },
  { name: 'some declaration', body: 'some x, y\nx := input[y]', expected: 'some x, y; x := input[y]' },
  { name: 'some in', body: 'some x in xs', expected: 'some x in xs' },
  { name: 'some key value in', body: 'some k, v in input.obj', expected: 'some k, v in input.obj' },
  { name: 'every', body: 'every x in xs {\n  x > 0\n}', expected: 'every x in xs { (x > 0) }' },
  {
    name: 'every key value',
    body: 'every k, v in input.labels { startswith(k, "a"); v != "" }',
    expected: 'every k, v in input.labels { startswith(k, "a"); (v != "") }',
  },
  { name: 'membership', body: '"a" in xs', expected: '("a" in xs)' },
  { name: 'key value membership', body: 'k, v in obj', expected: '(k, v in obj)' },
  { name: 'not membership', body: 'not "a" in xs', expected: 'not ("a" in xs)' },
  { name: 'membership as value', body: 'b := x in xs', expected: 'b := (x in xs)' },
  {
    name: 'with modifiers',
    body: 'allow with input.user as "bob" with data.roles as {"bob": ["admin"]}',
    expected: 'allow with input.user as "bob" with data.roles as {"bob": ["admin"]}',
  },
  { name: 'with on not', body: 'not deny with input as {}', expected: 'not deny with input as {}' },
  { name: 'with on next line', body: 'allow\n  with input as {}', expected: 'allow with input as {}' },
  { name: 'assignment and unification', body: 'x := 1\n[a, b] = [1, 2]', expected: 'x := 1; [a, b] = [1, 2]' },
  {
    name: 'comparisons',
    body: 'a == b\na != b\na < b\na <= b\na > b\na >= b',
    expected: '(a == b); (a != b); (a < b); (a <= b); (a > b); (a >= b)',
  },
  {
    name: 'arithmetic precedence',
    body: 'x := 1 + 2 * 3 - 4 / 5 % 6',
    expected: 'x := ((1 + (2 * 3)) - ((4 / 5) % 6))',
  },
  { name: 'set operators', body: 'x := a | b & c', expected: 'x := (a | (b & c))' },
  { name: 'set difference is minus', body: 'x := a - b', expected: 'x := (a - b)' },
  { name: 'relation binds looser than arithmetic', body: 'count(a) + 1 > 2 * n', expected: '((count(a) + 1) > (2 * n))' },
  { name: 'parentheses', body: 'x := (1 + 2) * 3', expected: 'x := ((1 + 2) * 3)' },
  { name: 'unary minus', body: 'x := -y\nz := - (1 + 2)', expected: 'x := (-y); z := (-(1 + 2))' },
  { name: 'binary minus without spaces', body: 'x := y-1', expected: 'x := (y - 1)' },
  {
    name: 'multi-line expressions inside brackets',
    body: 'x := [\n  1,\n  2\n]\ny := f(\n  a,\n  b\n)\nz := {\n  "k": 1\n}',
    expected: 'x := [1, 2]; y := f(a, b); z := {"k": 1}',
  },
  { name: 'operator at end of line continues', body: 'x := 1 +\n  2', expected: 'x := (1 + 2)' },
  { name: 'operator at start of line starts a new expression', body: 'x := a\n-1 == y', expected: 'x := a; (-1 == y)' },
  {
    name: 'comments',
    body: '# leading\nx := "#not a comment" # trailing\n# another\ny := 2',
    expected: 'x := "#not a comment"; y := 2',
  },
  {
    name: 'contains builtin call stays callable',
    body: 'contains(input.name, "x")',
    expected: 'contains(input.name, "x")',
  },
  { name: 'ref on composite literal', body: 'x := [1, 2][0]', expected: 'x := [1, 2][0]' },
  { name: 'wildcard var', body: '_ = input.x', expected: '_ = input.x' },
];

describe('expression constructs', () => {
  for (const c of exprCases) {
    for (const v of BOTH) {
      test(`${c.name} (${v})`, () => {
        const src = v === 'v0' ? `p {\n${c.body}\n}` : `p if {\n${c.body}\n}`;
        const [rule] = rulesOf(src, v);
        expect(rule.bodies).toHaveLength(1);
        expect(showBody(rule.bodies[0])).toBe(c.expected);
      });
    }
  }

  test('AST shapes of selected expressions', () => {
    const [rule] = rulesOf(
      'p if {\n  some k, v in obj\n  every x in xs { x }\n  not f(x)\n  y := input.a[0].b\n  x with input as 1 with data.a as 2\n}',
      'v1',
    );
    const [someIn, every, not, assign, withExpr] = rule.bodies[0].exprs;
    expect(someIn).toMatchObject({ type: 'someIn', key: { type: 'var', name: 'k' }, value: { name: 'v' } });
    expect(every).toMatchObject({ type: 'every', value: { name: 'x' }, domain: { type: 'var', name: 'xs' } });
    expect(not).toMatchObject({ type: 'not', expr: { type: 'termExpr', term: { type: 'call', name: 'f' } } });
    expect(assign).toMatchObject({
      type: 'assign',
      left: { type: 'var', name: 'y' },
      right: {
        type: 'ref',
        head: { type: 'var', name: 'input' },
        path: [
          { type: 'dot', name: 'a' },
          { type: 'bracket', term: { type: 'number', value: 0 } },
          { type: 'dot', name: 'b' },
        ],
      },
    });
    expect(withExpr.with).toHaveLength(2);
    expect(withExpr.with[1]).toMatchObject({ type: 'with', target: { type: 'ref' }, value: { type: 'number', value: 2 } });
  });

  test('call AST', () => {
    const [rule] = rulesOf('p { x := object.get(input, ["a", "b"], null) }', 'v0');
    const e = rule.bodies[0].exprs[0];
    if (e.type !== 'assign' || e.right.type !== 'call') throw new Error('expected assign of call');
    expect(e.right.name).toBe('object.get');
    expect(e.right.operator.head).toMatchObject({ type: 'var', name: 'object' });
    expect(e.right.operator.path).toMatchObject([{ type: 'dot', name: 'get' }]);
    expect(e.right.args.map(showTerm)).toEqual(['input', '["a", "b"]', 'null']);
  });

  test('number and string values', () => {
    const [rule] = rulesOf('p { x := [-1.5e2, 42, "a\\u0041"] }', 'v0');
    const e = rule.bodies[0].exprs[0];
    if (e.type !== 'assign' || e.right.type !== 'array') throw new Error('expected array');
    expect(e.right.items).toMatchObject([
      { type: 'number', value: -150, text: '-1.5e2' },
      { type: 'number', value: 42 },
      { type: 'string', value: 'aA', raw: false },
    ]);
  });
});

// ---------------------------------------------------------------------------
// Module header: package, imports, keywords, version.

describe('package and imports', () => {
  test('dotted and bracketed package paths', () => {
    expect(parse('package a.b.c').package.segments).toEqual(['a', 'b', 'c']);
    const m = parse('package a["b-c"].d');
    expect(m.package.segments).toEqual(['a', 'b-c', 'd']);
    expect(m.package.path.path.map((p) => p.type)).toEqual(['bracket', 'dot']);
  });

  test('imports with aliases', () => {
    const m = parse(
      'package x\nimport data.lib.helpers\nimport data.lib.x as y\nimport input.review\nimport data.lib["a"]',
    );
    expect(m.imports.map((i) => [showTerm(i.path), i.alias])).toEqual([
      ['data.lib.helpers', undefined],
      ['data.lib.x', 'y'],
      ['input.review', undefined],
      ['data.lib["a"]', undefined],
    ]);
  });

  const kwCases: { imports: string; keywords: string[]; v1: boolean; version?: V }[] = [
    { imports: '', keywords: [], v1: false },
    { imports: 'import future.keywords', keywords: ['contains', 'every', 'if', 'in'], v1: false },
    { imports: 'import future.keywords.in', keywords: ['in'], v1: false },
    { imports: 'import future.keywords.if\nimport future.keywords.contains', keywords: ['contains', 'if'], v1: false },
    { imports: 'import future.keywords.every', keywords: ['every'], v1: false },
    { imports: 'import rego.v1', keywords: ['contains', 'every', 'if', 'in'], v1: true },
    { imports: '', keywords: ['contains', 'every', 'if', 'in'], v1: true, version: 'v1' },
  ];
  test.each(kwCases)('keywords for %j', ({ imports, keywords, v1, version }) => {
    const m = parse(`package x\n${imports}\n`, version ?? 'v0');
    expect([...m.keywords].sort()).toEqual(keywords);
    expect(m.v1).toBe(v1);
  });

  test('invalid imports', () => {
    expect(() => parse('package x\nimport foo.bar')).toThrow(/invalid import path/);
    expect(() => parse('package x\nimport future.keywords.nope')).toThrow(/unknown future keyword/);
    expect(() => parse('package x\nimport rego.v2')).toThrow(/rego\.v1/);
  });

  test('comments are collected', () => {
    const m = parse('# header\npackage x # trailing\n\n# c\np = 1');
    expect(m.comments.map((c) => c.text)).toEqual([' header', ' trailing', ' c']);
    expect(m.comments[1].pos).toEqual({ line: 2, column: 11, offset: 19 });
  });
});

// ---------------------------------------------------------------------------
// v0 vs v1 keyword handling

describe('versions', () => {
  test('v1 requires if before a rule body', () => {
    expect(() => parse('package x\np { true }', 'v1')).toThrow(/"if" keyword is required/);
    expect(() => parse('package x\nimport rego.v1\np { true }')).toThrow(/"if" keyword is required/);
    expect(() => parse('package x\np { true }', 'v0')).not.toThrow();
  });

  test('keywords cannot be variables once enabled', () => {
    expect(() => parse('package x\np if { every := 1 }', 'v1')).toThrow(RegoSyntaxError);
    expect(() => parse('package x\ncontains := 1', 'v1')).toThrow(RegoSyntaxError);
    // plain v0: contextual keywords are still identifiers; only the `in` operator is a keyword use
    const m = parse('package x\np { every := 1; if := 2; contains := 3; every in xs }');
    expect(showBody(m.rules[0].bodies[0])).toBe('every := 1; if := 2; contains := 3; (every in xs)');
    expect(m.keywordsWithoutImport.map((k) => k.keyword)).toEqual(['in']);
  });

  test('some x in xs and every are accepted in plain v0, and recorded as used without import', () => {
    const m = parse('package x\np { some x in xs; every y in ys { y } }');
    expect(showBody(m.rules[0].bodies[0])).toBe('some x in xs; every y in ys { y }');
    expect(m.keywordsWithoutImport).toEqual([
      { keyword: 'in', pos: { line: 2, column: 12, offset: 21 } },
      { keyword: 'every', pos: { line: 2, column: 19, offset: 28 } },
    ]);
  });

  // Keywords used where they are not enabled: OPA rejects such a module as Rego v0 (Gatekeeper's default).
  const withoutImport: { src: string; version?: V; want: string[] }[] = [
    { src: 'violation contains {"msg": "x"} if input.review.object.spec.hostPID', want: ['contains 3:11', 'if 3:33'] },
    { src: 'p if { true }', want: ['if 3:3'] },
    { src: 'p { x := "a" in {"a"} }', want: ['in 3:14'] },
    { src: 'p { some k, v in input.x }', want: ['in 3:15'] },
    { src: 'p { k, v in input.x }', want: ['in 3:10'] },
    { src: 'p { every x in input.xs { x } }', want: ['every 3:5'] },
    { src: 'p { contains(input.name, "x") }', want: [] },
    { src: 'import future.keywords\nviolation contains "x" if { "a" in ["a"] }', want: [] },
    { src: 'import future.keywords.in\np if { "a" in ["a"] }', want: ['if 4:3'] },
    { src: 'import future.keywords.if\nimport future.keywords.contains\np contains 1 if { every x in [1] { x } }', want: ['every 5:19'] },
    { src: 'import rego.v1\np contains 1 if { some x in [1]; every y in [1] { y } }', want: [] },
    { src: 'p contains 1 if { some x in [1]; every y in [1] { y } }', version: 'v1', want: [] },
  ];
  test.each(withoutImport)('keywords without import in $src ($version)', ({ src, version, want }) => {
    const m = parse(`package x\n\n${src}\n`, version ?? 'v0');
    expect(m.keywordsWithoutImport.map((k) => `${k.keyword} ${k.pos.line}:${k.pos.column}`)).toEqual(want);
  });
});

// ---------------------------------------------------------------------------
// Misc parsing details

describe('whitespace and adjacency', () => {
  test('a .b is not a ref continuation', () => {
    expect(() => parse('package x\np { x := a .b }')).toThrow(RegoSyntaxError);
  });

  test('f (x) is not a call', () => {
    expect(() => parse('package x\np { f (x) }')).toThrow(RegoSyntaxError);
  });

  test('newlines inside brackets are not separators but newlines in bodies are', () => {
    const m = parse('package x\np {\n  x := [1,\n    2]\n  y := 3\n}');
    expect(showBody(m.rules[0].bodies[0])).toBe('x := [1, 2]; y := 3');
  });

  test('CRLF line endings', () => {
    const m = parse('package x\r\n\r\np {\r\n  a := 1\r\n  b := 2\r\n}\r\n');
    expect(showBody(m.rules[0].bodies[0])).toBe('a := 1; b := 2');
    expect(m.rules[0].pos).toMatchObject({ line: 3, column: 1 });
  });

  test('two statements on one line need a separator', () => {
    expect(() => parse('package x\np = 1 q = 2')).toThrow(/expected newline/);
  });
});

// ---------------------------------------------------------------------------
// Positions

describe('positions', () => {
  const src = [
    'package demo.positions', // 1
    '', // 2
    'import data.lib.k8s as k8s', // 3
    '', // 4
    'deny[msg] {', // 5
    '  c := input.review.object.spec.containers[_]', // 6
    '  not k8s.is_exempt(c, "image")', // 7
    '  count(c.ports) >= 10', // 8
    '  msg := sprintf("%v", [c.name])', // 9
    '}', // 10
    '', // 11
    'f(x) = {k: v | v := x[k]} { true } else = -1', // 12
  ].join('\n');
  const m = parse(src);
  const [deny, f] = m.rules;

  function expectAt(node: { pos: { line: number; column: number; offset: number } }, text: string, nth = 0): void {
    const at = src.split(text, nth + 1).slice(0, nth + 1).join(text).length;
    expect(src.slice(node.pos.offset).startsWith(text)).toBe(true);
    expect(node.pos.offset).toBe(at);
    const before = src.slice(0, at).split('\n');
    expect(node.pos.line).toBe(before.length);
    expect(node.pos.column).toBe(before[before.length - 1].length + 1);
  }

  test('package, import and rules', () => {
    expectAt(m.package, 'package demo.positions');
    expect(m.package.path.pos).toMatchObject({ line: 1, column: 9 });
    expectAt(m.imports[0], 'import data.lib.k8s');
    expectAt(m.imports[0].path, 'data.lib.k8s');
    expectAt(deny, 'deny[msg] {');
    expect(deny.pos).toEqual({ line: 5, column: 1, offset: src.indexOf('deny[') });
    expect(deny.end).toMatchObject({ line: 10, column: 2 });
    expectAt(f, 'f(x) =');
    expectAt(f.else!, 'else = -1');
    expectAt(f.else!.value!, '-1');
  });

  test('expressions and terms', () => {
    const [assign, not, cmp, msg] = deny.bodies[0].exprs;
    expectAt(deny.bodies[0], '{\n  c :=');
    expectAt(assign, 'c := input');
    if (assign.type !== 'assign') throw new Error('assign');
    expectAt(assign.right, 'input.review.object');
    expect(src.slice(assign.right.pos.offset, assign.right.end.offset)).toBe(
      'input.review.object.spec.containers[_]',
    );
    if (assign.right.type !== 'ref') throw new Error('ref');
    const wildcard = assign.right.path[4];
    expectAt(wildcard, '[_]');
    expect(wildcard.pos).toMatchObject({ line: 6, column: 43 });
    expectAt(not, 'not k8s');
    if (not.type !== 'not' || not.expr.type !== 'termExpr' || not.expr.term.type !== 'call') throw new Error('not');
    expectAt(not.expr.term, 'k8s.is_exempt(');
    expectAt(not.expr.term.args[1], '"image"');
    expect(src.slice(not.expr.term.pos.offset, not.expr.term.end.offset)).toBe('k8s.is_exempt(c, "image")');
    expectAt(cmp, 'count(c.ports) >=');
    expect(src.slice(cmp.pos.offset, cmp.end.offset)).toBe('count(c.ports) >= 10');
    if (msg.type !== 'assign' || msg.right.type !== 'call') throw new Error('msg');
    expectAt(msg.right.args[1], '[c.name]');
    const value = f.value!;
    expectAt(value, '{k: v |');
    if (value.type !== 'objectComprehension') throw new Error('comprehension');
    expectAt(value.body.exprs[0], 'v := x[k]');
  });

  test('every node has consistent line/column/offset and nests inside its parent', () => {
    const { walk, lineCol } = jest.requireActual('./helpers') as typeof import('./helpers');
    let count = 0;
    walk(m, (node, parent) => {
      count++;
      for (const p of [node.pos, node.end]) {
        expect({ line: p.line, column: p.column }).toEqual(lineCol(src, p.offset));
      }
      expect(node.pos.offset).toBeLessThanOrEqual(node.end.offset);
      if (parent && node.type !== 'rule') {
        expect(node.pos.offset).toBeGreaterThanOrEqual(parent.pos.offset);
        expect(node.end.offset).toBeLessThanOrEqual(parent.end.offset);
      }
    });
    expect(count).toBeGreaterThan(60);
  });

  test('positions after multi-line raw strings and tabs', () => {
    const s = 'package x\np {\n\tx := `a\nb`\n\ty := 1\n}';
    const [rule] = parse(s).rules;
    const y = rule.bodies[0].exprs[1];
    expect(y.pos).toEqual({ line: 5, column: 2, offset: s.indexOf('y :=') });
  });
});

// ---------------------------------------------------------------------------
// Syntax errors

interface ErrorCase {
  name: string;
  src: string;
  line: number;
  column: number;
  message: string | RegExp;
  version?: V;
}

const errorCases: ErrorCase[] = [
  {
    name: 'unclosed bracket before a closing brace',
    src: 'package x\n\np { x := [1, 2 }',
    line: 3,
    column: 16,
    message: 'expected "," or "]" but found "}"',
  },
  {
    name: 'unclosed ref bracket',
    src: 'package x\n\np { input.a[0 }',
    line: 3,
    column: 15,
    message: 'expected "]" but found "}"',
  },
  {
    name: 'unclosed bracket at end of input',
    src: 'package x\n\np { x := input[0',
    line: 3,
    column: 17,
    message: 'expected "]" but found end of input',
  },
  { name: 'unclosed body', src: 'package x\np {\n  x := 1\n', line: 4, column: 1, message: 'expected "}" but found end of input' },
  { name: 'missing package', src: 'p = 1', line: 1, column: 1, message: 'expected "package" but found "p"' },
  { name: 'empty input', src: '', line: 1, column: 1, message: 'expected "package" but found end of input' },
  { name: 'second package', src: 'package a\npackage b', line: 2, column: 1, message: /exactly one package/ },
  { name: 'empty body', src: 'package x\np { }', line: 2, column: 5, message: 'expected expression but found "}"' },
  { name: 'bare rule name', src: 'package x\np\n', line: 3, column: 1, message: /expected "=", ":=", "if" or "{"/ },
  { name: 'unterminated string', src: 'package x\np {\n  x := "abc\n}', line: 3, column: 8, message: 'unterminated string' },
  { name: 'unterminated raw string', src: 'package x\np := `abc', line: 2, column: 6, message: 'unterminated raw string' },
  { name: 'bad escape', src: 'package x\np := "a\\qb"', line: 2, column: 8, message: /invalid escape/ },
  { name: 'bad character', src: 'package x\np := 1 ^ 2', line: 2, column: 8, message: 'unexpected character "^"' },
  { name: 'missing operand', src: 'package x\np { x := 1 + }', line: 2, column: 14, message: 'expected term but found "}"' },
  {
    name: 'two expressions on one line',
    src: 'package x\np { a b }',
    line: 2,
    column: 7,
    message: 'expected ";", newline or "}" but found "b"',
  },
  { name: 'keyword as term', src: 'package x\np { x := not }', line: 2, column: 10, message: 'expected term but found "not"' },
  { name: 'not not', src: 'package x\np { not not x }', line: 2, column: 9, message: 'expected term but found "not"' },
  { name: 'some non-variable', src: 'package x\np { some x.y }', line: 2, column: 10, message: /expected variable/ },
  { name: 'else on partial set', src: 'package x\np[x] { x := 1 } else = 2', line: 2, column: 17, message: /"else" can only/ },
  { name: 'v1 missing if', src: 'package x\n\np {\n  true\n}', line: 3, column: 3, message: /"if" keyword is required/, version: 'v1' },
  { name: 'dot without name', src: 'package x\np { input. }', line: 2, column: 12, message: 'expected identifier after "." but found "}"' },
  { name: 'object missing colon', src: 'package x\np := {"a": 1, "b"}', line: 2, column: 18, message: 'expected ":" but found "}"' },
  { name: 'unbalanced closer', src: 'package x\np := 1 }', line: 2, column: 8, message: 'expected newline but found "}"' },
  { name: 'with without as', src: 'package x\np { q with input 1 }', line: 2, column: 18, message: 'expected "as" but found "1"' },
  { name: 'every without in', src: 'package x\np if { every x xs { x } }', line: 2, column: 16, message: 'expected "in" but found "xs"', version: 'v1' },
  { name: 'invalid number', src: 'package x\np := 12abc', line: 2, column: 6, message: 'invalid number' },
  { name: 'contains on a function', src: 'package x\nf(x) contains y if { y := x }', line: 2, column: 6, message: /contains/, version: 'v1' },
];

describe('syntax errors', () => {
  for (const c of errorCases) {
    test(c.name, () => {
      let err: unknown;
      try {
        parse(c.src, c.version ?? 'v0');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RegoSyntaxError);
      const e = err as RegoSyntaxError;
      if (typeof c.message === 'string') expect(e.message).toBe(c.message);
      else expect(e.message).toMatch(c.message);
      expect({ line: e.line, column: e.column }).toEqual({ line: c.line, column: c.column });
      expect(e.toString()).toBe(`${c.line}:${c.column}: ${e.message}`);
    });
  }

  test('deep nesting is rejected with a syntax error', () => {
    const deep = (n: number, open: string, close: string) => `package x\np := ${open.repeat(n)}1${close.repeat(n)}`;
    expect(parse(deep(150, '[', ']')).rules).toHaveLength(1);
    expect(() => parse(deep(250, '[', ']'))).toThrow('nesting too deep');
    expect(() => parse(deep(5000, '(', ')'))).toThrow('nesting too deep');
    expect(() => parse(deep(100000, 'f(', ')'))).toThrow('nesting too deep');
    expect(() => parse(`package x\np := ${'-'.repeat(5000)}1`)).toThrow('nesting too deep');
    expect(() => parse(`package x\np := ${'[x | x := '.repeat(300)}`)).toThrow('nesting too deep');
    // unclosed, so the nesting check must fire before the end-of-input error
    expect(() => parse(`package x\np { ${'{'.repeat(100000)}`)).toThrow('nesting too deep');
  });

  test('deep comprehension nesting within the limit parses', () => {
    const n = 190;
    const src = `package x\np := ${'[x | x := '.repeat(n)}1${']'.repeat(n)}`;
    expect(parse(src).rules[0].value?.type).toBe('arrayComprehension');
  });

  test('long flat inputs do not recurse', () => {
    const sum = (n: number) => `package x\np := ${Array.from({ length: n }, (_, i) => i).join(' + ')}`;
    expect(parse(sum(190)).rules[0].value?.type).toBe('binary');
    // Every operator of a chain is a level of the AST that later walks recurse into: bounded here, by design.
    expect(() => parse(sum(50000))).toThrow(RegoTooDeep);
    expect(() => parse(`package x\np { x in ${'a in '.repeat(300)}b }`)).toThrow(RegoTooDeep);
    const ref = `package x\np := input${'.a'.repeat(50000)}`;
    expect(parse(ref).rules[0].value?.type).toBe('ref');
    const elses = `package x\np = 1 { false }${' else = 1 { false }'.repeat(20000)}`;
    expect(parse(elses).rules).toHaveLength(1);
  });
});
