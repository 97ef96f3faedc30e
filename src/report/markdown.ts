/**
 * Markdown for a pull-request comment: the summary, a findings table (errors first; locations as
 * plain text, since links depend on the host), suppressed findings and input problems folded away,
 * and the coverage matrix when there is any coverage. Cut to fit a comment, saying what was left out.
 */
import type { AuditResult } from '../audit';
import { coverageRows, type CoverageCount } from '../coverage/table';
import { LOCATIONS, type PolicyRef } from '../facts';
import { copiesNote, groupCopies } from './copies';
import { assumptions, summarySentence } from './summary';
import { severityRank } from '../audit';
import type { Reporter } from '.';

/** GitHub refuses a comment over 65,536 characters; the rest is room for whatever wraps the report. */
export const MARKDOWN_LIMIT = 60_000;

const MARKDOWN_SPECIAL = /[\\`*_[\]<>|&]/g;
const ESCAPED: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** Escapes text for a table cell, keeping `code spans` as code (where only the pipe needs escaping). */
export function cell(s: string): string {
  return s
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/\|/g, '\\|') : part.replace(MARKDOWN_SPECIAL, (c) => ESCAPED[c] ?? `\\${c}`)))
    .join('')
    .replace(/\r?\n/g, '<br>');
}

const policyName = (p: PolicyRef, rule?: string): string =>
  `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}${rule ? `, rule "${rule}"` : ''}`;
const where = (x: { file: string; line: number; column: number }): string => (x.line > 0 ? `${x.file}:${x.line}:${x.column}` : x.file);

function table(header: string[], rows: string[][], align: string[] = header.map(() => '---')): string[] {
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function folded(summary: string, body: string[]): string[] {
  return ['', '<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>'];
}

const count = (c: CoverageCount | undefined): string =>
  !c ? '' : c.clusterWide + c.namespaced === 0 ? '**0**' : c.namespaced ? `${c.clusterWide}+${c.namespaced}ns` : String(c.clusterWide);

export const markdown: Reporter = (r, { fullReport }) => {
  const head = ['### polcov', '', cell(summarySentence(r)), '', ...assumptions(r).map(cell)];
  const groups = groupCopies([...r.findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity)));
  const rows = groups.map(({ finding: f, copies }) => [
    f.severity,
    `\`${f.ruleId}\``,
    cell(where(f)),
    cell(policyName(f.policy, f.rule)),
    `${cell(f.message)}<br>**fix:** ${cell(f.hint)}${copies.length > 0 ? `<br>${cell(copiesNote(copies))}` : ''}`,
  ]);
  const header = ['severity', 'rule', 'location', 'policy', 'finding'];
  const findingsTable = (n: number): string[] => (n > 0 ? ['', ...table(header, rows.slice(0, n))] : []);
  const full = [...head, ...findingsTable(rows.length), ...details(r)].join('\n') + '\n';
  if (full.length <= MARKDOWN_LIMIT) return full;

  // Too long for a comment: as many rows as fit (errors first), the folded sections only if they fit too.
  const size = (lines: string[]): number => lines.join('\n').length + 1;
  const leftOut = (shown: number): string => {
    const count = groups.slice(shown).reduce((n, g) => n + 1 + g.copies.length, 0);
    return `**${count} findings left out** to fit a comment; the full report is at ${fullReport ?? 'the CI log (polcov scan --format text)'}.`;
  };
  // The left-out line's number may grow by a few digits: 100 characters of slack.
  let room = MARKDOWN_LIMIT - size([...head, '', leftOut(0), '', ...table(header, [])]) - 100;
  let shown = 0;
  for (const row of rows) {
    const n = size(table(header, [row]).slice(2));
    if (n > room) break;
    room -= n;
    shown++;
  }
  const rest = details(r);
  const fitting = shown === rows.length && size(rest) <= room ? rest : [];
  return [...head, '', leftOut(shown), ...findingsTable(shown), ...fitting].join('\n') + '\n';
};

/** Suppressed findings, input problems and the coverage matrix, folded away. */
function details(r: AuditResult): string[] {
  const out: string[] = [];
  if (r.suppressed.length > 0) {
    out.push(...folded(`${r.suppressed.length} suppressed`, table(
      ['rule', 'location', 'reason'],
      r.suppressed.map((f) => [`\`${f.ruleId}\``, cell(where(f)), cell(f.suppression.reason)]),
    )));
  }
  if (r.errors.length > 0) {
    out.push(...folded(`${r.errors.length} input problems`, table(
      ['severity', 'location', 'problem'],
      r.errors.map((e) => [e.severity, cell(where(e)), cell(e.message)]),
    )));
  }
  if (Object.values(r.coverage).some((byLocation) => LOCATIONS.some((l) => byLocation[l].length > 0))) {
    out.push(...folded('Coverage: blocking policies per control and location', [
      ...table(['control', ...LOCATIONS], coverageRows(r.coverage).map((row) => [row.control, ...LOCATIONS.map((l) => count(row.cells[l]))]), ['---', ...LOCATIONS.map(() => '---:')]),
      '',
      '**0**: nothing blocks it there; blank: the field does not exist there; `+Nns`: N more policies in some namespaces only.',
    ]));
  }
  return out;
}
