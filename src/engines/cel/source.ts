/**
 * Where a character of a CEL expression sits in the YAML file. The expression is the value of a
 * YAML scalar; block scalars (`|`, `>`) strip indentation and folding turns line breaks into
 * spaces, so value offsets are aligned to the scalar's source text once, character by character.
 * When the alignment loses track (escapes in quoted scalars), it falls back to the last known place.
 */
import type { Node, Scalar } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { SourceRef } from '../../facts';

export interface CelSource {
  text: string;
  /** The file position of a character offset in `text`. */
  at(offset: number): SourceRef;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** The expression held by a YAML scalar node, or undefined when the node is not a string scalar. */
export function celSource(y: YamlDoc, node: Node | undefined): CelSource | undefined {
  const text = y.str(node);
  if (text === undefined || !node) return undefined;
  const range = node.range;
  if (!range || !y.text) return { text, at: () => y.ref(node) };
  const offsets = align(text, y.text, contentStart(y.text, range[0], (node as Scalar).type), range[1]);
  return { text, at: (offset) => y.refAt(offsets[Math.min(Math.max(offset, 0), offsets.length - 1)] ?? range[0]) };
}

function contentStart(src: string, start: number, type: Scalar['type']): number {
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    const nl = src.indexOf('\n', start);
    return nl === -1 ? start : nl + 1;
  }
  return type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE' ? start + 1 : start;
}

/** offsets[i] = the source offset of value character i (one extra entry for the end). */
function align(value: string, src: string, from: number, end: number): number[] {
  const offsets: number[] = [];
  let j = from;
  for (let i = 0; i < value.length; i++) {
    const v = value[i]!;
    // Indentation and extra line-break whitespace in the source have no counterpart in the value.
    while (j < end && src[j] !== v && isSpace(src[j]) && !isSpace(v)) j++;
    if (j < end && (src[j] === v || (isSpace(v) && isSpace(src[j])))) {
      offsets.push(j++);
      continue;
    }
    if (isSpace(v)) {
      offsets.push(Math.min(j, end)); // a space the source does not spell out (escape or folding)
      continue;
    }
    // An escape or quote doubling: skip source characters until this one appears.
    let k = j;
    while (k < end && src[k] !== v) k++;
    if (k < end) j = k;
    offsets.push(Math.min(j, end));
    if (k < end) j++;
  }
  offsets.push(Math.min(j, end));
  return offsets;
}
