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
import { decodeSource, displayPath, hasPolicyExtension, listFiles, readSource, SKIP_DIRS, type SourceFile } from './discover/walk';

/**
 * The scanned repository is not trusted: its own configuration may name commands (core.fsmonitor,
 * a pager, an external diff, hooks). polcov only reads objects (rev-parse, ls-tree, cat-file), never
 * the index or the working tree through git, and switches those commands off besides.
 */
const SAFE_CONFIG = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.untrackedCache=false',
  'diff.external=',
  'protocol.allow=never',
].flatMap((c) => ['-c', c]);

/** The environment git runs in: no pager, no prompt, no optional locks, no external diff. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat', PAGER: 'cat', GIT_TERMINAL_PROMPT: '0' };
  for (const k of ['GIT_EXTERNAL_DIFF', 'GIT_DIFF_OPTS', 'GIT_INDEX_FILE', 'GIT_SSH_COMMAND', 'GIT_ASKPASS']) delete env[k];
  return env;
}

function git(args: string[], cwd: string, input?: string, maxBuffer = 64 * 1024 * 1024): Buffer {
  try {
    return execFileSync('git', ['--no-pager', ...SAFE_CONFIG, ...args], { cwd, input, maxBuffer, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
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
  const commit = git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`], gitCwd).toString().trim();
  const specs = paths.map((p) => (path.relative(gitCwd, path.resolve(p)) || '.').split(path.sep).join('/'));
  const wanted = (name: string): boolean => hasPolicyExtension(name) && !name.split('/').some((p) => SKIP_DIRS.has(p));
  const entries = listTree(commit, specs, gitCwd, maxFileBytes, (name) => specs.includes(name) || wanted(name));
  // A file named on the command line that the base lacks may have had another name in its folder.
  const missing = specs.filter((sp) => !entries.has(sp) && isFile(path.resolve(gitCwd, sp)));
  const folders = [...new Set(missing.map((m) => path.posix.dirname(m)))];
  const siblings = folders.length > 0 ? listTree(commit, folders, gitCwd, maxFileBytes, (n) => wanted(n) && !entries.has(n) && !isFile(path.resolve(gitCwd, n))) : new Map<string, TreeEntry>();

  const shown = (name: string): string => displayPath(path.resolve(gitCwd, name));
  const decode = (blobs: Map<string, Buffer>): SourceFile[] =>
    // Problems in the base revision (binary, empty) are not the change's: they are not reported.
    [...blobs].flatMap(([name, body]) => decodeSource(shown(name), body, { maxFileBytes }, []) ?? []);
  const sources = decode(readBlobs([...entries.values()], gitCwd));
  const oldNames = decode(readBlobs([...siblings.values()], gitCwd));
  const renamed = renamesSince([...sources, ...oldNames], paths, maxFileBytes);
  // Siblings were read only to find old names: the others are not part of the scanned set.
  return { sources: [...sources, ...oldNames.filter((s) => renamed.has(s.path))], renamed };
}

/** Blobs under `specs` at `commit` that `keep` accepts, by path relative to `gitCwd`. */
function listTree(commit: string, specs: string[], gitCwd: string, maxFileBytes: number, keep: (name: string) => boolean): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  const listing = git(['ls-tree', '-r', '-z', '--long', commit, '--', ...specs], gitCwd).toString('utf8');
  for (const line of listing.split('\0')) {
    const m = LS_TREE_LINE.exec(line);
    if (!m) continue;
    const [, oid, size, name] = m as unknown as [string, string, string, string];
    if (keep(name) && Number(size) <= maxFileBytes) entries.set(name, { oid, size: Number(size), name });
  }
  return entries;
}

/** One `git cat-file --batch` for every blob: a process per file is too slow on large repositories. */
function readBlobs(list: TreeEntry[], gitCwd: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (list.length === 0) return out;
  const total = list.reduce((n, e) => n + e.size + 64, 0);
  const buf = git(['cat-file', '--batch'], gitCwd, list.map((e) => e.oid).join('\n') + '\n', total + 1024 * 1024);
  let pos = 0;
  for (const e of list) {
    const headerEnd = buf.indexOf(0x0a, pos);
    const size = Number(buf.subarray(pos, headerEnd).toString().split(' ')[2]);
    out.set(e.name, buf.subarray(headerEnd + 1, headerEnd + 1 + size));
    pos = headerEnd + 1 + size + 1;
  }
  return out;
}

/**
 * Base files gone from the working tree, paired with working-tree files the base does not have
 * when their contents match (identical, or at least half of their lines in common, as git's
 * default rename detection): display path at the base → display path now. Done here rather than
 * with `git diff`, which would read the working tree through the repository's own filters and
 * fsmonitor, and need the index (or a copy) updated with untracked files.
 */
function renamesSince(base: SourceFile[], paths: string[], maxFileBytes: number): Map<string, string> {
  const renamed = new Map<string, string>();
  const gone = base.filter((s) => !isFile(path.resolve(s.path)));
  if (gone.length === 0) return renamed;
  const inBase = new Set(base.map((s) => path.resolve(s.path)));
  const added = listFiles(paths, [])
    .filter((f) => !inBase.has(path.resolve(f)))
    .flatMap((f) => readSource(f, { maxFileBytes }, []) ?? []);
  const taken = new Set<string>();
  for (const old of gone) {
    let best: { file: string; score: number } | undefined;
    for (const now of added) {
      if (taken.has(now.path)) continue;
      const score = similarity(old.text, now.text);
      if (score >= 0.5 && (!best || score > best.score)) best = { file: now.path, score };
    }
    if (best) {
      renamed.set(old.path, best.file);
      taken.add(best.file);
    }
  }
  return renamed;
}

/** Lines two texts share (as multisets), over the longer one's line count. */
function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.split('\n');
  const lb = b.split('\n');
  const counts = new Map<string, number>();
  for (const l of la) counts.set(l, (counts.get(l) ?? 0) + 1);
  let common = 0;
  for (const l of lb) {
    const n = counts.get(l) ?? 0;
    if (n > 0) {
      common++;
      counts.set(l, n - 1);
    }
  }
  return common / Math.max(la.length, lb.length);
}

function isFile(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
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
