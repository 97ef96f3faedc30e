/**
 * Issue 14 item 5: every abstract evaluation has a budget. A policy under 1 KB that would make
 * JMESPath, CEL or Rego values grow exponentially ends as policy-unanalyzable ("too complex to
 * follow") at the place that blew up, and the rest of the scan goes on.
 */
import { vapExpr } from '../engines/cel/fixtures';
import { privilegedPolicy } from '../ci-fixtures';
import { auditFiles, located } from '../helpers';

/** A Kyverno policy whose rule iterates a foreach list of nested multiselects (4^8 paths). */
const kyvernoMultiselect =
  privilegedPolicy('multiselect', []).split('      validate:')[0] +
  [
    '      validate:',
    '        foreach:',
    `          - list: "request.object.spec${'.[a, b, c, d]'.repeat(8)}[]"`,
    '            deny:',
    '              conditions:',
    '                any:',
    '                  - key: "{{ element.securityContext.privileged }}"',
    '                    operator: Equals',
    '                    value: true',
    '',
  ].join('\n');

const celMapChain = vapExpr(`object.spec.containers${'.map(c, [c.a, c.b])'.repeat(12)}.all(x, x == "a")`);
const celDoubling = vapExpr(`cel.bind(s, "ab", ${'cel.bind(s, s + s, '.repeat(18)}s == "x"${')'.repeat(19)}`);

const c = 'input.review.object.spec.containers[_].securityContext';
const regoListChain = `package l1\ndeny[msg] {\n  l0 := [${c}.privileged, ${c}.runAsUser]\n${Array.from({ length: 30 }, (_, i) => `  l${i + 1} := [l${i}, l${i}]\n`).join('')}  l30[_]\n  msg := "x"\n}\n`;
const regoSetChain = `package l2\ndeny[msg] {\n  l0 := {${c}.privileged, ${c}.runAsUser}\n${Array.from({ length: 30 }, (_, i) => `  l${i + 1} := l${i} | {l${i}}\n`).join('')}  l30[_]\n  msg := "x"\n}\n`;

describe('hostile policies under 1 KB end as "too complex to follow"', () => {
  test.each([
    ['nested JMESPath multiselects', 'p.yaml', kyvernoMultiselect, { line: 15, column: 19 }, /a JMESPath expression stands for more than 2000 values/],
    ['chained CEL .map', 'p.yaml', celMapChain, { line: 13, column: 20 }, /a CEL value stands for more than 2000 fields or strings/],
    ['a CEL string doubled by variables', 'p.yaml', celDoubling, { line: 13, column: 20 }, /a CEL value larger than 100000/],
    ['a Rego list chain', 'p.rego', regoListChain, { line: 2, column: 1 }, /a value with more than 20000 parts/],
    ['a Rego set chain', 'p.rego', regoSetChain, { line: 2, column: 1 }, /a value with more than 20000 parts/],
  ])('%s', (_name, file, text, at, reason) => {
    expect(Buffer.byteLength(text)).toBeLessThan(1024);
    const r = auditFiles({ [file]: text });
    const broken = r.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(located(broken)).toEqual([{ ruleId: 'policy-unanalyzable', file, ...at }]);
    expect(broken[0]!.message).toMatch(/too complex to follow/);
    expect(broken[0]!.message).toMatch(reason);
  });
});
