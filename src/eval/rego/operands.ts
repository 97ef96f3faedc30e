/** What every built-in shares: its error, its context, and checks of its operands' types. */
import { RegoObject, RegoSet, typeName, type Value } from './value';

export class BuiltinError extends Error {}

export interface BuiltinContext {
  /** `time.now_ns()`: one instant per query, as in OPA. */
  nowNs: number;
}

export type Builtin = (args: Value[], ctx: BuiltinContext) => Value | undefined;

// ------------------------------------------------------------------ operand checks

export function str(v: Value | undefined, what = 'operand'): string {
  if (typeof v !== 'string') throw new BuiltinError(`${what} must be string, not ${v === undefined ? 'undefined' : typeName(v)}`);
  return v;
}

export function num(v: Value | undefined, what = 'operand'): number {
  if (typeof v !== 'number') throw new BuiltinError(`${what} must be number, not ${v === undefined ? 'undefined' : typeName(v)}`);
  return v;
}

export function int(v: Value | undefined, what = 'operand'): number {
  const n = num(v, what);
  if (!Number.isInteger(n)) throw new BuiltinError(`${what} must be an integer`);
  return n;
}

export function arr(v: Value | undefined, what = 'operand'): Value[] {
  if (!Array.isArray(v)) throw new BuiltinError(`${what} must be array`);
  return v;
}

export function obj(v: Value | undefined, what = 'operand'): RegoObject {
  if (!(v instanceof RegoObject)) throw new BuiltinError(`${what} must be object`);
  return v;
}

export function set(v: Value | undefined, what = 'operand'): RegoSet {
  if (!(v instanceof RegoSet)) throw new BuiltinError(`${what} must be set`);
  return v;
}

/** The elements of an array or set. */
export function elems(v: Value | undefined, what = 'operand'): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  throw new BuiltinError(`${what} must be array or set`);
}

/** Strings of an array or set of strings (or a single string where OPA accepts one). */
export function strings(v: Value | undefined, what = 'operand'): string[] {
  if (typeof v === 'string') return [v];
  return elems(v, what).map((x) => str(x, what));
}

