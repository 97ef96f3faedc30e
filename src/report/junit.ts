/**
 * JUnit XML for CI test views, in the Jenkins/Surefire format: one testsuite per file, one testcase
 * per policy. A policy fails when it has a finding at or above the fail level (all of them in one
 * <failure>); milder and suppressed findings are in its system-out. Documents skipped as no policy
 * are skipped tests; a file's input errors are one test in error. Every count is of test cases, so
 * tests = passed + failures + errors + skipped.
 */
import { severityRank, type AuditResult } from '../audit';
import type { Finding, PolicyRef, ScanError } from '../facts';
import type { SkippedDocument } from '../discover/policy-shape';
import type { SuppressedFinding } from '../suppress';
import { VERSION } from '../version';
import { summarySentence } from './summary';
import type { Reporter, ReportOptions } from '.';

// XML 1.0 cannot carry most control characters at all, even escaped.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export const escapeXml = (s: string): string => s.replace(INVALID_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
const attrs = (a: Record<string, string | number>): string => Object.entries(a).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');

interface Case {
  name: string;
  findings: Finding[];
  suppressed: SuppressedFinding[];
}

interface Suite {
  cases: Map<string, Case>;
  skipped: SkippedDocument[];
  errors: ScanError[];
  warnings: ScanError[];
}

const policyName = (p: PolicyRef): string => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
const where = (x: { file: string; line: number; column: number }): string => (x.line > 0 ? `${x.file}:${x.line}:${x.column}` : x.file);

/**
 * Test views split a classname at its last dot into package and class: the file's path without its
 * extension, folders as packages (other dots become "_").
 */
export function classname(file: string): string {
  return file
    .replace(/\.[^./]*$/, '')
    .split('/')
    .filter((part) => part && part !== '.')
    .map((part) => part.replace(/[.<>]/g, '_'))
    .join('.');
}

/** Files → policies, from the policies scanned and every finding (so none is lost if its policy is not listed). */
function suites(r: AuditResult): Map<string, Suite> {
  const out = new Map<string, Suite>();
  const suite = (file: string): Suite => out.get(file) ?? out.set(file, { cases: new Map(), skipped: [], errors: [], warnings: [] }).get(file)!;
  const testcase = (file: string, policy: PolicyRef): Case => {
    const cases = suite(file).cases;
    const name = policyName(policy);
    return cases.get(name) ?? cases.set(name, { name, findings: [], suppressed: [] }).get(name)!;
  };
  for (const p of r.policies) testcase(p.at.file, p.policy);
  for (const f of r.findings) testcase(f.file, f.policy).findings.push(f);
  for (const f of r.suppressed) testcase(f.file, f.policy).suppressed.push(f);
  for (const d of r.skipped) suite(d.file).skipped.push(d);
  for (const e of r.errors) suite(e.file)[e.severity === 'error' ? 'errors' : 'warnings'].push(e);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const findingText = (f: Finding): string => `${where(f)}: ${f.severity} ${f.ruleId}\n${f.message}\nfix: ${f.hint}`;

function testcaseXml(cls: string, c: Case, fails: (f: Finding) => boolean): { xml: string[]; failed: boolean } {
  const failing = c.findings.filter(fails);
  const other = [
    ...c.findings.filter((f) => !fails(f)).map(findingText),
    ...c.suppressed.map((f) => `suppressed ${f.ruleId} at ${where(f)}: ${f.suppression.reason}`),
  ];
  const open = `    <testcase${attrs({ name: c.name, classname: cls })}`;
  if (failing.length === 0 && other.length === 0) return { xml: [`${open}/>`], failed: false };
  const xml = [`${open}>`];
  if (failing.length > 0) {
    const message = failing.length === 1 ? failing[0]!.message : `${failing.length} findings: ${[...new Set(failing.map((f) => f.ruleId))].join(', ')}`;
    xml.push(`      <failure${attrs({ message, type: failing[0]!.ruleId })}>${escapeXml(failing.map(findingText).join('\n\n'))}</failure>`);
  }
  if (other.length > 0) xml.push(`      <system-out>${escapeXml(other.join('\n\n'))}</system-out>`);
  xml.push('    </testcase>');
  return { xml, failed: failing.length > 0 };
}

export const junit: Reporter = (r, { failOn = 'error' }: ReportOptions) => {
  const fails = (f: Finding): boolean => failOn !== 'never' && severityRank(f.severity) <= severityRank(failOn);
  const total = { tests: 0, failures: 0, errors: 0 };
  const body: string[] = [];
  for (const [file, s] of suites(r)) {
    const cls = classname(file);
    const cases: string[] = [];
    let failures = 0;
    for (const c of s.cases.values()) {
      const { xml, failed } = testcaseXml(cls, c, fails);
      cases.push(...xml);
      if (failed) failures++;
    }
    for (const d of s.skipped) {
      cases.push(`    <testcase${attrs({ name: `${d.kind} ${d.name}`, classname: cls })}>`, `      <skipped${attrs({ message: d.reason })}/>`, '    </testcase>');
    }
    if (s.errors.length > 0) {
      const message = s.errors.length === 1 ? s.errors[0]!.message : `${s.errors.length} input errors`;
      cases.push(
        `    <testcase${attrs({ name: 'input', classname: cls })}>`,
        `      <error${attrs({ message, type: 'input' })}>${escapeXml(s.errors.map((e) => `${where(e)}: ${e.message}`).join('\n'))}</error>`,
        '    </testcase>',
      );
    }
    const errors = s.errors.length > 0 ? 1 : 0;
    const tests = s.cases.size + s.skipped.length + errors;
    total.tests += tests;
    total.failures += failures;
    total.errors += errors;
    body.push(`  <testsuite${attrs({ name: file, tests, failures, errors, skipped: s.skipped.length })}>`, ...cases);
    if (s.warnings.length) body.push(`    <system-out>${escapeXml(s.warnings.map((e) => `${where(e)}: warning: ${e.message}`).join('\n'))}</system-out>`);
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The summary, including findings not listed (suppressed, baselined); "--" may not appear in a comment.
    `<!-- polcov ${VERSION}: ${summarySentence(r).replace(INVALID_XML, '\uFFFD').replace(/--/g, '- -')} -->`,
    `<testsuites${attrs({ name: 'polcov', ...total })}>`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
};
