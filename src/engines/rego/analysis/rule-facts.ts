/**
 * From what entry-rule bodies consume to checks: each consumed path inside the admitted object is
 * classified by pod-paths (which list, which control), pointing at the expression that reads it;
 * the list reference it came through is where a gap finding points.
 */
import type { Check, Location, SourceRef, Unanalyzable } from '../../../facts';
import { checksFor, classifyPodPath } from '../../pod-paths';
import type { Effects } from './effects';
import type { Roots } from './roots';

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
  for (const read of effects.flatMap((e) => e.reads)) {
    const obj = roots.object(read.segs);
    if (!obj) continue;
    const fieldReads = classifyPodPath([...obj]);
    const found = checksFor(fieldReads, read.at);
    if (found.length === 0) continue;
    for (const c of found) checks.set(`${c.control}|${c.location}|${c.field}|${refKey(c.at)}`, c);
    for (const r of fieldReads) listRefs[r.location] ??= r.location === 'pod' ? read.at : (read.listAt ?? read.at);
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
