/**
 * Test helpers: a compact printer for the Rego AST (so table cases can assert
 * on structure with one string) and a generic node walker.
 */
import type { Body, Expr, Position, Rule, Term, With } from '../../../src/engines/rego';

/** Compact, fully parenthesised rendering of a term. */
export function showTerm(t: Term): string {
  switch (t.type) {
    case 'string':
      return t.raw ? `\`${t.value}\`` : JSON.stringify(t.value);
    case 'number':
      return t.text;
    case 'boolean':
      return String(t.value);
    case 'null':
      return 'null';
    case 'var':
      return t.name;
    case 'ref':
      return (
        showTerm(t.head) + t.path.map((p) => (p.type === 'dot' ? `.${p.name}` : `[${showTerm(p.term)}]`)).join('')
      );
    case 'call':
      return `${t.name}(${t.args.map(showTerm).join(', ')})`;
    case 'array':
      return `[${t.items.map(showTerm).join(', ')}]`;
    case 'set':
      return t.items.length === 0 ? 'set()' : `{${t.items.map(showTerm).join(', ')}}`;
    case 'object':
      return `{${t.entries.map((e) => `${showTerm(e.key)}: ${showTerm(e.value)}`).join(', ')}}`;
    case 'arrayComprehension':
      return `[${showTerm(t.term)} | ${showBody(t.body)}]`;
    case 'setComprehension':
      return `{${showTerm(t.term)} | ${showBody(t.body)}}`;
    case 'objectComprehension':
      return `{${showTerm(t.key)}: ${showTerm(t.value)} | ${showBody(t.body)}}`;
    case 'binary':
      return `(${showTerm(t.left)} ${t.op} ${showTerm(t.right)})`;
    case 'unary':
      return `(-${showTerm(t.operand)})`;
    case 'membership':
      return `(${t.key ? `${showTerm(t.key)}, ` : ''}${showTerm(t.value)} in ${showTerm(t.collection)})`;
  }
}

function showWith(w: With[]): string {
  return w.map((x) => ` with ${showTerm(x.target)} as ${showTerm(x.value)}`).join('');
}

export function showExpr(e: Expr): string {
  let s: string;
  switch (e.type) {
    case 'termExpr':
      s = showTerm(e.term);
      break;
    case 'not':
      s = `not ${showExpr(e.expr)}`;
      break;
    case 'some':
      s = `some ${e.vars.map((v) => v.name).join(', ')}`;
      break;
    case 'someIn':
      s = `some ${e.key ? `${showTerm(e.key)}, ` : ''}${showTerm(e.value)} in ${showTerm(e.collection)}`;
      break;
    case 'every':
      s = `every ${e.key ? `${e.key.name}, ` : ''}${e.value.name} in ${showTerm(e.domain)} { ${showBody(e.body)} }`;
      break;
    case 'assign':
      s = `${showTerm(e.left)} := ${showTerm(e.right)}`;
      break;
    case 'unify':
      s = `${showTerm(e.left)} = ${showTerm(e.right)}`;
      break;
  }
  return s + showWith(e.with);
}

export function showBody(b: Body): string {
  return b.exprs.map(showExpr).join('; ');
}

/** `kind head(args) key=.. value=.. { body } { body } else ...` */
export function showRule(r: Rule): string {
  let s = `${r.kind} ${showTerm(r.head)}`;
  if (r.args) s += `(${r.args.map(showTerm).join(', ')})`;
  if (r.key) s += ` key=${showTerm(r.key)}`;
  if (r.value) s += ` value=${showTerm(r.value)}`;
  for (const b of r.bodies) s += ` { ${showBody(b)} }`;
  if (r.else) s += ` else ${showRule(r.else).replace(/^\S+ \S+ ?/, '')}`;
  return s;
}

export interface AnyNode {
  type: string;
  pos: Position;
  end: Position;
  [k: string]: unknown;
}

function isNode(x: unknown): x is AnyNode {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string' && 'pos' in x;
}

/** Depth-first walk over every AST node (parents before children). */
export function walk(node: unknown, visit: (n: AnyNode, parent: AnyNode | undefined) => void, parent?: AnyNode): void {
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit, parent);
    return;
  }
  if (!isNode(node)) return;
  visit(node, parent);
  for (const [k, v] of Object.entries(node)) {
    if (k === 'pos' || k === 'end' || k === 'keywords') continue;
    // an `else` rule shares head and args with the rule it belongs to
    if (node.type === 'rule' && parent?.type === 'rule' && (k === 'head' || k === 'args')) continue;
    if (typeof v === 'object' && v !== null) walk(v, visit, node);
  }
}

/** Maps an offset to a 1-based line/column. */
export function lineCol(src: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Line/column of the n-th (0-based) occurrence of `needle` in `src`. */
export function locate(src: string, needle: string, nth = 0): Position {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = src.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${nth} not found`);
  }
  return { ...lineCol(src, at), offset: at };
}
