/**
 * GitHub Actions workflow commands: one `::error|warning|notice` annotation per finding and input
 * problem, then the summary as a plain log line.
 */
import type { ScanError, Severity } from '../facts';
import { summarySentence } from './summary';
import type { Reporter } from '.';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'notice' };

/** Escaping from GitHub's toolkit (command.ts): data escapes %, CR, LF; properties also : and ,. */
export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function annotation(level: Severity, at: { file: string; line: number; column: number }, message: string, title?: string): string {
  const props: [string, string | number][] = [];
  if (at.file !== '<stdin>') {
    props.push(['file', at.file]);
    if (at.line > 0) props.push(['line', at.line]);
    if (at.line > 0 && at.column > 0) props.push(['col', at.column]);
  }
  if (title) props.push(['title', title]);
  const list = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${COMMAND[level]}${list ? ` ${list}` : ''}::${escapeData(message)}`;
}

export const github: Reporter = (r) => {
  const lines = r.findings.map((f) => annotation(f.severity, f, `${f.message} (fix: ${f.hint})`, f.ruleId));
  lines.push(...r.errors.map((e: ScanError) => annotation(e.severity, e, e.message, 'polcov input')));
  lines.push(`polcov: ${summarySentence(r)}`);
  return lines.join('\n') + '\n';
};
