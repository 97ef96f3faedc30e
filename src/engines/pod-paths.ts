/**
 * Classifies a field path inside an admitted object into a Pod location and a control.
 * Every engine turns what it reads into plain path segments (no list indices) and calls this,
 * so "which list, which control" is decided in one place.
 */
import { controlsForContainerField, controlsForPodField } from '../catalog/controls';
import type { Check, ContainerList, Location, SourceRef } from '../facts';
import { CONTAINER_LISTS } from '../facts';

/** Any list name: a wildcard key over `spec` (JMESPath `spec.*`, Rego `spec[_]`). */
export const ANY_KEY = '*';

/** Prefixes under which a pod template lives in controllers (Deployment, Job, CronJob…). */
const TEMPLATE_PREFIXES: readonly string[][] = [
  ['spec', 'jobTemplate', 'spec', 'template'],
  ['spec', 'template'],
];

export interface FieldRead {
  location: Location;
  /** Container-relative for lists, Pod-relative for `pod`. */
  field: string;
  /** Read through a controller's pod template rather than a bare Pod. */
  viaTemplate: boolean;
}

function startsWith(segs: string[], prefix: readonly string[]): boolean {
  return prefix.every((p, i) => segs[i] === p);
}

function isContainerList(s: string | undefined): s is ContainerList {
  return (CONTAINER_LISTS as readonly string[]).includes(s ?? '');
}

/** Splits a path (from the object root) into where it reads and what. Unrelated paths give []. */
export function classifyPodPath(segments: string[]): FieldRead[] {
  let segs = segments;
  let viaTemplate = false;
  for (const prefix of TEMPLATE_PREFIXES) {
    if (startsWith(segs, prefix)) {
      segs = segs.slice(prefix.length);
      viaTemplate = true;
      break;
    }
  }
  if (segs[0] === 'spec') {
    const list = segs[1];
    if (isContainerList(list)) return [{ location: list, field: segs.slice(2).join('.'), viaTemplate }];
    if (list === ANY_KEY && segs.length > 2) {
      return CONTAINER_LISTS.map((l) => ({ location: l, field: segs.slice(2).join('.'), viaTemplate }));
    }
  }
  if (segs[0] === 'spec' || segs[0] === 'metadata') {
    return [{ location: 'pod', field: segs.join('.'), viaTemplate }];
  }
  return [];
}

/** The checks a set of reads amounts to, all pointing at `at`. */
export function checksFor(reads: FieldRead[], at: SourceRef, extra: Partial<Check> = {}): Check[] {
  const out: Check[] = [];
  for (const r of reads) {
    const controls = r.location === 'pod' ? controlsForPodField(r.field) : controlsForContainerField(r.field);
    const template = r.viaTemplate ? { viaTemplate: true } : {};
    for (const control of controls) out.push({ control, location: r.location, field: r.field, at, ...template, ...extra });
  }
  return out;
}

/** Where a list is referenced; `pod` is recorded for reads of the pod spec itself. */
export function listRefsFor(reads: FieldRead[], at: SourceRef, into: Partial<Record<Location, SourceRef>>): void {
  for (const r of reads) into[r.location] ??= at;
}
