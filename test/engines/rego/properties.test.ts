/**
 * Property tests: the parser only ever returns a Module or throws a
 * RegoSyntaxError, never hangs, and round-trips generated terms.
 */
import fc from 'fast-check';
import { parseModule, RegoSyntaxError, type Module } from '../../../src/engines/rego';
import { EXCLUDE_UPDATE, PRIVILEGED_V0, PRIVILEGED_V1 } from './fixtures';
import { lineCol, showTerm, walk } from './helpers';

/** Deliberately bounded; set REGO_PROP_RUNS to explore more. */
const NUM_RUNS = Number(process.env.REGO_PROP_RUNS ?? 300);

type Outcome = { ok: true; module: Module } | { ok: false; error: RegoSyntaxError };

/**
 * Parses and fails the property on anything but a Module or a RegoSyntaxError. A hang shows as the
 * test timing out; speed is measured by `npm run bench`, not asserted here.
 */
function parseSafely(src: string, version: 'v0' | 'v1' = 'v0'): Outcome {
  let outcome: Outcome;
  try {
    outcome = { ok: true, module: parseModule(src, { version }) };
  } catch (e) {
    if (!(e instanceof RegoSyntaxError)) {
      throw new Error(`non-syntax error for ${JSON.stringify(src)}: ${String(e)}`);
    }
    expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
    expect(Number.isInteger(e.column) && e.column >= 1).toBe(true);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(src.length);
    expect(lineCol(src, e.offset)).toEqual({ line: e.line, column: e.column });
    outcome = { ok: false, error: e };
  }
  return outcome;
}

const VALID_MODULES = [
  PRIVILEGED_V0,
  PRIVILEGED_V1,
  EXCLUDE_UPDATE,
  `package x
import future.keywords
default allow := false
allow if {
  some k, v in input.labels
  every c in input.containers { c.name != k }
  x := [y | y := input.a[_]; y > -1]
  z := {k2: v2 | v2 := input.b[k2]} with input as {"a": [1], "b": {"c": 2e3}}
  not count(x) == 0
  s := {1, 2} | set() & {3}
  r := \`raw # not a comment\`
} else := false
f(x, "lit") := y if { y := x * 2 + 1 % 3 }
p[k] = v { v := input.m[k] }
`,
];

const VERSIONS = ['v0', 'v1'] as const;

const TOKENS = [
  'package', 'import', 'default', 'not', 'some', 'every', 'in', 'if', 'contains', 'with', 'as', 'else',
  'data', 'input', 'future.keywords', 'rego.v1', 'x', 'y', '_', 'p', 'f', 'count', 'object.get', 'set',
  'true', 'false', 'null', '"s"', '"a\\"b"', '`raw`', '1', '-1', '2.5e3', '0',
  '(', ')', '[', ']', '{', '}', ',', ';', ':', '.', ':=', '=', '==', '!=', '<', '<=', '>', '>=',
  '+', '-', '*', '/', '%', '|', '&', '#c\n', '"', '`', '\\', '@',
];
const SEPARATORS = ['', ' ', '\n', '\t', '  '];

/** Characters that make random strings likely to exercise the lexer and parser. */
const REGO_CHARS = [
  ...'abcxyz_019 \n\t\r{}[]().,;:=!<>+-*/%|&"`\\#\u00e9\u{1F600}',
  'package ', 'import ', 'not ', 'some ', 'every ', ' in ', ' if ', 'contains ', ' with ', ' as ', 'else ',
];

describe('robustness properties', () => {
  test('random strings produce a Module or a RegoSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), fc.constantFrom(...VERSIONS), (s, v) => {
        parseSafely(s, v);
        parseSafely(`package x\n${s}`, v);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('random Rego-ish character soups produce a Module or a RegoSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...REGO_CHARS), { maxLength: 300 }),
        fc.constantFrom(...VERSIONS),
        (chars, v) => {
          parseSafely(`package x\n${chars.join('')}`, v);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('random token soups produce a Module or a RegoSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...SEPARATORS)), { maxLength: 120 }),
        fc.boolean(),
        fc.constantFrom(...VERSIONS),
        (parts, withPackage, v) => {
          const body = parts.map(([t, sep]) => t + sep).join('');
          parseSafely(withPackage ? `package x\n${body}` : body, v);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('every truncation point of valid modules produces a Module or a RegoSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID_MODULES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...VERSIONS),
        (src, frac, v) => {
          parseSafely(src.slice(0, Math.floor(src.length * frac)), v);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('random single-character edits of valid modules produce a Module or a RegoSyntaxError', () => {
    const edit = fc.record({
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      del: fc.integer({ min: 0, max: 3 }),
      insert: fc.constantFrom('', ...TOKENS, '\n', ' '),
    });
    fc.assert(
      fc.property(fc.constantFrom(...VALID_MODULES), fc.array(edit, { minLength: 1, maxLength: 4 }), (src, edits) => {
        let s = src;
        for (const e of edits) {
          const i = Math.floor(s.length * e.at);
          s = s.slice(0, i) + e.insert + s.slice(i + e.del);
        }
        parseSafely(s, 'v0');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the valid corpus parses in both the versions it targets', () => {
    expect(parseSafely(VALID_MODULES[0], 'v0').ok).toBe(true);
    expect(parseSafely(VALID_MODULES[1], 'v1').ok).toBe(true);
    expect(parseSafely(VALID_MODULES[2], 'v0').ok).toBe(true);
    expect(parseSafely(VALID_MODULES[3], 'v0').ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Round trip: generate a term, print it fully parenthesised in the same
// format as helpers.showTerm, parse it, and print it again.

/** A generated term: its source text and its expected helpers.showTerm rendering. */
interface Gen {
  src: string;
  show: string;
}
const same = (s: string): Gen => ({ src: s, show: s });

const leaf: fc.Arbitrary<Gen> = fc.oneof(
  fc.constantFrom('x', 'y', '_', 'input', 'data.lib.v', 'input.a[0].b', 'c["k"]').map(same),
  fc.integer({ min: -1000, max: 1000 }).map((n) => same(String(n))),
  fc.constantFrom('1.5', '-2.5e3', 'true', 'false', 'null').map(same),
  fc.array(fc.constantFrom(...'ab c"\\\u00e9\n'), { maxLength: 6 }).map((cs) => same(JSON.stringify(cs.join('')))),
);

const join = (xs: Gen[], k: 'src' | 'show'): string => xs.map((x) => x[k]).join(', ');

const { term } = fc.letrec<{ term: Gen }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', maxDepth: 5, withCrossShrink: true },
    leaf,
    fc
      .tuple(tie('term'), fc.constantFrom('+', '-', '*', '/', '%', '|', '&', '==', '!=', '<', '<=', '>', '>='), tie('term'))
      .map(([l, op, r]) => ({ src: `(${l.src} ${op} ${r.src})`, show: `(${l.show} ${op} ${r.show})` })),
    // `(-5)` is a negative number literal; `(-x)` is unary minus
    tie('term').map((t) => ({ src: `(-${t.src})`, show: /^\d/.test(t.src) ? `-${t.show}` : `(-${t.show})` })),
    fc
      .tuple(tie('term'), tie('term'))
      .map(([l, r]) => ({ src: `(${l.src} in ${r.src})`, show: `(${l.show} in ${r.show})` })),
    fc.array(tie('term'), { maxLength: 3 }).map((xs) => ({ src: `[${join(xs, 'src')}]`, show: `[${join(xs, 'show')}]` })),
    fc
      .array(tie('term'), { minLength: 1, maxLength: 3 })
      .map((xs) => ({ src: `{${join(xs, 'src')}}`, show: `{${join(xs, 'show')}}` })),
    fc.array(fc.tuple(leaf, tie('term')), { maxLength: 3 }).map((es) => ({
      src: `{${es.map(([k, v]) => `${k.src}: ${v.src}`).join(', ')}}`,
      show: `{${es.map(([k, v]) => `${k.show}: ${v.show}`).join(', ')}}`,
    })),
    fc
      .tuple(fc.constantFrom('count', 'object.get', 'data.lib.f'), fc.array(tie('term'), { maxLength: 3 }))
      .map(([f, xs]) => ({ src: `${f}(${join(xs, 'src')})`, show: `${f}(${join(xs, 'show')})` })),
    fc
      .tuple(tie('term'), tie('term'))
      .map(([t, c]) => ({ src: `[${t.src} | ${c.src}]`, show: `[${t.show} | ${c.show}]` })),
    fc
      .tuple(tie('term'), tie('term'))
      .map(([t, c]) => ({ src: `{${t.src} | ${c.src}}`, show: `{${t.show} | ${c.show}}` })),
  ),
}));

describe('round-trip properties', () => {
  test('generated terms print back identically and have consistent positions', () => {
    fc.assert(
      fc.property(term, fc.constantFrom(...VERSIONS), fc.constantFrom(' ', '\n  '), (t, v, indent) => {
        const src = `package x\n\np${v === 'v1' ? ' if' : ''} {${indent}v := ${t.src}\n}\n`;
        const out = parseSafely(src, v);
        if (!out.ok) throw new Error(`failed to parse ${src}: ${out.error.toString()}`);
        const e = out.module.rules[0].bodies[0].exprs[0];
        if (e.type !== 'assign') throw new Error('expected assignment');
        expect(showTerm(e.right)).toBe(t.show);
        expect(src.slice(e.right.pos.offset, e.right.end.offset)).toBe(t.src);
        walk(out.module, (n) => {
          expect({ line: n.pos.line, column: n.pos.column }).toEqual(lineCol(src, n.pos.offset));
          expect({ line: n.end.line, column: n.end.column }).toEqual(lineCol(src, n.end.offset));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('large input', () => {
  test('a 12,000-line module parses without recursion limits', () => {
    const lines = ['package bench', ''];
    for (let i = 0; i < 2000; i++) {
      lines.push(`violation_${i}[{"msg": msg}] {`);
      lines.push('  c := input.review.object.spec.containers[_]');
      lines.push('  not c.securityContext.runAsNonRoot == true');
      lines.push(`  count(c.ports) > ${i}`);
      lines.push('  msg := sprintf("container %v is bad", [c.name])');
      lines.push('}');
    }
    const m = parseModule(lines.join('\n'));
    expect(m.rules).toHaveLength(2000);
    expect(m.rules[1999]!.bodies[0]!.exprs).toHaveLength(4);
  });
});
