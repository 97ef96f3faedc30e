/**
 * Human output: the target version, a first screen of counts per rule (errors first), then the
 * findings grouped by file with an indented fix hint and the rule's page under each (copies in other
 * files shown once), the coverage matrix, input problems and a summary line.
 */
import type { AuditResult } from '../audit';
import { coverageRows, type CoverageCount } from '../coverage/table';
import { LOCATIONS, type Finding, type FindingEvidence, type Severity } from '../facts';
import { docUrl, RULES } from '../rules';
import { copiesNote, groupCopies } from './copies';
import { assumptions, summarySentence } from './summary';
import type { Reporter } from '.';

const SUMMARIES = new Map(RULES.map((r) => [r.meta.id, r.meta.summary]));
const RULE_WIDTH = Math.max(...RULES.map((r) => r.meta.id.length));
const COLORS: Record<Severity | 'dim' | 'bold', string> = { error: '31', warning: '33', note: '36', dim: '2', bold: '1' };

/** --prove: a confirmed finding says so in bold; an unconfirmed one says why. */
function evidenceLine(e: FindingEvidence, paint: (c: keyof typeof COLORS, s: string) => string): string {
  return e.verdict === 'confirmed'
    ? paint('bold', `CONFIRMED: ${printable(e.witness ?? '')} is admitted`)
    : paint('dim', `unconfirmed: ${printable(e.reason ?? '')}`);
}

export const text: Reporter = (r, { color, coverage }) => {
  const paint = (c: keyof typeof COLORS, s: string): string => (color ? `\x1b[${COLORS[c]}m${s}\x1b[0m` : s);
  const lines: string[] = [...assumptions(r).map((l) => paint('dim', l))];
  if (r.findings.length > 0) lines.push('', ...countsByRule(r.findings, paint));
  let file = '';
  for (const { finding: f, copies } of groupCopies(r.findings)) {
    if (f.file !== file) {
      lines.push('', paint('bold', printable(f.file)));
      file = f.file;
    }
    lines.push(`${printable(f.file)}:${f.line}:${f.column}  ${paint(f.severity, f.severity.padEnd(7))}  ${f.ruleId}  ${printable(f.message)}`);
    lines.push(`    ${paint('dim', `fix: ${printable(f.hint)}  ${docUrl(f.ruleId)}`)}`);
    if (f.evidence) lines.push(`    ${evidenceLine(f.evidence, paint)}`);
    if (copies.length > 0) lines.push(`    ${paint('dim', printable(copiesNote(copies)))}`);
  }
  if (coverage ?? r.policies.length > 1) lines.push('', paint('bold', 'Coverage'), ...coverageTable(r));
  if (r.errors.length > 0) {
    lines.push('', paint('bold', 'Input problems'));
    for (const e of r.errors) {
      const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
      lines.push(`${printable(where)}  ${paint(e.severity, e.severity.padEnd(7))}  ${printable(e.message)}`);
    }
  }
  lines.push('', summarySentence(r));
  return lines.join('\n') + '\n';
};

const HEADINGS: Record<Severity, [string, string]> = { error: ['error', 'errors'], warning: ['warning', 'warnings'], note: ['note', 'notes'] };

/** The first screen: per severity (errors first), one line per rule id with its count, most frequent first. */
function countsByRule(findings: readonly Finding[], paint: (c: keyof typeof COLORS, s: string) => string): string[] {
  const out: string[] = [];
  for (const severity of ['error', 'warning', 'note'] as const) {
    const counts = new Map<string, number>();
    for (const f of findings) if (f.severity === severity) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
    if (counts.size === 0) continue;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    out.push(paint(severity, `${total} ${HEADINGS[severity][total === 1 ? 0 : 1]}`));
    const rows = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1));
    const width = Math.max(...rows.map(([, n]) => String(n).length));
    for (const [id, n] of rows) out.push(`  ${String(n).padStart(width)}  ${id.padEnd(RULE_WIDTH)}  ${paint('dim', SUMMARIES.get(id) ?? '')}`.trimEnd());
  }
  return out;
}

/** Controls × locations; each cell counts the blocking policies ("2+1ns": two cluster-wide, one in some namespaces). */
function coverageTable(r: AuditResult): string[] {
  const cell = (c: CoverageCount | undefined): string =>
    !c ? '' : c.clusterWide + c.namespaced === 0 ? '-' : c.namespaced ? `${c.clusterWide}+${c.namespaced}ns` : String(c.clusterWide);
  const rows = [
    ['control', 'pod', 'containers', 'init', 'ephemeral'],
    ...coverageRows(r.coverage).map((row) => [row.control, ...LOCATIONS.map((l) => cell(row.cells[l]))]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map((row) => row.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
  return [...table, 'Blocking policies per control and location: "-" none, "+Nns" N more in some namespaces only, blank: no such field there.'];
}

/** Policy text reaches the terminal: escape control characters so a name cannot forge lines or colours. */
function printable(s: string): string {
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
