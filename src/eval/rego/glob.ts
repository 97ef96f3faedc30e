/**
 * `glob.match(pattern, delimiters, match)` as OPA does it (gobwas/glob): `*` any run of
 * characters except a delimiter, `**` any run, `?` one non-delimiter character, `[abc]`, `[!a-z]`,
 * `{a,b}` alternatives, `\` escapes. Delimiters null means none; an empty array means ["."].
 */
import { BuiltinError } from './operands';

const cache = new Map<string, RegExp>();

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

export function globMatch(pattern: string, delimiters: string[] | null, text: string): boolean {
  const delims = delimiters === null ? [] : delimiters.length === 0 ? ['.'] : delimiters;
  const key = `${delims.join('\u0000')}\u0001${pattern}`;
  let re = cache.get(key);
  if (!re) {
    if (cache.size > 2000) cache.clear();
    re = new RegExp(`^${globToRegex(pattern, delims)}$`, 's');
    cache.set(key, re);
  }
  return re.test(text);
}

function globToRegex(p: string, delims: string[]): string {
  const notDelim = delims.length ? `[^${delims.map(escapeRe).join('')}]` : '.';
  let out = '';
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    switch (c) {
      case '*':
        if (p[i + 1] === '*') {
          out += '.*';
          i++;
        } else out += `${notDelim}*`;
        break;
      case '?':
        out += notDelim;
        break;
      case '\\':
        if (i + 1 >= p.length) throw new BuiltinError('glob.match: pattern ends with an escape');
        out += escapeRe(p[++i]!);
        break;
      case '[': {
        const close = p.indexOf(']', i + 1);
        if (close < 0) throw new BuiltinError('glob.match: unclosed character class');
        let body = p.slice(i + 1, close);
        const neg = body.startsWith('!');
        if (neg) body = body.slice(1);
        out += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = close;
        break;
      }
      case '{':
        depth++;
        out += '(?:';
        break;
      case '}':
        if (depth === 0) throw new BuiltinError('glob.match: unbalanced }');
        depth--;
        out += ')';
        break;
      case ',':
        out += depth > 0 ? '|' : ',';
        break;
      default:
        out += escapeRe(c);
    }
  }
  if (depth !== 0) throw new BuiltinError('glob.match: unbalanced {');
  return out;
}

/** glob.quote_meta: the pattern that matches `s` literally. */
export function globQuoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, '\\$&');
}
