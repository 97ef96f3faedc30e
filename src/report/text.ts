/** Human output: findings grouped by file, an indented fix hint under each, then a summary line. */
import type { AuditResult } from '../audit';
import { coverageRows, type CoverageCount } from '../coverage/table';
import { LOCATIONS, type Severity } from '../facts';
import { summarySentence } from './summary';
import type { Reporter } from '.';

const COLORS: Record<Severity | 'dim' | 'bold', string> = { error: '31', warning: '33', note: '36', dim: '2', bold: '1' };

export const text: Reporter = (r, { color, coverage }) => {
  const paint = (c: keyof typeof COLORS, s: string): string => (color ? `\x1b[${COLORS[c]}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  let file = '';
  for (const f of r.findings) {
    if (f.file !== file) {
      if (file) lines.push('');
      lines.push(paint('bold', printable(f.file)));
      file = f.file;
    }
    lines.push(`${printable(f.file)}:${f.line}:${f.column}  ${paint(f.severity, f.severity.padEnd(7))}  ${f.ruleId}  ${printable(f.message)}`);
    lines.push(`    ${paint('dim', `fix: ${printable(f.hint)}`)}`);
  }
  if (coverage ?? r.policies.length > 1) {
    if (lines.length) lines.push('');
    lines.push(paint('bold', 'Coverage'), ...coverageTable(r));
  }
  if (r.errors.length > 0) {
    if (lines.length) lines.push('');
    lines.push(paint('bold', 'Input problems'));
    for (const e of r.errors) {
      const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
      lines.push(`${printable(where)}  ${paint(e.severity, e.severity.padEnd(7))}  ${printable(e.message)}`);
    }
  }
  if (lines.length) lines.push('');
  lines.push(summarySentence(r));
  return lines.join('\n') + '\n';
};

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
