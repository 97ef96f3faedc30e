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

export function displayPath(p: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, p);
  const outside = rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  const shown = rel && !outside ? rel : p;
  return shown.split(path.sep).join('/');
}

export function hasPolicyExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return POLICY_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Expands the given paths into files, depth first, in a stable (sorted) order. */
export function listFiles(paths: string[], errors: ScanError[]): string[] {
  const out: string[] = [];
  // Real paths already walked or listed: symlink loops and repeated arguments are read once.
  const seen = new Set<string>();
  const visit = (p: string, explicit: boolean): void => {
    let st: fs.Stats;
    let real: string;
    try {
      st = fs.statSync(p);
      real = fs.realpathSync(p);
    } catch (e) {
      errors.push(ioError(p, e));
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(p).sort();
      } catch (e) {
        errors.push(ioError(p, e));
        return;
      }
      for (const n of names) {
        if (SKIP_DIRS.has(n)) continue;
        visit(path.join(p, n), false);
      }
    } else if (st.isFile() && (explicit || hasPolicyExtension(p))) {
      out.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  return out;
}

function ioError(p: string, e: unknown): ScanError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
  return { file: displayPath(p), line: 0, column: 0, message: `cannot read: ${reason}`, severity: 'error' };
}

/** Reads one file; binary, oversized and unreadable files become errors instead. */
export function readSource(p: string, limits: ReadLimits, errors: ScanError[]): SourceFile | undefined {
  const file = displayPath(p);
  let buf: Buffer;
  try {
    const size = fs.statSync(p).size;
    if (size > limits.maxFileBytes) {
      errors.push({ file, line: 0, column: 0, severity: 'error',
        message: `file is ${size} bytes, over the ${limits.maxFileBytes}-byte limit (raise it with --max-file-size)` });
      return undefined;
    }
    buf = fs.readFileSync(p);
  } catch (e) {
    errors.push(ioError(p, e));
    return undefined;
  }
  return decodeSource(file, buf, limits, errors);
}

export function decodeSource(file: string, buf: Buffer, limits: ReadLimits, errors: ScanError[]): SourceFile | undefined {
  if (buf.length > limits.maxFileBytes) {
    errors.push({ file, line: 0, column: 0, severity: 'error',
      message: `input is ${buf.length} bytes, over the ${limits.maxFileBytes}-byte limit (raise it with --max-file-size)` });
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
