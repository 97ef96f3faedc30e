/**
 * Rego held in a YAML scalar, and where each Rego position sits in the file. In a literal block
 * (`|`, `|-`, `|+`) Rego line n is the block's n-th content line, shifted right by the block's
 * indentation: exact. Other styles (quoted strings in JSON templates, folded or plain scalars)
 * are aligned character by character, decoding escapes; when that loses track the position falls
 * back to the last aligned character.
 */
import type { Node, Scalar } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { SourceRef } from '../../facts';
import { LineCounter } from '../../yaml-lib';

/** A Rego position: 1-based line and column, 0-based offset. */
type RegoPosition = { line: number; column: number; offset: number };

export interface EmbeddedRego {
  text: string;
  /** Where the text is in the file, as plain data: `locator(place)` locates on any thread. */
  place: RegoPlace;
}

/**
 * A literal block's content lines (file offsets) and indentation; for other styles, the file offset
 * of each character of the value; for a node without a range, its one place.
 */
export type RegoPlace =
  | { fixed: SourceRef }
  | { file: string; lineStarts: readonly number[]; literal: { starts: number[]; last: number; indent: number } }
  | { file: string; lineStarts: readonly number[]; offsets: number[] };

export function embeddedRego(y: YamlDoc, node: Node | undefined): EmbeddedRego | undefined {
  const text = y.str(node);
  if (text === undefined || !node) return undefined;
  return { text, place: placeOf(y, node, text) };
}

function placeOf(y: YamlDoc, node: Node, text: string): RegoPlace {
  const range = node.range;
  if (!range) return { fixed: y.ref(node) };
  const type = (node as Scalar).type;
  const { file, lineStarts } = y;
  if (type === 'BLOCK_LITERAL') return { file, lineStarts, literal: literalBlock(y, text, range[0], range[1]) };
  const start = type === 'BLOCK_FOLDED' ? y.text.indexOf('\n', range[0]) + 1 : range[0] + (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE' ? 1 : 0);
  return { file, lineStarts, offsets: align(text, y.text, start, range[1], type === 'QUOTE_DOUBLE', type === 'QUOTE_SINGLE') };
}

/** Where a Rego position is in the file, from its place alone (as YamlDoc.refAt reads offsets). */
export function locator(place: RegoPlace): (pos: RegoPosition) => SourceRef {
  if ('fixed' in place) return () => ({ ...place.fixed });
  const lines = new LineCounter();
  for (const start of place.lineStarts) lines.addNewLine(start);
  const refAt = (offset: number): SourceRef => {
    const { line, col } = lines.linePos(offset);
    return { file: place.file, line, column: col };
  };
  if ('literal' in place) {
    const { starts, last, indent } = place.literal;
    return ({ line, column }) => refAt((starts[line - 1] ?? last) + indent + column - 1);
  }
  const { offsets } = place;
  return (pos) => refAt(offsets[Math.min(Math.max(pos.offset, 0), offsets.length - 1)]!);
}

/** The number of spaces in `s` starting at `at`. */
function spacesAt(s: string, at: number): number {
  const re = / */y;
  re.lastIndex = at;
  return re.exec(s)![0].length;
}

/** In a literal block, Rego line n is the block's n-th content line, shifted right by the block's indentation. */
function literalBlock(y: YamlDoc, text: string, start: number, end: number): { starts: number[]; last: number; indent: number } {
  const contentStart = y.text.indexOf('\n', start) + 1;
  const starts: number[] = [];
  for (let i = contentStart; i < end && i > 0; i = y.text.indexOf('\n', i) + 1) starts.push(i);
  const valueLines = text.split('\n');
  const first = valueLines.findIndex((l) => l.trim() !== '');
  let indent = 0;
  const firstStart = starts[first];
  if (firstStart !== undefined) indent = spacesAt(y.text, firstStart) - spacesAt(valueLines[first]!, 0);
  return { starts, last: starts[starts.length - 1] ?? contentStart, indent };
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
/** Hex digits after `\x`, `\u`, `\U` in a double-quoted scalar. */
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** offsets[i] is the file offset of value character i (UTF-16 units). */
function align(value: string, src: string, from: number, end: number, doubleQuoted: boolean, singleQuoted: boolean): number[] {
  const offsets: number[] = [];
  let j = from;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    let at: number | undefined;
    while (j < end && at === undefined) {
      const s = src[j]!;
      if (doubleQuoted && s === '\\') {
        const next = src[j + 1] ?? '';
        if (next === '\n' || next === '\r') {
          j += 2; // an escaped line break: the value goes on after the next line's indentation
          while (j < end && isSpace(src[j])) j++;
          continue;
        }
        at = j; // every other escape stands for one character
        j += 2 + (HEX_LENGTH[next] ?? 0);
      } else if (singleQuoted && s === "'" && src[j + 1] === "'") {
        at = j;
        j += 2;
      } else if (s === ch || (isSpace(ch) && isSpace(s))) {
        at = j++;
      } else if (isSpace(s)) {
        j++; // indentation and folded line breaks have no counterpart in the value
      } else {
        at = j; // lost track: stay here until the value and the source agree again
      }
    }
    offsets.push(at ?? Math.min(j, end));
  }
  offsets.push(Math.min(j, end));
  return offsets;
}
