/** The git repository a path belongs to, found by its `.git` (no git command runs). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The closest folder at or above `dir` that holds `.git` (a folder, or a file in worktrees and submodules). */
export function repositoryRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * A scanned file's path relative to its repository root (else to `fallback`), with forward slashes:
 * the same wherever polcov was started from.
 */
export function rootRelative(file: string, fallback: string = process.cwd()): string {
  if (file === '<stdin>') return file;
  const abs = path.resolve(file);
  const root = repositoryRoot(path.dirname(abs)) ?? fallback;
  return path.relative(root, abs).split(path.sep).join('/');
}
