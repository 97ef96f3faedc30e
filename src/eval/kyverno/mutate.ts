/**
 * Kyverno mutate rules (ClusterPolicy / Policy) on one resource, as kyverno/pkg/engine/mutate and
 * handlers/mutation do: `patchStrategicMerge`, `patchesJson6902` and `foreach` (nested, per-element
 * context and preconditions). The rule passes when it changed the resource, skips when it did not.
 */
import type { KubeObject } from '../../admission';
import { query } from './jmespath';
import { applyJson6902, parseOperations } from './mutate-json6902';
import { applyStrategicMerge } from './mutate-merge';
import { substituteAll } from './substitute';
import { asList, deepEqual, isMap } from './values';

type Json = Record<string, unknown>;

export interface MutateOutcome {
  status: 'pass' | 'skip' | 'error' | 'undecided';
  message: string;
  /** The resource after the rule (the input when it skipped). */
  patched: KubeObject;
}

/** What the engine lends the mutate handler: its context loader and condition evaluator. */
export interface MutateHelpers {
  /** Loads context entries into the data, or says why it cannot. */
  loadContext(entries: unknown[], data: Json): { data: Json } | { status: 'error' | 'undecided'; message: string };
  conditionsHold(block: unknown, data: Json): boolean;
}

const errMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Applies one (already substituted) patchStrategicMerge or patchesJson6902 to the resource. */
function patchWith(resource: KubeObject, strategic: unknown, json6902: unknown): KubeObject {
  if (strategic !== undefined && strategic !== null) return applyStrategicMerge(resource, strategic) as KubeObject;
  if (typeof json6902 === 'string' && json6902.trim() !== '') return applyJson6902(resource, parseOperations(json6902)) as KubeObject;
  throw new Error('empty mutate rule');
}

function outcome(before: KubeObject, after: KubeObject): MutateOutcome {
  return deepEqual(before, after) ? { status: 'skip', message: 'no patches applied', patched: before } : { status: 'pass', message: mutatedMessage(after), patched: after };
}

function mutatedMessage(r: KubeObject): string {
  const meta = isMap(r.metadata) ? r.metadata : {};
  const ns = typeof meta.namespace === 'string' && meta.namespace ? ` in namespace ${meta.namespace}` : '';
  return `mutated ${String(r.kind)}/${String(meta.name ?? '')}${ns}`;
}

const withObject = (data: Json, object: KubeObject): Json => ({ ...data, request: { ...(isMap(data.request) ? data.request : {}), object } });

class ForEachMutator {
  constructor(private readonly helpers: MutateHelpers) {}

  /** Every foreach block in order; each sees the resource the previous ones produced. */
  run(blocks: unknown[], resource: KubeObject, data: Json, nesting: number): MutateOutcome {
    let current = resource;
    let applied = 0;
    for (const fe of blocks.filter(isMap)) {
      let elements: unknown[];
      try {
        const got = query(String(fe.list ?? '').replace(/^\s*\{\{\s*/, '').replace(/\s*\}\}\s*$/, ''), withObject(data, current));
        elements = Array.isArray(got) ? got : [got];
      } catch (e) {
        return { status: 'error', message: `failed to evaluate list ${String(fe.list)}: ${errMessage(e)}`, patched: resource };
      }
      const r = this.elements(fe, elements, current, withObject(data, current), nesting);
      if (r.status === 'error' || r.status === 'undecided') return r;
      if (r.status !== 'skip') {
        applied++;
        current = r.patched;
      }
    }
    return applied === 0
      ? { status: 'skip', message: `${applied} elements processed`, patched: current }
      : { status: 'pass', message: mutatedMessage(current), patched: current };
  }

  private elements(fe: Json, elements: unknown[], resource: KubeObject, data: Json, nesting: number): MutateOutcome {
    // Kyverno walks elements backwards for patchStrategicMerge (and when `order: Descending`).
    const reverse = fe.order !== undefined ? fe.order === 'Descending' : fe.patchStrategicMerge !== undefined;
    const indexed = elements.map((element, index) => ({ element, index }));
    if (reverse) indexed.reverse();
    let patched = resource;
    for (const { element, index } of indexed) {
      if (element === null || element === undefined) continue;
      const loaded = this.helpers.loadContext(asList(fe.context), { ...data, element, [`element${nesting}`]: element, elementIndex: index, [`elementIndex${nesting}`]: index });
      if (!('data' in loaded)) return { ...loaded, patched: resource };
      const scoped = loaded.data;
      try {
        if (fe.preconditions !== undefined && fe.preconditions !== null && !this.helpers.conditionsHold(fe.preconditions, scoped)) continue;
      } catch (e) {
        return { status: 'error', message: `failed to evaluate mutate.foreach[${index}].preconditions: ${errMessage(e)}`, patched: resource };
      }
      let r: MutateOutcome;
      if (Array.isArray(fe.foreach)) r = this.run(fe.foreach, patched, scoped, nesting + 1);
      else {
        try {
          const subst = substituteAll({ s: fe.patchStrategicMerge, j: fe.patchesJson6902 }, scoped) as Json;
          r = outcome(patched, patchWith(patched, subst.s, subst.j));
        } catch (e) {
          return { status: 'error', message: `failed to mutate elements: ${errMessage(e)}`, patched: resource };
        }
      }
      if (r.status === 'error' || r.status === 'undecided') return r;
      if (r.status === 'pass') patched = r.patched;
    }
    return outcome(resource, patched);
  }
}

/** One mutate rule after match, context and preconditions, on the resource as earlier rules left it. */
export function mutateRule(rule: Json, resource: KubeObject, data: Json, helpers: MutateHelpers): MutateOutcome {
  const m = isMap(rule.mutate) ? rule.mutate : {};
  if (Array.isArray(m.foreach)) return new ForEachMutator(helpers).run(m.foreach, resource, data, 0);
  let subst: Json;
  try {
    subst = substituteAll({ s: m.patchStrategicMerge, j: m.patchesJson6902 }, data) as Json;
  } catch (e) {
    return { status: 'error', message: `variable substitution failed: ${errMessage(e)}`, patched: resource };
  }
  try {
    return outcome(resource, patchWith(resource, subst.s, subst.j));
  } catch (e) {
    return { status: 'error', message: `failed to patch resource: ${errMessage(e)}`, patched: resource };
  }
}
