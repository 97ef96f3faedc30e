/**
 * Pull-request mode: audit the policy set at a git revision (read from git objects, the working tree
 * is never checked out) and in the working tree, and keep only the findings the change introduces,
 * compared with the same line-independent key as baselines.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { audit, DEFAULT_MAX_FILE_BYTES, UsageError, type AuditOptions, type AuditResult } from './audit';
import { matchBaseline, makeBaseline, withFindings } from './baseline';
import { decodeSource, displayPath, hasPolicyExtension, SKIP_DIRS, type SourceFile } from './discover/walk';

function git(args: string[], cwd: string, input?: string, maxBuffer = 64 * 1024 * 1024, env?: NodeJS.ProcessEnv): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, maxBuffer, env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const why = err.stderr?.toString().trim().split('\n')[0] || err.message;
    throw new UsageError(`--diff-base: git ${args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? args[0]} failed: ${why}`);
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
  return readBase(ref, paths, maxFileBytes).sources;
}

interface Base {
  sources: SourceFile[];
  /** Display path at the base revision → display path in the working tree, for files git sees renamed. */
  renamed: Map<string, string>;
}

/** The policy set at `ref` and the files renamed since then. */
function readBase(ref: string, paths: string[], maxFileBytes: number): Base {
  if (ref.startsWith('-')) throw new UsageError(`--diff-base: "${ref}" is not a git revision`);
  // Run git inside the scanned repository: the paths need not be under the current folder.
  const gitCwd = nearestDir(path.resolve(paths[0] ?? '.'));
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`], gitCwd).toString().trim();
  const specs = paths.map((p) => (path.relative(gitCwd, path.resolve(p)) || '.').split(path.sep).join('/'));
  const explicit = new Set(specs);
  const renames = renamesSince(commit, specs, gitCwd);
  // A file named on the command line may have had another name at the base: read that one.
  const oldNames = [...renames].filter(([, to]) => explicit.has(to)).map(([from]) => from);
  const wanted = (name: string): boolean => explicit.has(name) || (hasPolicyExtension(name) && !name.split('/').some((p) => SKIP_DIRS.has(p)));
  const entries = new Map<string, TreeEntry>();
  for (const spec of [specs, oldNames]) {
    if (spec.length === 0) continue;
    const listing = git(['ls-tree', '-r', '-z', '--long', commit, '--', ...spec], gitCwd).toString('utf8');
    for (const line of listing.split('\0')) {
      const m = LS_TREE_LINE.exec(line);
      if (!m) continue;
      const [, oid, size, name] = m as unknown as [string, string, string, string];
      if ((wanted(name) || oldNames.includes(name)) && Number(size) <= maxFileBytes) entries.set(name, { oid, size: Number(size), name });
    }
  }
  const shown = (name: string): string => displayPath(path.resolve(gitCwd, name));
  const renamed = new Map([...renames].map(([from, to]) => [shown(from), shown(to)]));
  if (entries.size === 0) return { sources: [], renamed };
  // One `git cat-file --batch` for every blob: a process per file is too slow on large repositories.
  const list = [...entries.values()];
  const total = list.reduce((n, e) => n + e.size + 64, 0);
  const out = git(['cat-file', '--batch'], gitCwd, list.map((e) => e.oid).join('\n') + '\n', total + 1024 * 1024);
  const sources: SourceFile[] = [];
  let pos = 0;
  for (const e of list) {
    const headerEnd = out.indexOf(0x0a, pos);
    const size = Number(out.subarray(pos, headerEnd).toString().split(' ')[2]);
    const body = out.subarray(headerEnd + 1, headerEnd + 1 + size);
    pos = headerEnd + 1 + size + 1;
    // Problems in the base revision (binary, empty) are not the change's: they are not reported.
    const s = decodeSource(shown(e.name), body, { maxFileBytes }, []);
    if (s) sources.push(s);
  }
  return { sources, renamed };
}

/**
 * Files renamed between `commit` and the working tree, by git's rename detection (`-M`: the same or
 * a similar blob under another name), as paths relative to `gitCwd`. Untracked files count: they are
 * marked intent-to-add in a copy of the index, so the repository's own index is never written.
 */
function renamesSince(commit: string, specs: string[], gitCwd: string): Map<string, string> {
  // A named file may have been renamed from anywhere in its folder.
  const scope = [...new Set(specs.map((s) => (isDir(path.resolve(gitCwd, s)) ? s : path.posix.dirname(s))))];
  const untracked = git(['ls-files', '-z', '--others', '--exclude-standard', '--', ...scope], gitCwd)
    .toString('utf8')
    .split('\0')
    .filter((name) => name && hasPolicyExtension(name) && !name.split('/').some((p) => SKIP_DIRS.has(p)));
  let tmp: string | undefined;
  try {
    // No opportunistic index refresh: git diff leaves the repository as it found it.
    let env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
    if (untracked.length > 0) {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-index-'));
      const index = path.join(tmp, 'index');
      const real = path.resolve(gitCwd, git(['rev-parse', '--git-path', 'index'], gitCwd).toString().trim());
      if (fs.existsSync(real)) fs.copyFileSync(real, index);
      env = { ...env, GIT_INDEX_FILE: index };
      // In chunks, to stay below the command-line length limit.
      for (let i = 0; i < untracked.length; i += 500) {
        git(['--literal-pathspecs', 'add', '--intent-to-add', '--', ...untracked.slice(i, i + 500)], gitCwd, undefined, undefined, env);
      }
    }
    // Paths in `git diff` output are relative to the top of the work tree, whatever the current folder.
    const top = git(['rev-parse', '--show-cdup'], gitCwd).toString().trim();
    const out = git(['-c', 'diff.relative=false', 'diff', '--no-color', '--name-status', '-z', '-M', commit, '--', ...scope], gitCwd, undefined, undefined, env).toString('utf8');
    const fields = out.split('\0');
    const renames = new Map<string, string>();
    for (let i = 0; i < fields.length; ) {
      const status = fields[i++]!;
      if (!status) continue;
      if (/^[RC]/.test(status)) {
        const [from, to] = [fields[i++]!, fields[i++]!];
        if (status.startsWith('R')) renames.set(fromTop(top, from, gitCwd), fromTop(top, to, gitCwd));
      } else i++;
    }
    return renames;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A path relative to the top of the work tree as a path relative to `gitCwd`, with forward slashes. */
function fromTop(top: string, name: string, gitCwd: string): string {
  return path.relative(gitCwd, path.resolve(gitCwd, top, name)).split(path.sep).join('/');
}

function isDir(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
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
  const { sources, renamed } = readBase(ref, options.paths.length ? options.paths : ['.'], options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const base = audit({ ...options, paths: [], sources, onProgress: undefined });
  const head = audit(options);
  // The base is audited under its own names (sets and ignore globs as they were); a renamed file's
  // findings are then compared under its new name, so a rename adds nothing.
  const baseFindings = base.findings.map((f) => (renamed.has(f.file) ? { ...f, file: renamed.get(f.file)! } : f));
  const m = matchBaseline(head.findings, makeBaseline(baseFindings));
  const result = withFindings(head, m.findings);
  const fixed = m.stale.reduce((n, s) => n + s.missing, 0);
  return { ...result, summary: { ...result.summary, diff: { base: ref, preexisting: m.matched, fixed } } };
}
