/**
 * Inline suppressions: `# polcov-ignore <rule-id>[,<rule-id>…]: <reason>` inside a YAML document
 * silences those rules for findings in that document (in a .rego file: in the whole file). The reason
 * is required; a comment without one suppresses nothing and is reported, and so is one that matches no
 * finding. Only real comments count: YAML comments as the `yaml` parser sees them (never a `#` inside
 * a string value), `#` comments outside strings in Rego. Suppressed findings are kept apart, never dropped.
 */
import { Parser } from './yaml-lib';
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
  column: number;
  /** The rule ids that matched a finding in the document. */
  matched: Set<string>;
}

/** A `---`-delimited YAML document as an inclusive line range, with the suppressions written in it. */
interface DocumentRange {
  first: number;
  last: number;
  suppressions: Suppression[];
}

const COMMENT = /^#\s*polcov-ignore(?![\w-])(.*)$/;
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

/** A comment: its text from the `#` to the end of the line, and the offset of the `#`. */
interface Comment {
  offset: number;
  text: string;
}

/**
 * The real comments of a YAML (or JSON) file, from the `yaml` package's concrete syntax tree: a `#`
 * inside a quoted, plain or block scalar is part of the value, not a comment.
 */
export function yamlComments(text: string): Comment[] {
  const out: Comment[] = [];
  // An explicit stack, not recursion: a document nested thousands deep must not overflow the call stack.
  const stack: unknown[] = [...new Parser().parse(text)];
  while (stack.length > 0) {
    const t = stack.pop();
    if (!t || typeof t !== 'object') continue;
    const token = t as { type?: unknown; offset?: unknown; source?: unknown };
    if (token.type === 'comment' && typeof token.offset === 'number' && typeof token.source === 'string') {
      out.push({ offset: token.offset, text: token.source });
    }
    for (const v of Array.isArray(t) ? t : Object.values(t)) if (v && typeof v === 'object') stack.push(v);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** The `#` comments of a Rego file: not inside a string ("…" with escapes) or a raw string (`…`). */
export function regoComments(text: string): Comment[] {
  const out: Comment[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // A string ends at an unescaped quote; Rego strings do not span lines.
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      i = end === -1 ? text.length : end;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out.push({ offset: i, text: text.slice(i, stop).replace(/\r$/, '') });
      i = stop;
    }
  }
  return out;
}

/** 1-based line and column of an offset, from the offsets where lines start. */
function position(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

/** Reads the suppression comments of one file into its document ranges; malformed ones become warnings. */
function suppressionsOf(source: SourceFile, knownRules: ReadonlySet<string>, errors: ScanError[]): DocumentRange[] {
  const lines = source.text.split(/\r?\n/);
  const rego = source.path.toLowerCase().endsWith('.rego');
  const ranges = documentRanges(lines, rego);
  const lineStarts = [0];
  for (let i = source.text.indexOf('\n'); i !== -1; i = source.text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const warn = (line: number, column: number, message: string): void => {
    errors.push({ file: source.path, line, column, severity: 'warning', message });
  };
  for (const comment of rego ? regoComments(source.text) : yamlComments(source.text)) {
    const m = COMMENT.exec(comment.text);
    if (!m) continue;
    const { line, column } = position(lineStarts, comment.offset);
    const body = BODY.exec(m[1]!);
    if (!body) {
      warn(line, column, `polcov-ignore needs rule ids: write "# polcov-ignore <rule-id>[,<rule-id>…]: <reason>"`);
      continue;
    }
    const ruleIds = body[1]!.split(',').map((s) => s.trim());
    const reason = body[2]?.trim() ?? '';
    if (!reason) {
      warn(line, column, `polcov-ignore needs a reason: write "# polcov-ignore ${ruleIds.join(',')}: <why this is safe>"; nothing is suppressed`);
      continue;
    }
    const unknown = ruleIds.filter((id) => !knownRules.has(id));
    if (unknown.length > 0) warn(line, column, `polcov-ignore names no polcov rule: ${unknown.join(', ')}`);
    ranges.find((r) => line >= r.first && line <= r.last)!.suppressions.push({ ruleIds, reason, line, column, matched: new Set() });
  }
  return ranges;
}

/** Whether a file can hold suppression comments: only those files' texts are kept for applySuppressions. */
export function mayHoldSuppressions(source: SourceFile): boolean {
  return source.text.includes(SUPPRESSION_MARKER);
}

/**
 * Moves findings named by a suppression in their document to `suppressed`. A suppression naming a
 * known rule that has no finding in its document is reported as a warning (stale, or on the wrong
 * document) — except for rules outside `activeRules` (switched off), when that set is given.
 */
export function applySuppressions(
  findings: Finding[],
  sources: SourceFile[],
  knownRules: ReadonlySet<string>,
  errors: ScanError[],
  activeRules: ReadonlySet<string> = knownRules,
): { findings: Finding[]; suppressed: SuppressedFinding[] } {
  const byFile = new Map<string, DocumentRange[]>();
  for (const s of sources) {
    if (mayHoldSuppressions(s)) byFile.set(s.path, suppressionsOf(s, knownRules, errors));
  }
  if (byFile.size === 0) return { findings, suppressed: [] };
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const range = byFile.get(f.file)?.find((r) => f.line >= r.first && f.line <= r.last);
    for (const x of range?.suppressions ?? []) if (x.ruleIds.includes(f.ruleId)) x.matched.add(f.ruleId);
    const s = range?.suppressions.find((x) => x.ruleIds.includes(f.ruleId));
    if (s) suppressed.push({ ...f, suppression: { reason: s.reason, line: s.line } });
    else kept.push(f);
  }
  for (const [file, ranges] of byFile) {
    for (const s of ranges.flatMap((r) => r.suppressions)) {
      const unmatched = s.ruleIds.filter((id) => knownRules.has(id) && activeRules.has(id) && !s.matched.has(id));
      if (unmatched.length > 0) {
        errors.push({ file, line: s.line, column: s.column, severity: 'warning', message: `polcov-ignore ${unmatched.join(', ')} matches no finding in this document` });
      }
    }
  }
  return { findings: kept, suppressed };
}
