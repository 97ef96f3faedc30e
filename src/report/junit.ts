/**
 * JUnit XML for CI test views: one testsuite per file, one testcase per policy, a failure per
 * finding. Suppressed findings are listed in their policy's system-out; input errors are errors.
 */
import type { AuditResult } from '../audit';
import type { Finding, PolicyRef, ScanError } from '../facts';
import type { SuppressedFinding } from '../suppress';
import { VERSION } from '../version';
import { summarySentence } from './summary';
import type { Reporter } from '.';

// XML 1.0 cannot carry most control characters at all, even escaped.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export const escapeXml = (s: string): string => s.replace(INVALID_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
const attrs = (a: Record<string, string | number>): string => Object.entries(a).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');

interface Case {
  name: string;
  line: number;
  failures: Finding[];
  suppressed: SuppressedFinding[];
}

interface Suite {
  cases: Map<string, Case>;
  errors: ScanError[];
  warnings: ScanError[];
}

const policyName = (p: PolicyRef): string => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;

/** Files → policies, from the policies scanned and every finding (so none is lost if its policy is not listed). */
function suites(r: AuditResult): Map<string, Suite> {
  const out = new Map<string, Suite>();
  const suite = (file: string): Suite => out.get(file) ?? out.set(file, { cases: new Map(), errors: [], warnings: [] }).get(file)!;
  const testcase = (file: string, policy: PolicyRef, line: number): Case => {
    const cases = suite(file).cases;
    const name = policyName(policy);
    return cases.get(name) ?? cases.set(name, { name, line, failures: [], suppressed: [] }).get(name)!;
  };
  for (const p of r.policies) testcase(p.at.file, p.policy, p.at.line);
  for (const f of r.findings) testcase(f.file, f.policy, f.line).failures.push(f);
  for (const f of r.suppressed) testcase(f.file, f.policy, f.line).suppressed.push(f);
  for (const e of r.errors) suite(e.file)[e.severity === 'error' ? 'errors' : 'warnings'].push(e);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const where = (x: { file: string; line: number; column: number }): string => (x.line > 0 ? `${x.file}:${x.line}:${x.column}` : x.file);

function testcaseXml(file: string, c: Case): string[] {
  const open = `    <testcase${attrs({ classname: file, name: c.name, file, line: c.line })}`;
  if (c.failures.length === 0 && c.suppressed.length === 0) return [`${open}/>`];
  const lines = [`${open}>`];
  for (const f of c.failures) {
    const body = `${where(f)}: ${f.severity} ${f.ruleId}\n${f.message}\nfix: ${f.hint}`;
    lines.push(`      <failure${attrs({ type: f.ruleId, message: f.message })}>${escapeXml(body)}</failure>`);
  }
  if (c.suppressed.length > 0) {
    const text = c.suppressed.map((f) => `suppressed ${f.ruleId} at ${where(f)}: ${f.suppression.reason}`).join('\n');
    lines.push(`      <system-out>${escapeXml(text)}</system-out>`);
  }
  lines.push('    </testcase>');
  return lines;
}

export const junit: Reporter = (r) => {
  const all = suites(r);
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const body: string[] = [];
  for (const [file, s] of all) {
    const cases = [...s.cases.values()];
    const caseCount = cases.length + (s.errors.length ? 1 : 0);
    const failed = cases.reduce((n, c) => n + c.failures.length, 0);
    tests += caseCount;
    failures += failed;
    errors += s.errors.length;
    body.push(`  <testsuite${attrs({ name: file, tests: caseCount, failures: failed, errors: s.errors.length, skipped: 0 })}>`);
    for (const c of cases) body.push(...testcaseXml(file, c));
    if (s.errors.length) {
      body.push(`    <testcase${attrs({ classname: file, name: 'input', file })}>`);
      for (const e of s.errors) body.push(`      <error${attrs({ type: 'input', message: e.message })}>${escapeXml(`${where(e)}: ${e.message}`)}</error>`);
      body.push('    </testcase>');
    }
    if (s.warnings.length) body.push(`    <system-out>${escapeXml(s.warnings.map((e) => `${where(e)}: warning: ${e.message}`).join('\n'))}</system-out>`);
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The summary, including findings not listed (suppressed, baselined); "--" may not appear in a comment.
    `<!-- polcov ${VERSION}: ${summarySentence(r).replace(INVALID_XML, '\uFFFD').replace(/--/g, '- -')} -->`,
    `<testsuites${attrs({ name: 'polcov', tests, failures, errors })}>`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
};
