/**
 * What evaluating Rego records: the input paths a policy consumes (compares, tests, passes to a
 * builtin), what it could not follow, and which constraint parameters it reads. A helper rule's
 * effects are recorded once and replayed wherever the helper is used.
 */
import { controlsForContainerField, controlsForPodField } from '../../../catalog/controls';
import type { SourceRef, Unanalyzable } from '../../../facts';
import { classifyPodPath } from '../../pod-paths';
import type { Roots } from './roots';
import type { Opaque, Value } from './values';

export interface Read {
  segs: readonly string[];
  at: SourceRef;
  listAt?: SourceRef;
  /** Read only through a helper body that skips the kubectl debug request (InputPath.skipped). */
  skipped?: boolean;
  /**
   * Consumed only as the key of a lookup in the admitted object (`annotations[concat("", [prefix, c.name])]`):
   * it selects what is read and is not tested itself, so it is no condition on the value.
   */
  asKey?: boolean;
}

export interface Effects {
  reads: Read[];
  problems: Unanalyzable[];
  /** Top-level names under `input.parameters` that are read. */
  parameters: Set<string>;
}

export const newEffects = (): Effects => ({ reads: [], problems: [], parameters: new Set() });

export function replay(into: Effects | undefined, from: Effects): void {
  if (!into) return;
  into.reads.push(...from.reads);
  into.problems.push(...from.problems);
  for (const p of from.parameters) into.parameters.add(p);
}

/** Whether a path read below an opaque value can be a pod or container field a control is about. */
function opaqueMatters(rel: readonly string[]): boolean {
  for (let i = 0; i < rel.length; i++) {
    const tail = rel.slice(i);
    if (controlsForContainerField(tail.join('.')).length > 0) return true;
    const pod = classifyPodPath([...tail]).filter((r) => r.location === 'pod');
    if (pod.some((r) => controlsForPodField(r.field).length > 0)) return true;
  }
  return false;
}

function opaqueProblem(o: Opaque): Unanalyzable {
  return { reason: `${o.what} feeds a checked expression (${o.rel.join('.') || 'its whole value'}); its data cannot be followed`, at: o.at };
}

/**
 * A value is consumed: compared, tested, negated. Collections are consumed with their content.
 * A value that involves the constraint's `exemptImages` is the exemption test, not a check of
 * the image: the exemption itself is reported from the constraint.
 */
export function consume(sink: Effects | undefined, roots: Roots, vals: readonly Value[], at: SourceRef, how?: { asKey: true }): void {
  if (!sink || vals.some((v) => involvesExemption(v, roots, 0))) return;
  const start = sink.reads.length;
  for (const v of vals) consumeOne(sink, v, at, 0);
  if (how?.asKey) for (let i = start; i < sink.reads.length; i++) sink.reads[i] = { ...sink.reads[i]!, asKey: true };
}

const MAX_DEPTH = 8;

function involvesExemption(v: Value, roots: Roots, depth: number): boolean {
  if (v.paths.some((p) => roots.parameter(p.segs)?.[0] === 'exemptImages')) return true;
  return depth < MAX_DEPTH && inner(v).some((i) => involvesExemption(i, roots, depth + 1));
}

function inner(v: Value): Value[] {
  return [v.elems, v.keys, ...(v.items ?? []), ...(v.fields?.values() ?? [])].filter((x): x is Value => x !== undefined);
}

function consumeOne(sink: Effects, v: Value, at: SourceRef, depth: number): void {
  for (const p of v.paths) sink.reads.push({ segs: p.segs, at, ...(p.listAt ? { listAt: p.listAt } : {}), ...(p.skipped ? { skipped: true } : {}) });
  for (const o of v.opaque) if (opaqueMatters(o.rel)) sink.problems.push(opaqueProblem(o));
  if (depth < MAX_DEPTH) for (const i of inner(v)) consumeOne(sink, i, at, depth + 1);
}
