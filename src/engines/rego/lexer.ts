/**
 * Tokenizer for Rego source text.
 *
 * Produces a flat array of tokens (always terminated by one `eof` token) plus
 * the comments found. Whitespace is not tokenized; instead every token records
 * whether whitespace (`wsBefore`) or a newline (`nlBefore`) preceded it, which
 * the parser uses for ref adjacency (`a.b` vs `a .b`) and for newline-separated
 * body expressions. Comments count as whitespace (and a comment always ends in
 * a newline or the end of input).
 */

import type { Comment, Position } from './ast';

export class RegoSyntaxError extends Error {
  /** 1-based line of the offending token / character. */
  readonly line: number;
  /** 1-based column of the offending token / character. */
  readonly column: number;
  /** 0-based offset into the source. */
  readonly offset: number;

  /** `message` is the short reason, e.g. `expected "]" but found "}"`; see also `toString()`. */
  constructor(message: string, line: number, column: number, offset: number) {
    super(message);
    this.name = 'RegoSyntaxError';
    this.line = line;
    this.column = column;
    this.offset = offset;
  }

  /** `line:column: message` */
  override toString(): string {
    return `${this.line}:${this.column}: ${this.message}`;
  }
}

/** Valid Rego nested deeper than polcov follows: not a syntax error, but nothing polcov can analyse. */
export class RegoTooDeep extends RegoSyntaxError {}

/** Why a module could not be read, for a policy-unanalyzable finding. */
export function parseFailure(e: RegoSyntaxError, where = ''): string {
  return e instanceof RegoTooDeep ? `too complex to follow${where}: ${e.message}` : `invalid Rego${where}: ${e.message}`;
}

/** Token kinds (numeric for compact storage). */
export const TK_IDENT = 0;
export const TK_STRING = 1;
export const TK_RAWSTRING = 2;
export const TK_NUMBER = 3;
export const TK_PUNCT = 4;
export const TK_EOF = 5;

export type TokenKind = 'ident' | 'string' | 'rawstring' | 'number' | 'punct' | 'eof';
const KIND_NAMES: readonly TokenKind[] = ['ident', 'string', 'rawstring', 'number', 'punct', 'eof'];

/** Flag bits in TokenBuffer.flags. */
export const FLAG_WS = 1;
export const FLAG_NL = 2;

/**
 * Tokens stored as parallel arrays (struct of arrays) to keep allocation and
 * GC pressure low on large inputs. Token `i` is described by `kind[i]`,
 * `value[i]`, etc. The last token (index `count - 1`) is always TK_EOF.
 */
export interface TokenBuffer {
  count: number;
  kind: Uint8Array;
  /** Identifier / punctuator / number text; decoded value for strings. */
  value: string[];
  /** FLAG_WS: whitespace or comment before; FLAG_NL: newline before. */
  flags: Uint8Array;
  start: Int32Array;
  line: Int32Array;
  column: Int32Array;
  end: Int32Array;
  endLine: Int32Array;
  endColumn: Int32Array;
}

/** Object view of one token (convenience for tests / debugging). */
export interface Token {
  kind: TokenKind;
  value: string;
  offset: number;
  line: number;
  column: number;
  endOffset: number;
  endLine: number;
  endColumn: number;
  wsBefore: boolean;
  nlBefore: boolean;
}

export interface LexResult {
  tokens: TokenBuffer;
  comments: Comment[];
}

export function tokenAt(buf: TokenBuffer, i: number): Token {
  return {
    kind: KIND_NAMES[buf.kind[i]],
    value: buf.value[i],
    offset: buf.start[i],
    line: buf.line[i],
    column: buf.column[i],
    endOffset: buf.end[i],
    endLine: buf.endLine[i],
    endColumn: buf.endColumn[i],
    wsBefore: (buf.flags[i] & FLAG_WS) !== 0,
    nlBefore: (buf.flags[i] & FLAG_NL) !== 0,
  };
}

/** All tokens as objects (including the final eof token). */
export function tokenList(source: string): Token[] {
  const { tokens } = tokenize(source);
  const out: Token[] = [];
  for (let i = 0; i < tokens.count; i++) out.push(tokenAt(tokens, i));
  return out;
}

function newBuffer(capacity: number): TokenBuffer {
  return {
    count: 0,
    kind: new Uint8Array(capacity),
    value: [],
    flags: new Uint8Array(capacity),
    start: new Int32Array(capacity),
    line: new Int32Array(capacity),
    column: new Int32Array(capacity),
    end: new Int32Array(capacity),
    endLine: new Int32Array(capacity),
    endColumn: new Int32Array(capacity),
  };
}

function grow(buf: TokenBuffer): void {
  const cap = buf.kind.length * 2;
  const copyU8 = (a: Uint8Array): Uint8Array => {
    const b = new Uint8Array(cap);
    b.set(a);
    return b;
  };
  const copyI32 = (a: Int32Array): Int32Array => {
    const b = new Int32Array(cap);
    b.set(a);
    return b;
  };
  buf.kind = copyU8(buf.kind);
  buf.flags = copyU8(buf.flags);
  buf.start = copyI32(buf.start);
  buf.line = copyI32(buf.line);
  buf.column = copyI32(buf.column);
  buf.end = copyI32(buf.end);
  buf.endLine = copyI32(buf.endLine);
  buf.endColumn = copyI32(buf.endColumn);
}

function pushToken(
  buf: TokenBuffer,
  kind: number,
  value: string,
  flags: number,
  start: number,
  line: number,
  column: number,
  end: number,
  endLine: number,
  endColumn: number,
): void {
  const n = buf.count;
  if (n === buf.kind.length) grow(buf);
  buf.kind[n] = kind;
  buf.value.push(value);
  buf.flags[n] = flags;
  buf.start[n] = start;
  buf.line[n] = line;
  buf.column[n] = column;
  buf.end[n] = end;
  buf.endLine[n] = endLine;
  buf.endColumn[n] = endColumn;
  buf.count = n + 1;
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_HASH = 35;
const CH_PERCENT = 37;
const CH_AMP = 38;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_STAR = 42;
const CH_PLUS = 43;
const CH_COMMA = 44;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_SEMI = 59;
const CH_LT = 60;
const CH_EQ = 61;
const CH_GT = 62;
const CH_LBRACK = 91;
const CH_BACKSLASH = 92;
const CH_RBRACK = 93;
const CH_UNDERSCORE = 95;
const CH_BACKTICK = 96;
const CH_LBRACE = 123;
const CH_BAR = 124;
const CH_RBRACE = 125;
const CH_BOM = 0xfeff;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === CH_UNDERSCORE;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= CH_0 && c <= CH_9);
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function hexValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Printable description of a character for error messages. */
function describeChar(c: number): string {
  return JSON.stringify(String.fromCharCode(c));
}

function lexError(reason: string, at: number, line: number, lineStart: number): never {
  throw new RegoSyntaxError(reason, line, at - lineStart + 1, at);
}

export function tokenize(source: string): LexResult {
  const src = source;
  const len = src.length;
  const buf = newBuffer(Math.min(Math.max(16, len >> 2), 1 << 20));
  const comments: Comment[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let flags = 0;

  if (len > 0 && src.charCodeAt(0) === CH_BOM) {
    i = 1;
    lineStart = 1;
  }

  while (i < len) {
    const c = src.charCodeAt(i);

    // whitespace
    if (c === CH_SPACE || c === CH_TAB || c === CH_CR) {
      i++;
      flags |= FLAG_WS;
      continue;
    }
    if (c === CH_LF) {
      i++;
      line++;
      lineStart = i;
      flags = FLAG_WS | FLAG_NL;
      continue;
    }

    // comment
    if (c === CH_HASH) {
      const start = i;
      let j = i + 1;
      while (j < len && src.charCodeAt(j) !== CH_LF) j++;
      let textEnd = j;
      if (textEnd > start + 1 && src.charCodeAt(textEnd - 1) === CH_CR) textEnd--;
      const pos: Position = { line, column: start - lineStart + 1, offset: start };
      const end: Position = { line, column: j - lineStart + 1, offset: j };
      comments.push({ type: 'comment', text: src.slice(start + 1, textEnd), pos, end });
      i = j;
      flags |= FLAG_WS;
      continue;
    }

    const start = i;
    const startLine = line;
    const startCol = i - lineStart + 1;

    // identifiers / keywords
    if (isIdentStart(c)) {
      i++;
      while (i < len && isIdentPart(src.charCodeAt(i))) i++;
      pushToken(buf, TK_IDENT, src.slice(start, i), flags, start, line, startCol, i, line, i - lineStart + 1);
      flags = 0;
      continue;
    }

    // numbers (a leading '-' is handled by the parser)
    if (isDigit(c)) {
      i++;
      while (i < len && isDigit(src.charCodeAt(i))) i++;
      if (i + 1 < len && src.charCodeAt(i) === CH_DOT && isDigit(src.charCodeAt(i + 1))) {
        i += 2;
        while (i < len && isDigit(src.charCodeAt(i))) i++;
      }
      const e = i < len ? src.charCodeAt(i) : 0;
      if (e === 101 || e === 69) {
        let j = i + 1;
        const s = j < len ? src.charCodeAt(j) : 0;
        if (s === CH_PLUS || s === CH_MINUS) j++;
        if (j < len && isDigit(src.charCodeAt(j))) {
          i = j + 1;
          while (i < len && isDigit(src.charCodeAt(i))) i++;
        } else {
          lexError('invalid number exponent', i, line, lineStart);
        }
      }
      if (i < len && isIdentStart(src.charCodeAt(i))) lexError('invalid number', start, line, lineStart);
      pushToken(buf, TK_NUMBER, src.slice(start, i), flags, start, line, startCol, i, line, i - lineStart + 1);
      flags = 0;
      continue;
    }

    // strings
    if (c === CH_DQUOTE) {
      i++;
      let value = '';
      let chunkStart = i;
      for (;;) {
        if (i >= len) lexError('unterminated string', start, line, lineStart);
        const d = src.charCodeAt(i);
        if (d === CH_DQUOTE) {
          value += src.slice(chunkStart, i);
          i++;
          break;
        }
        if (d === CH_LF) lexError('unterminated string', start, line, lineStart);
        if (d === CH_BACKSLASH) {
          value += src.slice(chunkStart, i);
          const esc = i + 1 < len ? src.charCodeAt(i + 1) : -1;
          switch (esc) {
            case CH_DQUOTE:
              value += '"';
              break;
            case CH_BACKSLASH:
              value += '\\';
              break;
            case CH_SLASH:
              value += '/';
              break;
            case 98:
              value += '\b';
              break;
            case 102:
              value += '\f';
              break;
            case 110:
              value += '\n';
              break;
            case 114:
              value += '\r';
              break;
            case 116:
              value += '\t';
              break;
            case 117: {
              let code = 0;
              for (let k = 0; k < 4; k++) {
                const h = i + 2 + k < len ? hexValue(src.charCodeAt(i + 2 + k)) : -1;
                if (h < 0) lexError('invalid unicode escape in string', i, line, lineStart);
                code = code * 16 + h;
              }
              value += String.fromCharCode(code);
              i += 4;
              break;
            }
            default:
              lexError('invalid escape sequence in string', i, line, lineStart);
          }
          i += 2;
          chunkStart = i;
          continue;
        }
        i++;
      }
      pushToken(buf, TK_STRING, value, flags, start, line, startCol, i, line, i - lineStart + 1);
      flags = 0;
      continue;
    }

    // raw strings (may span lines)
    if (c === CH_BACKTICK) {
      const startLineStart = lineStart;
      i++;
      for (;;) {
        if (i >= len) lexError('unterminated raw string', start, startLine, startLineStart);
        const d = src.charCodeAt(i);
        if (d === CH_BACKTICK) break;
        if (d === CH_LF) {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      const value = src.slice(start + 1, i);
      i++;
      pushToken(buf, TK_RAWSTRING, value, flags, start, startLine, startCol, i, line, i - lineStart + 1);
      flags = 0;
      continue;
    }

    // punctuation / operators
    const n = i + 1 < len ? src.charCodeAt(i + 1) : 0;
    let width = 1;
    switch (c) {
      case CH_COLON:
      case CH_EQ:
      case CH_LT:
      case CH_GT:
        if (n === CH_EQ) width = 2;
        break;
      case CH_BANG:
        if (n !== CH_EQ) lexError(`unexpected character ${describeChar(c)}`, i, line, lineStart);
        width = 2;
        break;
      case CH_LPAREN:
      case CH_RPAREN:
      case CH_LBRACK:
      case CH_RBRACK:
      case CH_LBRACE:
      case CH_RBRACE:
      case CH_COMMA:
      case CH_SEMI:
      case CH_DOT:
      case CH_PLUS:
      case CH_MINUS:
      case CH_STAR:
      case CH_SLASH:
      case CH_PERCENT:
      case CH_BAR:
      case CH_AMP:
        break;
      default:
        lexError(`unexpected character ${describeChar(c)}`, i, line, lineStart);
    }
    i += width;
    const text = width === 1 ? String.fromCharCode(c) : src.slice(start, i);
    pushToken(buf, TK_PUNCT, text, flags, start, line, startCol, i, line, i - lineStart + 1);
    flags = 0;
  }

  const col = len - lineStart + 1;
  pushToken(buf, TK_EOF, '', flags, len, line, col, len, line, col);
  return { tokens: buf, comments };
}
