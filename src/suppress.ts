/**
 * Inline suppressions: `# polcov-ignore <rule-id>[,<rule-id>…]: <reason>` inside a YAML document
 * silences those rules for findings in that document (in a .rego file: in the whole file). The reason
 * is required; a comment without one suppresses nothing and is reported. Suppressed findings are kept
 * apart, never dropped.
 */
import type { SourceFile } from './discover/walk';
import type { Finding, ScanError } from './facts';

const SUPPRESSION_MARKER = 'polcov-ignore';

export interface SuppressedFinding extends Finding {
  suppression: { reason: string; line: number };
}

interface Suppression {
  ruleIds: string[];
  reason: string;
  line: number;
}

/** A `---`-delimited YAML document as an inclusive line range, with the suppressions written in it. */
interface DocumentRange {
  first: number;
  last: number;
  suppressions: Suppression[];
}

const COMMENT = /(?:^|\s)#\s*polcov-ignore(?![\w-])(.*)$/;
const BODY = /^\s*([\w-]+(?:\s*,\s*[\w-]+)*)\s*(?::(.*))?$/;
const DOCUMENT_START = /^---(\s|$)/;
const CONTENT_FREE = /^\s*(#.*)?$/;

/** Line ranges of the YAML documents in `lines`; a range holding only comments belongs to the next one. */
export function documentRanges(lines: string[], wholeFile: boolean): DocumentRange[] {
  if (wholeFile) return [{ first: 1, last: lines.length, suppressions: [] }];
  const ranges: DocumentRange[] = [];
  let first = 1;
  let hasContent = false;
  lines.forEach((line, i) => {
    const n = i + 1;
    if (n > 1 && DOCUMENT_START.test(line) && hasContent) {
      ranges.push({ first, last: n - 1, suppressions: [] });
      first = n;
      hasContent = false;
    }
    if (!DOCUMENT_START.test(line) && !CONTENT_FREE.test(line)) hasContent = true;
  });
  ranges.push({ first, last: lines.length, suppressions: [] });
  return ranges;
}

/** Reads the suppression comments of one file into its document ranges; malformed ones become warnings. */
function suppressionsOf(source: SourceFile, knownRules: ReadonlySet<string>, errors: ScanError[]): DocumentRange[] {
  const lines = source.text.split(/\r?\n/);
  const ranges = documentRanges(lines, source.path.toLowerCase().endsWith('.rego'));
  const warn = (line: number, column: number, message: string): void => {
    errors.push({ file: source.path, line, column, severity: 'warning', message });
  };
  lines.forEach((text, i) => {
    const m = COMMENT.exec(text);
    if (!m) return;
    const line = i + 1;
    const column = text.indexOf('#', m.index) + 1;
    const body = BODY.exec(m[1]!);
    if (!body) return warn(line, column, `polcov-ignore needs rule ids: write "# polcov-ignore <rule-id>[,<rule-id>…]: <reason>"`);
    const ruleIds = body[1]!.split(',').map((s) => s.trim());
    const reason = body[2]?.trim() ?? '';
    if (!reason) return warn(line, column, `polcov-ignore needs a reason: write "# polcov-ignore ${ruleIds.join(',')}: <why this is safe>"; nothing is suppressed`);
    const unknown = ruleIds.filter((id) => !knownRules.has(id));
    if (unknown.length > 0) warn(line, column, `polcov-ignore names no polcov rule: ${unknown.join(', ')}`);
    ranges.find((r) => line >= r.first && line <= r.last)!.suppressions.push({ ruleIds, reason, line });
  });
  return ranges;
}

export function applySuppressions(
  findings: Finding[],
  sources: SourceFile[],
  knownRules: ReadonlySet<string>,
  errors: ScanError[],
): { findings: Finding[]; suppressed: SuppressedFinding[] } {
  const byFile = new Map<string, DocumentRange[]>();
  for (const s of sources) {
    if (s.text.includes(SUPPRESSION_MARKER)) byFile.set(s.path, suppressionsOf(s, knownRules, errors));
  }
  if (byFile.size === 0) return { findings, suppressed: [] };
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const range = byFile.get(f.file)?.find((r) => f.line >= r.first && f.line <= r.last);
    const s = range?.suppressions.find((x) => x.ruleIds.includes(f.ruleId));
    if (s) suppressed.push({ ...f, suppression: { reason: s.reason, line: s.line } });
    else kept.push(f);
  }
  return { findings: kept, suppressed };
}
