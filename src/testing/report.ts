/**
 * `polcov test` output: a table of suites (cases, pass, fail) followed by each failing case with what
 * was expected and what polcov found (the deciding policy, its verdict and messages); JSON; JUnit XML.
 */
import { escapeXml } from '../report/junit';
import { VERSION } from '../version';
import { mutationJunit, mutationText } from './mutate/report';
import type { CaseReport, SuiteReport, TestReport } from './run';

export const TEST_FORMATS = ['text', 'json', 'junit'] as const;
export type TestFormat = (typeof TEST_FORMATS)[number];

function decisionLines(c: CaseReport): string[] {
  return c.decisions.map((d) => `    decided by ${d.policy}${d.rule ? ` rule ${d.rule}` : ''} (${d.engine}): ${d.verdict}${d.reason ? ` (${d.reason})` : ''}`);
}

function textReport(r: TestReport): string {
  const rows = r.suites.map((s) => {
    const pass = s.cases.filter((c) => c.status === 'pass').length;
    return [s.error ? 'ERROR' : pass === s.cases.length ? 'ok' : 'FAIL', s.format, s.name, String(s.cases.length), String(pass), String(s.cases.length - pass), s.file];
  });
  const head = ['', 'format', 'suite', 'cases', 'pass', 'fail', 'file'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line), ''];
  for (const s of r.suites) {
    if (s.error) out.push(`${s.error.file}:${s.error.line}:${s.error.column}: suite ${s.name} cannot be read: ${s.error.message}`);
    for (const c of s.cases.filter((x) => x.status !== 'pass')) {
      out.push(`${c.file}:${c.line}: ${c.status === 'fail' ? 'FAIL' : 'ERROR'} ${c.path}`, `    expected: ${c.expected}`, `    actual:   ${c.actual}`, ...decisionLines(c));
    }
  }
  if (r.mutations) out.push(...mutationText(r.mutations));
  const t = r.totals;
  out.push(`${t.suites} suites, ${t.cases} cases: ${t.passed} passed, ${t.failed} failed, ${t.errored} errors${t.brokenSuites ? `, ${t.brokenSuites} suites unreadable` : ''}`);
  return `${out.join('\n')}\n`;
}

function jsonReport(r: TestReport): string {
  return `${JSON.stringify({ tool: { name: 'polcov', version: VERSION }, ...r }, null, 2)}\n`;
}

function junitSuite(s: SuiteReport): string[] {
  const failures = s.cases.filter((c) => c.status === 'fail').length;
  const errors = s.cases.filter((c) => c.status === 'error').length + (s.error ? 1 : 0);
  const lines = [`  <testsuite name="${escapeXml(s.name)}" file="${escapeXml(s.file)}" tests="${s.cases.length + (s.error ? 1 : 0)}" failures="${failures}" errors="${errors}">`];
  if (s.error) lines.push(`    <testcase classname="${escapeXml(s.file)}" name="${escapeXml(s.name)}"><error message="${escapeXml(s.error.message)}">${escapeXml(`${s.error.file}:${s.error.line}:${s.error.column}`)}</error></testcase>`);
  for (const c of s.cases) {
    const open = `    <testcase classname="${escapeXml(s.file)}" name="${escapeXml(c.path)}" file="${escapeXml(c.file)}" line="${c.line}"`;
    if (c.status === 'pass') lines.push(`${open}/>`);
    else {
      const tag = c.status === 'fail' ? 'failure' : 'error';
      const body = [`expected: ${c.expected}`, `actual: ${c.actual}`, ...decisionLines(c)].join('\n');
      lines.push(`${open}><${tag} message="${escapeXml(`expected ${c.expected}, got ${c.actual}`)}">${escapeXml(body)}</${tag}></testcase>`);
    }
  }
  lines.push('  </testsuite>');
  return lines;
}

function junitReport(r: TestReport): string {
  const t = r.totals;
  const m = r.mutations?.totals;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="polcov test" tests="${t.cases + t.brokenSuites + (m?.variants ?? 0)}" failures="${t.failed + (m?.bypasses ?? 0)}" errors="${t.errored + t.brokenSuites + (m?.undecided ?? 0)}">`,
    ...r.suites.flatMap(junitSuite),
    ...(r.mutations ? mutationJunit(r.mutations) : []),
    '</testsuites>',
    '',
  ].join('\n');
}

export const TEST_REPORTERS: Record<TestFormat, (r: TestReport) => string> = { text: textReport, json: jsonReport, junit: junitReport };
