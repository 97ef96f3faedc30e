/**
 * Which object fields a Kyverno JMESPath expression reads. The expression is parsed with a
 * JMESPath library and evaluated abstractly: values are sets of paths, list projections keep the
 * path (indices are dropped) and multiselects fan out, so
 * `request.object.spec.[ephemeralContainers, containers][].image` reads both lists' `image`.
 */
import type * as Jmespath from '@jmespath-community/jmespath';
import { lazy } from '../../lazy';
import { checkSize, StepBudget, TooComplex } from '../too-complex';

const jmespathCompile = lazy(() => (require('@jmespath-community/jmespath') as typeof Jmespath).compile);

/** A path from a variable root, e.g. ['request', 'object', 'spec', 'containers']. */
export type VarPath = string[];

interface JNode {
  type: string;
  name?: string;
  value?: unknown;
  left?: JNode;
  right?: JNode;
  child?: JNode;
  children?: JNode[];
  condition?: JNode;
}

export interface JmesReads {
  /** Paths whose values the expression consumes (terminals, comparison operands, function args). */
  reads: VarPath[];
  /** Paths the expression evaluates to (what `foreach.list` iterates). */
  results: VarPath[];
}

const ROOT: VarPath = [];
const MAX_DEPTH = 200;
/**
 * Paths one value may stand for, and work (paths produced) per expression: nested multiselects
 * multiply paths, so `[a,b].[c,d].[e,f]…` would grow exponentially without a bound.
 */
export const MAX_PATHS = 2_000;
const MAX_WORK = 50_000;

/** Throws the library's error for invalid JMESPath, and TooComplex past the budget. */
export function jmesReads(expression: string): JmesReads {
  const ast = jmespathCompile()(expression) as unknown as JNode;
  const reads: VarPath[] = [];
  const results = evalNode(ast, [ROOT], reads, 0, new StepBudget(MAX_WORK, 'evaluating the JMESPath expression'));
  return { reads: [...reads, ...results], results };
}

/** Abstract evaluation: the set of paths the node's value may come from. */
function evalNode(n: JNode, ctx: VarPath[], reads: VarPath[], depth: number, budget: StepBudget): VarPath[] {
  if (depth > MAX_DEPTH) throw new TooComplex('JMESPath expression nested more than 200 deep');
  budget.tick(1 + ctx.length);
  const out = checkSize(evalKind(n, ctx, reads, depth, budget), MAX_PATHS, 'a JMESPath expression');
  if (reads.length > MAX_WORK) throw new TooComplex(`a JMESPath expression reads more than ${MAX_WORK} paths`);
  return out;
}

function evalKind(n: JNode, ctx: VarPath[], reads: VarPath[], depth: number, budget: StepBudget): VarPath[] {
  const ev = (m: JNode | undefined, c: VarPath[] = ctx): VarPath[] => (m ? evalNode(m, c, reads, depth + 1, budget) : []);
  const consume = (m: JNode | undefined, c: VarPath[] = ctx): void => void reads.push(...ev(m, c));
  switch (n.type) {
    case 'Field':
      return ctx.map((p) => [...p, n.name!]);
    case 'ValueProjection': // `obj.*`: every key
      return ev(n.right, ev(n.left).map((p) => [...p, '*']));
    case 'Subexpression':
    case 'Pipe':
    case 'Projection':
      return ev(n.right, ev(n.left));
    case 'FilterProjection': {
      const base = ev(n.left);
      consume(n.condition, base);
      return ev(n.right, base);
    }
    case 'Flatten':
      return ev(n.child);
    case 'IndexExpression':
      return ev(n.right, ev(n.left));
    case 'Index': // `list[0]` reads one element, not the list: a marker keeps it from counting as all of them
      return ctx.map((p) => [...p, `[${String(n.value)}]`]);
    case 'Slice':
      return ctx.map((p) => [...p, '[slice]']);
    case 'Identity':
    case 'Current':
      return ctx;
    case 'MultiSelectList':
    case 'MultiSelectHash':
      return (n.children ?? []).flatMap((c) => ev(c.type === 'KeyValuePair' ? c.value as JNode : c));
    case 'KeyValuePair':
      return ev(n.value as JNode);
    case 'Comparator':
    case 'AndExpression':
      consume(n.left);
      consume(n.right);
      return [];
    case 'OrExpression': // `a || 'default'` yields a's value
      return [...ev(n.left), ...ev(n.right)];
    case 'NotExpression':
      consume(n.child);
      return [];
    case 'Function':
      // Conservative: a function's result may come from any argument (to_array, merge, not_null…).
      return (n.children ?? []).flatMap((c) => ev(c));
    case 'ExpressionReference':
      return ev(n.child);
    case 'Literal':
      return [];
    default:
      // Arithmetic and anything newer: keep what the operands read.
      for (const k of ['left', 'right', 'child'] as const) consume(n[k]);
      for (const c of n.children ?? []) consume(c);
      return [];
  }
}

/** Stands in for an inner `{{ }}` once it is read; a valid JMESPath identifier and string content. */
const INNER = 'polcov_inner_variable';
const INNERMOST = /\{\{-?((?:(?!\{\{|\}\})[\s\S])*?)-?\}\}/;

/** Inside a JMESPath backtick literal the stand-in must be JSON. */
const insideBackticks = (text: string, index: number): boolean => (text.slice(0, index).match(/`/g)?.length ?? 0) % 2 === 1;

/**
 * Kyverno substitutes every `{{ … }}` before it parses what is around it, innermost first, also
 * inside a JMESPath backtick literal (`` label_match(a, `{{request.object.spec.selector}}`) ``).
 * Returns the expressions read, innermost first, and the text left with stand-ins for them.
 */
export function substituteVariables(text: string): { expressions: string[]; rest: string } {
  const expressions: string[] = [];
  let rest = text;
  for (let m = INNERMOST.exec(rest); m; m = INNERMOST.exec(rest)) {
    expressions.push(m[1]!.trim());
    const standIn = insideBackticks(rest, m.index) ? JSON.stringify(INNER) : INNER;
    rest = rest.slice(0, m.index) + standIn + rest.slice(m.index + m[0].length);
  }
  return { expressions, rest };
}

/**
 * The `{{ … }}` expressions inside a Kyverno string; a string without them yields []. Kyverno
 * substitutes inner variables first (`{{ regex_match('^r/', '{{element.image}}') }}`), so the
 * innermost one is read and replaced until none is left. Throws on an unterminated `{{`.
 */
export function templateExpressions(text: string): string[] {
  const { expressions, rest } = substituteVariables(text);
  if (rest.includes('{{')) throw new SyntaxError('unterminated {{ in a Kyverno variable');
  return expressions;
}
