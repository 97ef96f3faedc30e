/**
 * Writing reports and baselines: every target is checked before anything is written (so a bad
 * path fails the run up front, not after half the reports), and each file is written to a
 * temporary file beside it and renamed over it, so a reader never sees half a report and an
 * interrupted run leaves the old file in place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The path a file will be written at, with the folders above it resolved through symlinks. */
export function physicalPath(file: string): string {
  const abs = path.resolve(file);
  try {
    return fs.realpathSync(abs);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

/** A path below a file cannot be examined: the folder check below says why. */
function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The folder a file will be written in, or the closest existing folder above it (missing folders are created). */
function existingFolder(abs: string): string {
  let dir = path.dirname(abs);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Throws, as opening it would, for the first file that cannot be written (a folder, a read-only folder, a file in the way). */
export function checkWritable(files: readonly string[]): void {
  for (const file of files) {
    const abs = path.resolve(file);
    const st = statOrUndefined(abs);
    let code = st?.isDirectory() ? 'EISDIR' : undefined;
    try {
      const dir = existingFolder(abs);
      if (!fs.statSync(dir).isDirectory()) code ??= 'ENOTDIR';
      fs.accessSync(dir, fs.constants.W_OK);
      if (st) fs.accessSync(abs, fs.constants.W_OK);
    } catch (e) {
      code ??= (e as NodeJS.ErrnoException).code ?? 'EACCES';
    }
    if (code) throw Object.assign(new Error(`${code}: cannot write ${file}`), { code, syscall: 'open', path: file });
  }
}

/** Creates the missing folders, writes `text` to a temporary file in the same folder, then renames it over `file`. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const target = physicalPath(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { flag: 'wx' });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
