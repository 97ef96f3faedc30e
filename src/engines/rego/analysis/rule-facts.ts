/**
 * From what entry-rule bodies consume to checks: each consumed path inside the admitted object is
 * classified by pod-paths (which list, which control), pointing at the expression that reads it;
 * the list reference it came through is where a gap finding points.
 */
import type { Check, Location, SourceRef, Unanalyzable } from '../../../facts';
import { checksFor, classifyPodPath, type FieldRead } from '../../pod-paths';
import type { Effects } from './effects';
import type { Roots } from './roots';

interface Classified {
  reads: FieldRead[];
  /** The checks a read of the path amounts to, `at` still to be filled in. */
  checks: Check[];
}

const NOWHERE: SourceRef = { file: '', line: 0, column: 0 };
const MAX_CLASSIFIED = 50_000;
/** Paths inside the object by their segments: templates read the same few paths over and over. */
const classified = new Map<string, Classified>();

/** pod-paths' answer for a path inside the admitted object (list, field, controls), computed once per path. */
export function classifyObjectPath(obj: readonly string[]): Classified {
  const key = obj.join('\u0000');
  let c = classified.get(key);
  if (!c) {
    if (classified.size >= MAX_CLASSIFIED) classified.clear();
    const reads = classifyPodPath([...obj]);
    c = { reads, checks: checksFor(reads, NOWHERE) };
    classified.set(key, c);
  }
  return c;
}

/** Whether any read of the effects is a check (what readFacts would find at least one of). */
export function readsAnyCheck(effects: Effects, roots: Roots): boolean {
  return effects.reads.some((read) => {
    const obj = roots.object(read.segs);
    return obj !== undefined && classifyObjectPath(obj).checks.length > 0;
  });
}

export interface ReadFacts {
  checks: Check[];
  listRefs: Partial<Record<Location, SourceRef>>;
  unanalyzable: Unanalyzable[];
  /** Set when every check reads a controller's pod template, never a bare Pod: where the first one does. */
  templateOnlyAt?: SourceRef;
}

const refKey = (r: SourceRef): string => `${r.file}:${r.line}:${r.column}`;

export function readFacts(effects: Effects[], roots: Roots): ReadFacts {
  const checks = new Map<string, Check>();
  const listRefs: Partial<Record<Location, SourceRef>> = {};
  let templateAt: SourceRef | undefined;
  let podRead = false;
  /** Locations whose list reference so far is a pod template's. */
  const viaTemplate = new Set<Location>();
  for (const read of effects.flatMap((e) => e.reads)) {
    const obj = roots.object(read.segs);
    if (!obj) continue;
    const { reads: fieldReads, checks: found } = classifyObjectPath(obj);
    if (found.length === 0) continue;
    const at = refKey(read.at);
    // One fact per source: a helper defined for the bare Pod and for pod templates (`pod` by several
    // bodies or an `else` chain) reads the same field at the same expression through both.
    for (const c of found) checks.set(`${c.control}|${c.location}|${c.field}|${c.viaTemplate ? 'template' : 'pod'}|${at}`, { ...c, at: read.at });
    // A gap is best pointed at where the bare Pod's list is read: prefer that to a pod template's.
    for (const r of fieldReads) {
      if (listRefs[r.location] && !(viaTemplate.has(r.location) && !r.viaTemplate)) continue;
      listRefs[r.location] = r.location === 'pod' ? read.at : (read.listAt ?? read.at);
      if (r.viaTemplate) viaTemplate.add(r.location);
      else viaTemplate.delete(r.location);
    }
    if (fieldReads.every((r) => r.viaTemplate)) templateAt ??= read.listAt ?? read.at;
    else podRead = true;
  }
  const problems = new Map<string, Unanalyzable>();
  for (const p of effects.flatMap((e) => e.problems)) problems.set(`${p.reason}@${refKey(p.at)}`, p);
  return {
    checks: [...checks.values()],
    listRefs,
    unanalyzable: [...problems.values()],
    ...(templateAt && !podRead ? { templateOnlyAt: templateAt } : {}),
  };
}
