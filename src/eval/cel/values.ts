/**
 * JSON ⇄ CEL values. Kubernetes decodes whole JSON numbers as CEL `int` and the rest as `double`;
 * cel-js represents `int` as bigint, so data crosses this boundary on the way in and out.
 */
import { Optional } from '@marcbachmann/cel-js';

export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object' && (v.constructor === Object || v.constructor === undefined)) {
    // fromEntries defines own properties: a `__proto__` key stays data, never a prototype.
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, toCel(x)]));
  }
  return v;
}

export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Optional) return v.hasValue() ? fromCel(v.value()) : undefined;
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCel(x)]));
  if (v && typeof v === 'object' && (v.constructor === Object || v.constructor === undefined)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)]));
  }
  if (v && typeof v === 'object' && 'valueOf' in v && typeof (v as { valueOf(): unknown }).valueOf() === 'bigint') return Number((v as { valueOf(): bigint }).valueOf());
  return v;
}
