/**
 * MutatingPolicy expressions build typed values (`Object{metadata: Object.metadata{…}}`,
 * `JSONPatch{op: "add", …}`) that cel-js cannot parse. Their fields are plain JSON for the patch, so
 * this rewrites each typed literal into a map literal (`dyn({"metadata": {…}})`: dyn, as a message
 * value may meet `null` in a conditional) before compiling, and
 * `jsonpatch.escapeKey(k)` into the RFC 6901 escape written with `replace`. String literals are
 * copied untouched.
 */

const TYPED = /^(Object(\.[A-Za-z_]\w*)*|JSONPatch)\s*\{/;
const ESCAPE_KEY = /^jsonpatch\s*\.\s*escapeKey\s*\(/;
const FIELD = /^\s*([A-Za-z_]\w*)\s*:/;

/** The end (exclusive) of the string literal starting at `i` (quotes, triple quotes, r/b prefixes already copied). */
function stringEnd(text: string, i: number, raw: boolean): number {
  const quote = text.startsWith(text[i]!.repeat(3), i) ? text[i]!.repeat(3) : text[i]!;
  let j = i + quote.length;
  while (j < text.length && !text.startsWith(quote, j)) j += text[j] === '\\' && !raw ? 2 : 1;
  return j + quote.length;
}

export function rewriteTypedLiterals(text: string): string {
  let out = '';
  /** Open brackets: what closes each, and whether it is a typed literal (its fields get quoted). */
  const stack: { close: string; struct: boolean; suffix: string }[] = [];
  let expectField = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (expectField) {
      expectField = false;
      const f = FIELD.exec(text.slice(i));
      if (f) {
        out += `"${f[1]}":`;
        i += f[0].length;
        continue;
      }
    }
    if (c === '"' || c === "'") {
      const raw = /(^|\W)([bB]?[rR]|[rR][bB])$/.test(out);
      const end = stringEnd(text, i, raw);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const prevIsWord = i > 0 && /[\w.]/.test(text[i - 1]!);
    const typed = prevIsWord ? null : TYPED.exec(text.slice(i));
    if (typed) {
      out += 'dyn({';
      stack.push({ close: '}', struct: true, suffix: ')' });
      expectField = true;
      i += typed[0].length;
      continue;
    }
    const escape = prevIsWord ? null : ESCAPE_KEY.exec(text.slice(i));
    if (escape) {
      out += '(';
      stack.push({ close: ')', struct: false, suffix: '.replace("~", "~0").replace("/", "~1")' });
      i += escape[0].length;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') stack.push({ close: c === '{' ? '}' : c === '[' ? ']' : ')', struct: false, suffix: '' });
    else if (c === '}' || c === ']' || c === ')') {
      const top = stack.pop();
      out += c + (top?.suffix ?? '');
      i++;
      continue;
    } else if (c === ',' && stack[stack.length - 1]?.struct) expectField = true;
    out += c;
    i++;
  }
  return out;
}
