/**
 * A small glob matcher for `ignore` patterns: `**` spans folders, `*` and `?` stay inside one path
 * segment. As in .gitignore, a pattern without a slash matches a name at any depth, and a pattern
 * that matches a folder ignores everything below it. A backslash makes the next character literal.
 */
import * as path from 'node:path';

export function globToRegExp(glob: string): RegExp {
  let g = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  g = g.startsWith('/') ? g.slice(1) : g.includes('/') ? g : `**/${g}`;
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '\\' && i + 1 < g.length) {
      // As in .gitignore, a backslash makes the next character literal.
      re += g[++i]!.replace(/[.*?+^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A file's path relative to `root` (absolute when outside it), split on `/`. */
function segments(file: string, root: string): string[] {
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  return (rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs).split(path.sep).join('/').split('/');
}

/** A predicate over file paths (as given or relative to the cwd), with globs relative to `root`. */
export function ignoreMatcher(globs: readonly string[], root: string = process.cwd()): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  const res = globs.map(globToRegExp);
  return (file) => {
    const parts = segments(file, root);
    // The file itself or any folder above it.
    for (let n = parts.length; n > 0; n--) {
      const prefix = parts.slice(0, n).join('/');
      if (res.some((re) => re.test(prefix))) return true;
    }
    return false;
  };
}

/**
 * `sets`: the outermost folder above a file that a glob matches names the policy set the file belongs
 * to; undefined for files in no set.
 */
export function setMatcher(globs: readonly string[], root: string = process.cwd()): (file: string) => string | undefined {
  const res = globs.map(globToRegExp);
  return (file) => {
    const parts = segments(file, root);
    for (let n = 1; n < parts.length; n++) {
      const prefix = parts.slice(0, n).join('/');
      if (res.some((re) => re.test(prefix))) return prefix;
    }
    return undefined;
  };
}

/** Glob characters escaped, so the text matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?]/g, '\\$&');
}

/**
 * A glob that matches exactly `file` and nothing else, for `ignoreMatcher(…, root)`: anchored at
 * `root` when the file is below it, else the absolute path (which is how files outside `root` are matched).
 */
export function fileGlob(file: string, root: string = process.cwd()): string {
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  return `/${escapeGlob((inside ? rel : abs).split(path.sep).join('/'))}`;
}
