/**
 * Go RE2 patterns as JavaScript regular expressions. The two syntaxes share their common core;
 * this translates what RE2 spells differently (leading `(?flags)`, `(?P<name>`, `\A`, `\z`, POSIX
 * classes like `[[:alpha:]]`, `\pL`) and refuses what RE2 does not have (look-around, back
 * references), so a pattern OPA rejects is an error here too, not a different match.
 */
import { BuiltinError } from './builtins';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const cache = new Map<string, RegExp>();

/** The JavaScript RegExp for an RE2 pattern (flags: 'g' for find-all uses); throws BuiltinError if RE2 rejects it. */
export function re2(pattern: string, global = false): RegExp {
  const key = `${global ? 'g' : '-'}${pattern}`;
  let re = cache.get(key);
  if (!re) {
    if (cache.size > 2000) cache.clear();
    re = translate(pattern, global);
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

function translate(pattern: string, global: boolean): RegExp {
  let flags = global ? 'g' : '';
  let src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('U')) throw new BuiltinError('regex: ungreedy flag is not supported by polcov');
    flags += [...new Set(lead[1]!)].join('');
    src = src.slice(lead[0].length);
  }
  if (/\(\?[=!]|\(\?<[=!]|\\[1-9]/.test(src)) throw new BuiltinError(`error parsing regexp: invalid or unsupported Perl syntax in ${JSON.stringify(pattern)}`);
  if (/\(\?[imsU-]+[:)]/.test(src)) throw new BuiltinError(`regex: inline flags inside ${JSON.stringify(pattern)} are not supported by polcov`);
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = POSIX[name];
      if (!cls) throw new BuiltinError(`error parsing regexp: invalid character class range ${m}`);
      if (neg) throw new BuiltinError('regex: negated POSIX classes are not supported by polcov');
      return cls;
    });
  if (/\\[pP]/.test(src)) {
    flags += 'u';
    src = src.replace(/\\([pP])([A-Z])/g, '\\$1{$2}');
  }
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new BuiltinError(`error parsing regexp: ${(e as Error).message}`);
  }
}
