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

const OPERATION = ['request', 'operation'];
const isOperation = (p: VarPath): boolean => p.length === 2 && p[0] === OPERATION[0] && p[1] === OPERATION[1];

/** true/false when the condition's outcome for an UPDATE request is known, undefined otherwise. */
function holdsForUpdate(c: Condition): boolean | undefined {
  const keyIsOp = sideReads(c.key).some(isOperation);
  const valueIsOp = sideReads(c.value).some(isOperation);
  if (keyIsOp === valueIsOp) return undefined;
  const other = keyIsOp ? c.value : c.key;
  const literals = (Array.isArray(other) ? other : [other]).filter((v): v is string => typeof v === 'string');
  if (literals.length === 0 || literals.some((l) => l.includes('{{'))) return undefined;
  const contains = literals.some((l) => l.toUpperCase() === 'UPDATE');
  switch (c.operator.toLowerCase()) {
    case 'equals':
    case 'in':
    case 'anyin':
    case 'allin':
      return contains;
    case 'notequals':
    case 'notin':
    case 'anynotin':
    case 'allnotin':
      return !contains;
    default:
      return undefined;
  }
}

/** The condition that rules UPDATE out, if the block can never pass for UPDATE. */
export function updateExcludedBy(block: ConditionBlock): Condition | undefined {
  const inAll = block.all.find((c) => holdsForUpdate(c) === false);
  if (inAll) return inAll;
  if (block.any.length > 0 && block.any.every((c) => holdsForUpdate(c) === false)) return block.any[0];
  return undefined;
}
