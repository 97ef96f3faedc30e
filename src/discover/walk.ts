/** Finds the files to scan and reads them, turning every I/O problem into a ScanError. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanError } from '../facts';

export interface SourceFile {
  /** Display path: relative to the working directory, forward slashes. */
  path: string;
  text: string;
}

export interface ReadLimits {
  maxFileBytes: number;
}

export const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);
const POLICY_EXTENSIONS = ['.yaml', '.yml', '.json', '.rego'];

/** How standard input is named in findings and errors. */
export const STDIN = '<stdin>';

/** A path with no `.` or `..` segment, doubled or trailing separator (posix): as path.join leaves it. */
const UNCLEAN = /(^|\/)\.\.?(\/|$)|\/\/|.\/$/;

export function displayPath(p: string, cwd = process.cwd()): string {
  // The paths the walk lists are clean: most need no path.relative, which resolves both paths.
  if (path.sep === '/' && !UNCLEAN.test(p)) {
    // (path.relative resolves a relative path against the process's folder, whatever `cwd` is.)
    if (!path.isAbsolute(p)) {
      if (cwd === process.cwd()) return p;
    } else if (cwd !== '/' && path.isAbsolute(cwd) && !UNCLEAN.test(cwd)) {
      // Below the folder: the rest of the path; anywhere else (the folder itself included): as given.
      return p.startsWith(cwd) && p[cwd.length] === '/' ? p.slice(cwd.length + 1) : p;
    }
  }
  const rel = path.relative(cwd, p);
  const outside = rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  const shown = rel && !outside ? rel : p;
  return shown.split(path.sep).join('/');
}

export function hasPolicyExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return POLICY_EXTENSIONS.some((e) => lower.endsWith(e));
}

export interface WalkOptions {
  /** Follow symbolic links that lead outside the scanned paths (default: report them, do not follow). */
  followSymlinks?: boolean;
}

/**
 * Expands the given paths into files, depth first, in a stable (sorted) order. A path named
 * explicitly is read whatever it is (a FIFO, `<(helm template …)`, /dev/stdin); inside folders only
 * regular policy files are, and a symbolic link is followed only when it stays within the scanned
 * paths (each link that leaves them is reported once).
 */
export function listFiles(paths: string[], errors: ScanError[], options: WalkOptions = {}): string[] {
  const out: string[] = [];
  // Real paths already walked or listed: symlink loops and repeated arguments are read once.
  const seen = new Set<string>();
  const roots = paths.map((p) => realOr(p));
  const inside = (real: string): boolean => roots.some((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  const add = (p: string, real: string): void => {
    if (seen.has(real)) return;
    seen.add(real);
    out.push(p);
  };
  const walk = (dir: string, realDir: string): void => {
    if (seen.has(realDir)) return;
    seen.add(realDir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      errors.push(ioError(dir, e));
      return;
    }
    for (const e of entries) {
      if (SKIP_DIRS.has(e.name)) continue;
      const p = child(dir, e.name);
      // The directory entry's type spares a stat and a realpath for every ordinary file and folder.
      if (e.isSymbolicLink()) followLink(p);
      else if (e.isDirectory()) walk(p, child(realDir, e.name));
      else if (e.isFile()) {
        if (hasPolicyExtension(e.name)) add(p, child(realDir, e.name));
      } else if (hasPolicyExtension(e.name)) notRegular(p);
    }
  };
  const followLink = (p: string): void => {
    let st: fs.Stats;
    let real: string;
    try {
      st = fs.statSync(p);
      real = fs.realpathSync(p);
    } catch (e) {
      errors.push(ioError(p, e));
      return;
    }
    if (!options.followSymlinks && !inside(real)) {
      errors.push({ file: displayPath(p), line: 0, column: 0, severity: 'warning',
        message: `symbolic link to ${displayPath(real)}, outside the scanned paths: not followed (--follow-symlinks follows it)` });
    } else if (st.isDirectory()) walk(p, real);
    else if (st.isFile()) {
      if (hasPolicyExtension(p)) add(p, real);
    } else if (hasPolicyExtension(p)) notRegular(p);
  };
  // A FIFO or device inside a folder could block or never end: read only when named explicitly.
  const notRegular = (p: string): void => {
    errors.push({ file: displayPath(p), line: 0, column: 0, severity: 'warning', message: 'not a regular file: not read (name it as a path to read it)' });
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      errors.push(ioError(p, e));
      continue;
    }
    if (st.isDirectory()) walk(path.normalize(p), realOr(p));
    else add(p, realOr(p));
  }
  return out;
}

/**
 * `path.join(dir, name)` for a normalised folder and an entry's name (never `.`, `..` or with a
 * separator), without normalising the whole path again for every entry.
 */
function child(dir: string, name: string): string {
  if (dir === '.') return name;
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

/** The real path, or the path itself where there is none (a pipe behind /dev/stdin). */
function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function ioError(p: string, e: unknown): ScanError {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENAMETOOLONG: 'name too long',
    ELOOP: 'too many levels of symbolic links',
    EISDIR: 'is a directory',
  };
  const reason = (code && reasons[code]) ?? String((e as Error).message);
  return { file: displayPath(p), line: 0, column: 0, message: `cannot read: ${reason}`, severity: 'error' };
}

/**
 * Reads at most `limit + 1` bytes from a file descriptor or path, so that an endless or huge input
 * (/dev/zero, a runaway pipe) is cut off and reported instead of filling memory. `expected`: the
 * size a regular file has, read in one buffer (a file that grew is read on).
 */
export function readLimited(source: number | string, limit: number, expected?: number): Buffer {
  const fd = typeof source === 'number' ? source : fs.openSync(source, 'r');
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    while (total <= limit) {
      // One more byte than expected, so that the end of the file is seen in the same read.
      const want = total === 0 && expected !== undefined ? expected + 1 : 64 * 1024;
      const chunk = Buffer.allocUnsafe(Math.min(want, limit + 1 - total));
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // a non-blocking pipe not ready yet
        continue;
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
  } finally {
    if (typeof source !== 'number') fs.closeSync(fd);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** One buffer for the regular files that fit in it: reading one allocates nothing but its text. */
const scratch = Buffer.allocUnsafe(256 * 1024);

/**
 * A regular file's bytes, read to its end. The buffer is `scratch` when the file fits, so it holds
 * only until the next read: the caller decodes it at once. A file that grew past it reads on.
 */
function readRegular(fd: number, size: number, limit: number): Buffer {
  if (size >= scratch.length) return readLimited(fd, limit, size);
  let total = 0;
  for (let n = -1; n !== 0 && total < scratch.length; total += n) n = fs.readSync(fd, scratch, total, scratch.length - total, null);
  if (total < scratch.length) return scratch.subarray(0, total);
  return Buffer.concat([scratch, readLimited(fd, limit - total)]);
}

/** Reads one file; binary, oversized and unreadable files become errors instead. */
export function readSource(p: string, limits: ReadLimits, errors: ScanError[]): SourceFile | undefined {
  const file = displayPath(p);
  let buf: Buffer;
  let fd: number | undefined;
  try {
    // Opened first and then asked its size: one lookup of the path instead of two.
    fd = fs.openSync(p, 'r');
    const st = fs.fstatSync(fd);
    if (st.isFile() && st.size > limits.maxFileBytes) {
      errors.push({ file, line: 0, column: 0, severity: 'error',
        message: `file is ${st.size} bytes, over the ${limits.maxFileBytes}-byte limit (raise it with --max-file-size)` });
      return undefined;
    }
    // A regular file is read whole (into the reused buffer when it fits); pipes and devices in bounded chunks.
    buf = st.isFile() ? readRegular(fd, st.size, limits.maxFileBytes) : readLimited(fd, limits.maxFileBytes);
  } catch (e) {
    errors.push(ioError(p, e));
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return decodeSource(file, buf, limits, errors);
}

export function decodeSource(file: string, buf: Buffer, limits: ReadLimits, errors: ScanError[]): SourceFile | undefined {
  if (buf.length > limits.maxFileBytes) {
    errors.push({ file, line: 0, column: 0, severity: 'error',
      message: `input is over the ${limits.maxFileBytes}-byte limit (raise it with --max-file-size)` });
    return undefined;
  }
  const nul = buf.subarray(0, 8192).indexOf(0);
  if (nul !== -1) {
    const line = buf.subarray(0, nul).toString('latin1').split('\n').length;
    errors.push({ file, line, column: 0, severity: 'error', message: 'binary file (contains a NUL byte): not YAML, JSON or Rego' });
    return undefined;
  }
  const text = buf.toString('utf8');
  if (text.trim() === '') {
    // An empty stream usually means the command feeding it failed (`helm template … | polcov scan -`).
    const stdin = file === STDIN;
    errors.push({ file, line: 0, column: 0, severity: stdin ? 'error' : 'warning', message: stdin ? 'standard input is empty' : 'file is empty' });
    return undefined;
  }
  return { path: file, text };
}
