/**
 * Kyverno conditions (`preconditions`, `deny.conditions`): the fields they read, and whether an
 * UPDATE request can ever satisfy them (a guard on `request.operation` that skips UPDATE).
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { SourceRef } from '../../facts';
import { jmesReads, templateExpressions, type VarPath } from './jmespath-reads';

export interface Condition {
  keyNode: Node | undefined;
  key: unknown;
  operator: string;
  value: unknown;
  at: SourceRef;
}

export interface ConditionBlock {
  all: Condition[];
  any: Condition[];
}

/** Reads `{any, all}` or the legacy plain list (which means all). */
export function readConditions(y: YamlDoc, node: Node | undefined): ConditionBlock {
  const toCondition = (n: Node): Condition => ({
    keyNode: y.get(n, 'key'),
    key: plain(y, y.get(n, 'key')),
    operator: y.str(y.get(n, 'operator')) ?? '',
    value: plain(y, y.get(n, 'value')),
    at: y.keyRef(n, 'key'),
  });
  if (y.isSeq(node)) return { all: y.items(node).map(toCondition), any: [] };
  return {
    all: y.items(y.get(node, 'all')).map(toCondition),
    any: y.items(y.get(node, 'any')).map(toCondition),
  };
}

function plain(y: YamlDoc, n: Node | undefined): unknown {
  if (y.isSeq(n)) return y.items(n).map((i) => y.scalar(i));
  return y.scalar(n);
}

/** Every path a condition side reads; non-template strings read nothing. Throws on bad JMESPath. */
export function sideReads(side: unknown): VarPath[] {
  const texts = Array.isArray(side) ? side : [side];
  return texts
    .filter((t): t is string => typeof t === 'string')
    .flatMap((t) => templateExpressions(t))
    .flatMap((e) => jmesReads(e).reads);
}

/**
 * What the API server sends for `kubectl debug`: the request attributes a guard may test. A guard
 * is decided only in its plain forms (`{{ request.operation }}`, with an optional `|| 'default'`);
 * any other expression over these attributes is undecidable, and the caller fails closed.
 */
const DEBUG_REQUEST: Record<string, string> = { operation: 'UPDATE', subResource: 'ephemeralcontainers' };
const PLAIN_ATTRIBUTE = /^request\.(operation|subResource)(\s*\|\|\s*'[^']*')?$/;

type Outcome = boolean | 'undecidable' | undefined;

/** The request attribute a condition side tests plainly, 'undecidable' if it tests one otherwise. */
function attributeOf(side: unknown): string | 'undecidable' | undefined {
  const reads = sideReads(side).filter((p) => p[0] === 'request' && p[1] !== undefined && p[1] in DEBUG_REQUEST);
  if (reads.length === 0) return undefined;
  const exprs = typeof side === 'string' ? templateExpressions(side) : [];
  const plain = exprs.length === 1 && PLAIN_ATTRIBUTE.exec(exprs[0]!);
  return plain ? plain[1]! : 'undecidable';
}

/** Whether the condition holds for the kubectl debug request; undefined when it tests no request attribute. */
function holdsForDebug(c: Condition): Outcome {
  const keyAttr = attributeOf(c.key);
  const valueAttr = attributeOf(c.value);
  if (keyAttr === undefined && valueAttr === undefined) return undefined;
  if (keyAttr !== undefined && valueAttr !== undefined) return 'undecidable';
  const attr = (keyAttr ?? valueAttr)!;
  if (attr === 'undecidable') return 'undecidable';
  const other = keyAttr !== undefined ? c.value : c.key;
  const literals = Array.isArray(other) ? other : [other];
  if (literals.some((l) => typeof l !== 'string' || l.includes('{{'))) return 'undecidable';
  const actual = DEBUG_REQUEST[attr]!.toLowerCase();
  const contains = (literals as string[]).some((l) => l.toLowerCase() === actual);
  switch (c.operator.toLowerCase()) {
    case 'equals':
    case 'equal':
    case 'in':
    case 'anyin':
    case 'allin':
      return contains;
    case 'notequals':
    case 'notequal':
    case 'notin':
    case 'anynotin':
    case 'allnotin':
      return !contains;
    default:
      return 'undecidable';
  }
}

export interface GuardVerdict {
  /** The condition that keeps every kubectl debug request out. */
  excludedBy?: Condition;
  /** A condition on the request that polcov cannot evaluate (reported, never assumed to pass). */
  undecidable?: Condition;
}

/** Whether a condition block can pass for the kubectl debug request (UPDATE on pods/ephemeralcontainers). */
export function debugVerdict(block: ConditionBlock): GuardVerdict {
  const outcomes = (cs: Condition[]): [Condition, Outcome][] => cs.map((c) => [c, holdsForDebug(c)]);
  const all = outcomes(block.all);
  const any = outcomes(block.any);
  const excludedBy = all.find(([, o]) => o === false)?.[0] ?? (any.length > 0 && any.every(([, o]) => o === false) ? any[0]![0] : undefined);
  if (excludedBy) return { excludedBy };
  const undecidable = [...all, ...any].find(([, o]) => o === 'undecidable')?.[0];
  return undecidable ? { undecidable } : {};
}
