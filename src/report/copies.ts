/**
 * Findings identical apart from the file (the same policy copied into several files, such as a
 * library's versioned copies) are shown once by the human reports, with the other files named.
 * Machine reports (JSON, SARIF) keep one result per file.
 */
import type { Finding } from '../facts';

export interface Grouped {
  finding: Finding;
  /** The other files with the same finding, in report order. */
  copies: string[];
}

const sameApartFromFile = (f: Finding): string => JSON.stringify({ ...f, file: '' });

/** Each group is kept at its first finding, in the findings' own order. */
export function groupCopies(findings: readonly Finding[]): Grouped[] {
  const groups = new Map<string, Grouped>();
  for (const f of findings) {
    const key = sameApartFromFile(f);
    const g = groups.get(key);
    if (g) g.copies.push(f.file);
    else groups.set(key, { finding: f, copies: [] });
  }
  return [...groups.values()];
}

/** "same in 3 more files: a, b, c" (at most `max` named). */
export function copiesNote(copies: readonly string[], max = 5): string {
  const named = copies.slice(0, max).join(', ');
  const more = copies.length > max ? `, and ${copies.length - max} more` : '';
  return `same in ${copies.length} more file${copies.length === 1 ? '' : 's'}: ${named}${more}`;
}
