/**
 * Pull-request mode: audit the policy set at a git revision (read from git objects, the working tree
 * is never checked out) and in the working tree, and keep only the findings the change introduces,
 * compared with the same line-independent key as baselines.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit, DEFAULT_MAX_FILE_BYTES, UsageError, type AuditOptions, type AuditResult } from './audit';
import { matchBaseline, makeBaseline, withFindings } from './baseline';
import { decodeSource, displayPath, hasPolicyExtension, SKIP_DIRS, type SourceFile } from './discover/walk';

function git(args: string[], cwd: string, input?: string, maxBuffer = 64 * 1024 * 1024): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, maxBuffer, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const why = err.stderr?.toString().trim().split('\n')[0] || err.message;
    throw new UsageError(`--diff-base: git ${args[0]} failed: ${why}`);
  }
}

interface TreeEntry {
  name: string;
  oid: string;
  size: number;
}

const LS_TREE_LINE = /^\d+ blob ([0-9a-f]+) +(\d+)\t([^]*)$/;

/** The policy files under `paths` at `ref`, as the working-tree walk would pick them. */
export function sourcesAtRef(ref: string, paths: string[], maxFileBytes = DEFAULT_MAX_FILE_BYTES): SourceFile[] {
  if (ref.startsWith('-')) throw new UsageError(`--diff-base: "${ref}" is not a git revision`);
  // Run git inside the scanned repository: the paths need not be under the current folder.
  const gitCwd = nearestDir(path.resolve(paths[0] ?? '.'));
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`], gitCwd).toString().trim();
  const specs = paths.map((p) => (path.relative(gitCwd, path.resolve(p)) || '.').split(path.sep).join('/'));
  const explicit = new Set(specs);
  const listing = git(['ls-tree', '-r', '-z', '--long', commit, '--', ...specs], gitCwd).toString('utf8');
  const entries: TreeEntry[] = [];
  for (const line of listing.split('\0')) {
    const m = LS_TREE_LINE.exec(line);
    if (!m) continue;
    const [, oid, size, name] = m as unknown as [string, string, string, string];
    if (!explicit.has(name) && (!hasPolicyExtension(name) || name.split('/').some((p) => SKIP_DIRS.has(p)))) continue;
    if (Number(size) <= maxFileBytes) entries.push({ oid, size: Number(size), name });
  }
  if (entries.length === 0) return [];
  // One `git cat-file --batch` for every blob: a process per file is too slow on large repositories.
  const total = entries.reduce((n, e) => n + e.size + 64, 0);
  const out = git(['cat-file', '--batch'], gitCwd, entries.map((e) => e.oid).join('\n') + '\n', total + 1024 * 1024);
  const sources: SourceFile[] = [];
  let pos = 0;
  for (const e of entries) {
    const headerEnd = out.indexOf(0x0a, pos);
    const size = Number(out.subarray(pos, headerEnd).toString().split(' ')[2]);
    const body = out.subarray(headerEnd + 1, headerEnd + 1 + size);
    pos = headerEnd + 1 + size + 1;
    // Problems in the base revision (binary, empty) are not the change's: they are not reported.
    const s = decodeSource(displayPath(path.resolve(gitCwd, e.name)), body, { maxFileBytes }, []);
    if (s) sources.push(s);
  }
  return sources;
}

/** The path itself if it is a folder, else the closest folder above it that exists (a file may be gone). */
function nearestDir(p: string): string {
  let dir = p;
  while (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Findings in the working tree that the policy set at `ref` does not have; the rest are counted. */
export function auditDiff(options: AuditOptions, ref: string): AuditResult {
  if (options.paths.includes('-')) throw new UsageError('--diff-base compares files in git: it cannot read stdin');
  const baseSources = sourcesAtRef(ref, options.paths.length ? options.paths : ['.'], options.maxFileBytes);
  const base = audit({ ...options, paths: [], sources: baseSources, onProgress: undefined });
  const head = audit(options);
  const m = matchBaseline(head.findings, makeBaseline(base.findings));
  const result = withFindings(head, m.findings);
  const fixed = m.stale.reduce((n, s) => n + s.missing, 0);
  return { ...result, summary: { ...result.summary, diff: { base: ref, preexisting: m.matched, fixed } } };
}
