/** CEL expressions read from YAML: the parsed AST with its source, or why it could not be read. */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { SourceRef, Unanalyzable } from '../../facts';
import { parseCel, type CelNode } from './parse';
import { celSource, type CelSource } from './source';

export interface CelExpr {
  source: CelSource;
  /** Absent when the expression did not parse; `problem` says why. */
  ast?: CelNode;
  problem?: Unanalyzable;
}

/** The expression under `key` of an item (`expression` of a validation or variable). */
export function readExpression(y: YamlDoc, item: Node, key = 'expression'): CelExpr {
  const node = y.get(item, key);
  const source = celSource(y, node);
  if (!source) {
    const at = y.ref(node ?? item);
    return { source: { text: '', at: () => at }, problem: { reason: `${key} is missing or not a string`, at } };
  }
  const parsed = parseCel(source.text);
  if ('error' in parsed) return { source, problem: { reason: `invalid CEL: ${parsed.error}`, at: source.at(0) } };
  return { source, ast: parsed.ast };
}

export interface Variable extends CelExpr {
  name: string;
  at: SourceRef;
}

/** `variables: [{name, expression}]` by name; later definitions of a name win, as in a map. */
export function readVariables(y: YamlDoc, list: Node | undefined): Map<string, Variable> {
  const out = new Map<string, Variable>();
  for (const item of y.items(list)) {
    const name = y.str(y.get(item, 'name'));
    if (name) out.set(name, { name, at: y.ref(y.get(item, 'name')), ...readExpression(y, item) });
  }
  return out;
}

/** Opening minus closing parentheses outside string literals. */
function openParens(s: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return depth;
}

/**
 * A short quote of a sub-expression for messages. A node's range leaves out the parentheses that
 * close a group it starts inside (`!(a == b)` ends before the last `)`): they are added back.
 */
export function snippet(e: CelExpr, node: CelNode): string {
  const text = e.source.text;
  let end = node.end;
  for (let open = openParens(text.slice(node.start, end)); open > 0; open--) {
    const close = /^\s*\)/.exec(text.slice(end));
    if (!close) break;
    end += close[0].length;
  }
  const s = text.slice(node.start, end).replace(/\s+/g, ' ');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
