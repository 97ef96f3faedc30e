/** Human output: findings grouped by file, an indented fix hint under each, then a summary line. */
import type { AuditResult } from '../audit';
import type { Finding, Severity } from '../facts';
import type { Reporter } from '.';

const COLORS: Record<Severity | 'dim' | 'bold', string> = { error: '31', warning: '33', note: '36', dim: '2', bold: '1' };

export const text: Reporter = (r, { color }) => {
  const paint = (c: keyof typeof COLORS, s: string): string => (color ? `\x1b[${COLORS[c]}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  let file = '';
  for (const f of r.findings) {
    if (f.file !== file) {
      if (file) lines.push('');
      lines.push(paint('bold', f.file));
      file = f.file;
    }
    lines.push(`${f.file}:${f.line}:${f.column}  ${paint(f.severity, f.severity.padEnd(7))}  ${f.ruleId}  ${f.message}`);
    lines.push(`    ${paint('dim', `fix: ${f.hint}`)}`);
  }
  if (r.errors.length > 0) {
    if (lines.length) lines.push('');
    lines.push(paint('bold', 'Input problems'));
    for (const e of r.errors) {
      const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
      lines.push(`${where}  ${paint(e.severity, e.severity.padEnd(7))}  ${e.message}`);
    }
  }
  if (lines.length) lines.push('');
  lines.push(summaryLine(r, r.findings));
  return lines.join('\n') + '\n';
};

function summaryLine(r: AuditResult, findings: Finding[]): string {
  const s = r.summary;
  const plural = (n: number, w: string, many = `${w}s`): string => `${n} ${n === 1 ? w : many}`;
  const counts = `${plural(s.findings.error, 'error')}, ${plural(s.findings.warning, 'warning')}, ${plural(s.findings.note, 'note')}`;
  const problems = s.errors > 0 ? `, ${plural(s.errors, 'input error')}` : '';
  return `${findings.length === 0 ? 'No findings' : plural(findings.length, 'finding')} (${counts})${problems} in ${plural(s.policies, 'policy', 'policies')} from ${plural(s.files, 'file')}.`;
}
