/**
 * A fingerprint per finding for code-scanning services (SARIF, GitLab Code Quality): the baseline's
 * identity (file, policy, rule, control, location: no line, no message, nothing the target version
 * changes), its file relative to the repository root, hashed. Findings with the same identity are
 * told apart by their order.
 */
import { createHash } from 'node:crypto';
import { findingKey } from '../baseline';
import type { Finding } from '../facts';
import { rootRelative } from '../repo-root';

export function fingerprints(findings: readonly Finding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const hash = createHash('sha256').update(findingKey({ ...f, file: rootRelative(f.file) })).digest('hex');
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    return `${hash}:${occurrence}`;
  });
}
