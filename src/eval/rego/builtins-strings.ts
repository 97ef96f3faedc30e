/** OPA's string, regex and glob built-ins. */
import { globMatch, globQuoteMeta } from './glob';
import { arr, BuiltinError, int, num, str, strings, type Builtin } from './operands';
import { re2 } from './regex';
import { sprintf } from './sprintf';
import { RegoObject, type Value } from './value';

/** Go's strings.Trim family cuts any of the characters of a cutset. */
function cutset(chars: string): (c: string) => boolean {
  const set = new Set([...chars]);
  return (c) => set.has(c);
}

function trimLeft(s: string, inSet: (c: string) => boolean): string {
  const cs = [...s];
  let i = 0;
  while (i < cs.length && inSet(cs[i]!)) i++;
  return cs.slice(i).join('');
}

function trimRight(s: string, inSet: (c: string) => boolean): string {
  const cs = [...s];
  let j = cs.length;
  while (j > 0 && inSet(cs[j - 1]!)) j--;
  return cs.slice(0, j).join('');
}

/** Positions count code points (OPA indexes strings by rune). */
function runeIndex(s: string, sub: string, from = 0): number {
  const i = s.indexOf(sub, from);
  return i < 0 ? -1 : [...s.slice(0, i)].length;
}

/** Matches of `re` in `s`, at most `n` (all when n < 0), as RegExpExecArrays. */
function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let m: RegExpExecArray | null;
  while ((n < 0 || out.length < n) && (m = re.exec(s)) !== null) {
    out.push(m);
    if (m[0] === '') re.lastIndex++;
  }
  return out;
}

function formatInt(n: number, base: number): string {
  if (![2, 8, 10, 16].includes(base)) throw new BuiltinError('format_int: base must be one of 2, 8, 10, 16');
  return Math.trunc(n).toString(base);
}

export const STRING_BUILTINS: Record<string, Builtin> = {
  concat: (a) => strings(a[1]).join(str(a[0])),
  contains: (a) => str(a[0]).includes(str(a[1])),
  startswith: (a) => str(a[0]).startsWith(str(a[1])),
  endswith: (a) => str(a[0]).endsWith(str(a[1])),
  'strings.any_prefix_match': (a) => strings(a[0]).some((s) => strings(a[1]).some((p) => s.startsWith(p))),
  'strings.any_suffix_match': (a) => strings(a[0]).some((s) => strings(a[1]).some((p) => s.endsWith(p))),
  'strings.count': (a) => {
    const s = str(a[0]);
    const sub = str(a[1]);
    if (sub === '') return [...s].length + 1;
    return s.split(sub).length - 1;
  },
  'strings.reverse': (a) => [...str(a[0])].reverse().join(''),
  // Go's strings.NewReplacer: every pattern replaced in one pass, the first listed winning at a position
  'strings.replace_n': (a) => {
    const pairs = a[0];
    if (!(pairs instanceof RegoObject)) throw new BuiltinError('strings.replace_n: patterns must be an object');
    const entries = pairs.entries().map(([from, to]) => [str(from), str(to)] as const);
    if (entries.length === 0) return str(a[1]);
    const table = new Map(entries);
    const pattern = new RegExp(entries.map(([from]) => from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
    return str(a[1]).replace(pattern, (m) => table.get(m) ?? m);
  },
  format_int: (a) => formatInt(num(a[0]), int(a[1])),
  indexof: (a) => runeIndex(str(a[0]), str(a[1])),
  indexof_n: (a) => {
    const s = str(a[0]);
    const sub = str(a[1]);
    const out: Value[] = [];
    for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) out.push([...s.slice(0, i)].length);
    return out;
  },
  lower: (a) => str(a[0]).toLowerCase(),
  upper: (a) => str(a[0]).toUpperCase(),
  // a function replacer: `$&` in the new text is literal, as in Go's strings.Replace
  replace: (a) => str(a[0]).replaceAll(str(a[1]), () => str(a[2])),
  split: (a) => str(a[0]).split(str(a[1])),
  sprintf: (a) => sprintf(str(a[0]), arr(a[1])),
  substring: (a) => {
    const cs = [...str(a[0])];
    const start = int(a[1]);
    const length = int(a[2]);
    if (start < 0) throw new BuiltinError('substring: negative offset');
    if (start >= cs.length) return '';
    return length < 0 ? cs.slice(start).join('') : cs.slice(start, start + length).join('');
  },
  trim: (a) => {
    const f = cutset(str(a[1]));
    return trimRight(trimLeft(str(a[0]), f), f);
  },
  trim_left: (a) => trimLeft(str(a[0]), cutset(str(a[1]))),
  trim_right: (a) => trimRight(str(a[0]), cutset(str(a[1]))),
  trim_prefix: (a) => {
    const s = str(a[0]);
    const p = str(a[1]);
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  trim_suffix: (a) => {
    const s = str(a[0]);
    const p = str(a[1]);
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
  // Go's unicode.IsSpace set
  trim_space: (a) => str(a[0]).replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, ''),
  'regex.match': (a) => re2(str(a[0])).test(str(a[1])),
  re_match: (a) => re2(str(a[0])).test(str(a[1])),
  'regex.is_valid': (a) => {
    try {
      re2(str(a[0]));
      return true;
    } catch (e) {
      if (e instanceof BuiltinError) return false;
      throw e;
    }
  },
  'regex.split': (a) => {
    // Go's Split: the text between matches, capture groups left out (String.split would add them)
    const s = str(a[1]);
    const out: Value[] = [];
    let last = 0;
    for (const m of findAll(re2(str(a[0]), true), s, -1)) {
      out.push(s.slice(last, m.index));
      last = m.index + m[0].length;
    }
    out.push(s.slice(last));
    return out;
  },
  'regex.find_n': (a) => findAll(re2(str(a[0]), true), str(a[1]), int(a[2])).map((m) => m[0]),
  'regex.find_all_string_submatch_n': (a) => findAll(re2(str(a[0]), true), str(a[1]), int(a[2])).map((m) => [...m].map((g) => g ?? '')),
  'regex.replace': (a) => str(a[0]).replace(re2(str(a[1]), true), str(a[2]).replace(/\$\{?(\w+)\}?/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`))),
  'glob.match': (a) => {
    const d = a[1] === null ? null : strings(a[1]);
    return globMatch(str(a[0]), d, str(a[2]));
  },
  'glob.quote_meta': (a) => globQuoteMeta(str(a[0])),
};
