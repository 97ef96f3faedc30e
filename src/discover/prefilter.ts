/**
 * The text prefilter's view of a file: what its scalars can decode to beyond the text written.
 * A file is skipped only when neither its text nor any decoding of it names a policy marker. Aliases
 * and merge keys only repeat nodes written in the file, and line folding only adds spaces, so
 * neither can produce a marker that is not there; escapes and some tags can.
 */

/**
 * Tags whose content can decode to text the file does not contain: `!!binary` (base64), and any
 * secondary-handle tag with a %-escape (`!!bin%61ry` is `!!binary`), verbatim tags (`!<…>`) and
 * %TAG-declared handles (which may name any tag).
 */
const DECODING_TAG = /!<|%TAG|!![^\s,[\]{}]*(?:binary|%)/i;

/** Backslash escapes as a double-quoted YAML or JSON scalar decodes them, matched left to right. */
const ESCAPE = /\\(?:(\r\n|\r|\n)[ \t]*|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([\s\S]))/g;
const SIMPLE: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };

/**
 * The text with every backslash escape decoded. Escapes mean something only in double-quoted
 * scalars, but a double-quoted scalar never starts right after a backslash, so decoding them
 * everywhere decodes each such scalar exactly; elsewhere it can only add matches, never hide the
 * text itself (callers test both).
 */
export function decodedEscapes(text: string): string {
  return text.replace(ESCAPE, (_all, lineBreak?: string, x?: string, u?: string, U?: string, other?: string) => {
    if (lineBreak !== undefined) return '';
    const hex = x ?? u ?? U;
    if (hex !== undefined) {
      const code = parseInt(hex, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return SIMPLE[other!] ?? other!;
  });
}

/** Whether `text`, as written or as any of its scalars decodes, can match `marker`. */
export function mayName(text: string, marker: RegExp): boolean {
  if (marker.test(text) || DECODING_TAG.test(text)) return true;
  return text.includes('\\') && marker.test(decodedEscapes(text));
}
