/**
 * GitLab Code Quality: the JSON array a merge request reads (`artifacts:reports:codequality`), one
 * issue per finding and input problem, each with a path relative to the repository root, the line,
 * a fingerprint that survives line shifts, and GitLab's severity words.
 */
import { createHash } from 'node:crypto';
import type { Finding, ScanError, Severity } from '../facts';
import { rootRelative } from '../repo-root';
import { docUrl } from '../rules';
import { fingerprints } from './identity';
import type { Reporter } from '.';

const SEVERITY: Record<Severity, string> = { error: 'critical', warning: 'major', note: 'minor' };

interface Issue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines: { begin: number } };
}

// GitLab needs a line: a problem with the whole file sits on line 1.
const location = (at: { file: string; line: number }): Issue['location'] => ({ path: rootRelative(at.file), lines: { begin: Math.max(at.line, 1) } });

export const codequality: Reporter = (r) => {
  const prints = fingerprints(r.findings);
  const findings = r.findings.map((f: Finding, i): Issue => ({
    description: `${f.message} (fix: ${f.hint}; ${docUrl(f.ruleId)})`,
    check_name: f.ruleId,
    fingerprint: prints[i]!,
    severity: SEVERITY[f.severity],
    location: location(f),
  }));
  const problems = r.errors.map((e: ScanError): Issue => ({
    description: `polcov could not read this input: ${e.message}`,
    check_name: 'polcov-input',
    fingerprint: createHash('sha256').update(JSON.stringify(['input', rootRelative(e.file), e.line, e.message])).digest('hex'),
    severity: SEVERITY[e.severity],
    location: location(e),
  }));
  return JSON.stringify([...findings, ...problems], null, 2) + '\n';
};
