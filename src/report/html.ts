/**
 * A self-contained HTML page for people who read reports in a browser (CI artifacts): the summary,
 * findings (errors first, byte-identical copies grouped) with their fix and rule page, input problems,
 * suppressed findings and the coverage matrix. Everything from the scanned files is escaped; the page
 * loads nothing from elsewhere.
 */
import { severityRank } from '../audit';
import { coverageRows, type CoverageCount } from '../coverage/table';
import { LOCATIONS, type PolicyRef } from '../facts';
import { docUrl } from '../rules';
import { copiesNote, groupCopies } from './copies';
import { assumptions, summarySentence } from './summary';
import type { Reporter } from '.';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

const where = (x: { file: string; line: number; column: number }): string => (x.line > 0 ? `${x.file}:${x.line}:${x.column}` : x.file);
const policyName = (p: PolicyRef, rule?: string): string =>
  `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}${rule ? `, rule "${rule}"` : ''}`;

const row = (cells: string[], tag = 'td'): string => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
const table = (header: string[], rows: string[][]): string[] =>
  rows.length === 0 ? [] : ['<table>', `<thead>${row(header.map(escapeHtml), 'th')}</thead>`, '<tbody>', ...rows.map((r) => row(r)), '</tbody>', '</table>'];

const count = (c: CoverageCount | undefined): string =>
  !c ? '' : c.clusterWide + c.namespaced === 0 ? '<strong>0</strong>' : c.namespaced ? `${c.clusterWide}+${c.namespaced}ns` : String(c.clusterWide);

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f24}',
  'table{border-collapse:collapse;margin:1em 0}',
  'th,td{border:1px solid #d0d7de;padding:.3em .6em;vertical-align:top;text-align:left}',
  'code{font-family:ui-monospace,monospace}',
  '.error{color:#b91c1c}.warning{color:#a16207}.note{color:#1d4ed8}',
].join('');

export const html: Reporter = (r) => {
  const findings = groupCopies([...r.findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))).map(({ finding: f, copies }) => [
    `<span class="${f.severity}">${f.severity}</span>`,
    `<a href="${escapeHtml(docUrl(f.ruleId))}"><code>${escapeHtml(f.ruleId)}</code></a>`,
    `<code>${escapeHtml(where(f))}</code>`,
    escapeHtml(policyName(f.policy, f.rule)),
    [
      escapeHtml(f.message),
      `<strong>fix:</strong> ${escapeHtml(f.hint)}`,
      ...(f.evidence ? [`<strong>evidence:</strong> ${escapeHtml([f.evidence.verdict, f.evidence.witness ?? f.evidence.reason].filter(Boolean).join(': '))}`] : []),
      ...(copies.length > 0 ? [escapeHtml(copiesNote(copies))] : []),
    ].join('<br>'),
  ]);
  const coverage = Object.values(r.coverage).some((byLocation) => LOCATIONS.some((l) => byLocation[l].length > 0))
    ? [
        '<h2>Coverage: blocking policies per control and location</h2>',
        ...table(['control', ...LOCATIONS], coverageRows(r.coverage).map((c) => [escapeHtml(c.control), ...LOCATIONS.map((l) => count(c.cells[l]))])),
        '<p><strong>0</strong>: nothing blocks it there; blank: the field does not exist there; +Nns: N more policies in some namespaces only.</p>',
      ]
    : [];
  const body = [
    '<h1>polcov</h1>',
    `<p>${escapeHtml(summarySentence(r))}</p>`,
    ...assumptions(r).map((a) => `<p>${escapeHtml(a)}</p>`),
    ...(findings.length ? ['<h2>Findings</h2>', ...table(['severity', 'rule', 'location', 'policy', 'finding'], findings)] : []),
    ...(r.errors.length ? ['<h2>Input problems</h2>', ...table(['severity', 'location', 'problem'], r.errors.map((e) => [e.severity, `<code>${escapeHtml(where(e))}</code>`, escapeHtml(e.message)]))] : []),
    ...(r.suppressed.length
      ? ['<h2>Suppressed</h2>', ...table(['rule', 'location', 'reason'], r.suppressed.map((f) => [`<code>${escapeHtml(f.ruleId)}</code>`, `<code>${escapeHtml(where(f))}</code>`, escapeHtml(f.suppression.reason)]))]
      : []),
    ...coverage,
  ];
  return ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<title>polcov report</title>', `<style>${STYLE}</style>`, '</head>', '<body>', ...body, '</body>', '</html>', ''].join('\n');
};
