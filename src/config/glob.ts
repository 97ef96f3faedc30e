/**
 * A small glob matcher for `ignore` patterns: `**` spans folders, `*` and `?` stay inside one path
 * segment. As in .gitignore, a pattern without a slash matches a name at any depth, and a pattern
 * that matches a folder ignores everything below it. A backslash makes the next character literal.
 */
import * as path from 'node:path';

/** One step of a compiled glob: a literal character, `?`, `*` (within a segment), `**` (anything) or `**` and a slash (whole folders, or none). */
type Token = { t: 'char'; c: string } | { t: 'one' } | { t: 'star' } | { t: 'any' } | { t: 'dirs' };

/** A compiled glob; `test` runs in time linear in the path (times the pattern's length), never backtracking. */
export interface Glob {
  test(text: string): boolean;
  /** Set when the glob is a bare name (`.polcov.yaml`, `vendor`): it matches the paths that end in that name. */
  name?: string;
}

export function compileGlob(glob: string): Glob {
  let g = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  g = g.startsWith('/') ? g.slice(1) : g.includes('/') ? g : `**/${g}`;
  const tokens: Token[] = [];
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      tokens.push({ t: slash ? 'dirs' : 'any' });
      i += slash ? 2 : 1;
    } else if (c === '\\' && i + 1 < g.length) tokens.push({ t: 'char', c: g[++i]! });
    else if (c === '*') tokens.push({ t: 'star' });
    else if (c === '?') tokens.push({ t: 'one' });
    else tokens.push({ t: 'char', c });
  }
  return literalGlob(tokens) ?? { test: (text) => simulate(tokens, text) };
}

/**
 * Most patterns are names (`.polcov.yaml`, `vendor`, `/charts/x.yaml`): literal text, perhaps after a
 * leading `**` and a slash. Such a glob is a string comparison, with no automaton to run per path.
 */
function literalGlob(tokens: Token[]): Glob | undefined {
  const anyFolder = tokens[0]?.t === 'dirs';
  const rest = anyFolder ? tokens.slice(1) : tokens;
  if (!rest.every((t) => t.t === 'char')) return undefined;
  const text = rest.map((t) => (t as { c: string }).c).join('');
  if (!anyFolder) return { test: (p) => p === text };
  return { test: (p) => p === text || p.endsWith(`/${text}`), ...(text.includes('/') ? {} : { name: text }) };
}

/**
 * Runs the glob as an automaton over the set of token positions still alive: each character of the
 * text advances every position at once, so crafted patterns (`*a*a*a…`) cannot make it backtrack.
 * A `dirs` token in progress is tracked as its own state (inside a folder name it skips).
 */
function simulate(tokens: Token[], text: string): boolean {
  const n = tokens.length;
  // States 0..n: before token i; n+1+i: inside the folders a `dirs` token at i skips.
  let live = closure(tokens, new Set([0]));
  for (const ch of text) {
    const next = new Set<number>();
    for (const s of live) {
      if (s > n) {
        // Skipping folders: any character; a slash ends a folder, after which the rest may start.
        const i = s - n - 1;
        next.add(s);
        if (ch === '/') next.add(i + 1);
        continue;
      }
      const tok = tokens[s];
      if (!tok) continue;
      if (tok.t === 'char' && tok.c === ch) next.add(s + 1);
      else if (tok.t === 'one' && ch !== '/') next.add(s + 1);
      else if (tok.t === 'star' && ch !== '/') next.add(s);
      else if (tok.t === 'any') next.add(s);
      else if (tok.t === 'dirs') {
        next.add(n + 1 + s);
        if (ch === '/') next.add(s + 1);
      }
    }
    if (next.size === 0) return false;
    live = closure(tokens, next);
  }
  return live.has(n);
}

/** Adds the positions reachable without reading a character: past stars and double stars, which may match nothing. */
function closure(tokens: Token[], states: Set<number>): Set<number> {
  for (const s of states) {
    const tok = tokens[s];
    if (tok && (tok.t === 'star' || tok.t === 'any' || tok.t === 'dirs')) states.add(s + 1);
  }
  return states;
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
  const res = globs.map(compileGlob);
  const matched = (p: string): boolean => res.some((re) => re.test(p));
  // A folder's verdict holds for every file in it: decided once per folder (the walk lists thousands).
  const folders = perFolder((parts) => {
    for (let n = parts.length - 1; n > 0; n--) if (matched(parts.slice(0, n).join('/'))) return true;
    return false;
  }, root);
  // Bare names (the configuration file's, added to every scan) need only the file's own name.
  const names = res.every((re) => re.name !== undefined) ? new Set(res.map((re) => re.name)) : undefined;
  return (file) => (names ? names.has(path.basename(file)) : matched(segments(file, root).join('/'))) || folders(file);
}

/**
 * `sets`: the outermost folder above a file that a glob matches names the policy set the file belongs
 * to; undefined for files in no set.
 */
export function setMatcher(globs: readonly string[], root: string = process.cwd()): (file: string) => string | undefined {
  const res = globs.map(compileGlob);
  return perFolder((parts) => {
    for (let n = 1; n < parts.length; n++) {
      const prefix = parts.slice(0, n).join('/');
      if (res.some((re) => re.test(prefix))) return prefix;
    }
    return undefined;
  }, root);
}

/** `decide(segments of the file)` where it depends only on the folders above the file: once per folder. */
function perFolder<T>(decide: (parts: string[]) => T, root: string): (file: string) => T {
  const byFolder = new Map<string, T>();
  return (file) => {
    const folder = path.dirname(file);
    if (byFolder.has(folder)) return byFolder.get(folder)!;
    const verdict = decide(segments(file, root));
    byFolder.set(folder, verdict);
    return verdict;
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
