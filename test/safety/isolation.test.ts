/**
 * Issue 14 item 1: one hostile `.rego` file must not remove the other raw Rego policies, and deep
 * recursion ends in "too complex to follow" for that policy only (bounded by depth, not the stack).
 */
import { auditFiles, located } from '../helpers';

const OK = `package ok
deny[msg] {
  input.review.object.spec.containers[_].securityContext.privileged
  msg := "no"
}
`;

const ruleChain = (n: number): string =>
  `package chain\ndeny[msg] {\n  r0\n  msg := "x"\n}\n` +
  Array.from({ length: n }, (_, i) => `r${i} { r${i + 1} }\n`).join('') +
  `r${n} { input.review.object.spec.containers[_].securityContext.privileged }\n`;

const longSum = (n: number): string =>
  `package add\ndeny[msg] {\n  x := ${Array(n).fill('1').join(' + ')}\n  x > input.review.object.spec.containers[_].securityContext.runAsUser\n  msg := "x"\n}\n`;

const fnChain = (n: number): string =>
  `package fns\ndeny[msg] {\n  f0(input.review.object.spec.containers[_])\n  msg := "x"\n}\n` +
  Array.from({ length: n }, (_, i) => `f${i}(x) { f${i + 1}(x) }\n`).join('') +
  `f${n}(x) { x.securityContext.privileged }\n`;

describe('a hostile raw Rego file is unanalyzable on its own', () => {
  test.each([
    ['a 5 KB rule chain', ruleChain(400), { line: 2, column: 1 }, /too complex to follow: terms and rules nested more than 250 deep/],
    ['a long 1 + 1 + … expression', longSum(3000), { line: 3, column: 804 }, /too complex to follow: nesting too deep/],
    ['a 400-deep function chain', fnChain(400), { line: 2, column: 1 }, /too complex to follow/],
  ])('%s', (_name, hostile, at, reason) => {
    const r = auditFiles({ 'ok.rego': OK, 'hostile.rego': hostile });
    // The other file is still analysed and its gap reported.
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([{ ruleId: 'ephemeral-containers-unchecked', file: 'ok.rego', line: 3, column: 3 }]);
    const broken = r.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(located(broken)).toEqual([{ ruleId: 'policy-unanalyzable', file: 'hostile.rego', ...at }]);
    expect(broken[0]!.message).toMatch(reason);
    expect(r.policies).toHaveLength(2);
  });

  test('chains of ordinary depth are still followed', () => {
    const r = auditFiles({ 'fns.rego': fnChain(40), 'chain.rego': ruleChain(40) });
    expect(r.findings.filter((f) => f.ruleId === 'policy-unanalyzable')).toEqual([]);
    expect(located(r.findings, 'ephemeral-containers-unchecked').map((f) => f.file).sort()).toEqual(['chain.rego', 'fns.rego']);
  });

  test('a deep UPDATE guard is still decided (or reported), never a stack overflow', () => {
    const guard =
      `package g\ndeny[msg] {\n  not g0\n  input.review.object.spec.ephemeralContainers[_].securityContext.privileged\n  msg := "x"\n}\n` +
      Array.from({ length: 300 }, (_, i) => `g${i} { g${i + 1} }\n`).join('') +
      'g300 { input.review.operation == "UPDATE" }\n';
    const r = auditFiles({ 'g.rego': guard });
    // Past the depth budget the body is unanalyzable: the guard that skips UPDATE is not assumed away.
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 'g.rego', line: 2, column: 1 }]);
  });
});

describe('long Rego reference chains end quickly in one finding (issue 14 item 6)', () => {
  test.each([
    ['a 40 KB reference', `package refs\ndeny[msg] {\n  input.review.object${'.a'.repeat(20000)}\n  msg := "x"\n}\n`],
    [
      'a 20,000-step variable chain',
      `package vars\ndeny[msg] {\n  x0 := input.review.object\n${Array.from({ length: 20000 }, (_, i) => `  x${i + 1} := x${i}.a\n`).join('')}  x20000\n  msg := "x"\n}\n`,
    ],
  ])('%s', (_name, text) => {
    const r = auditFiles({ 'long.rego': text });
    const found = r.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(located(found)).toEqual([{ ruleId: 'policy-unanalyzable', file: 'long.rego', line: 2, column: 1 }]);
    expect(found[0]!.message).toMatch(/a reference more than 64 segments long/);
  });
});
