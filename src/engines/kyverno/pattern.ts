/**
 * Kyverno validation patterns: walk the pattern tree, strip anchors, and record which fields it
 * constrains at which Pod location. Conditional anchors `(k)` and `<(k)` select what is checked
 * rather than check it, and `+(k)` only mutates, so none of them counts as a check.
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { Check, Exemption, Location, SourceRef } from '../../facts';
import { checksFor, classifyPodPath } from '../pod-paths';

type Anchor = '' | 'condition' | 'equality' | 'negation' | 'existence' | 'global' | 'add';

const ANCHORS: Record<string, Anchor> = { '': 'condition', '=': 'equality', X: 'negation', '^': 'existence', '<': 'global', '+': 'add' };
const MAX_DEPTH = 100;

function parseKey(raw: string): { name: string; anchor: Anchor } {
  const m = /^([=X^<+]?)\((.+)\)$/.exec(raw);
  return m ? { name: m[2]!, anchor: ANCHORS[m[1]!]! } : { name: raw, anchor: '' };
}

export interface PatternFacts {
  checks: Check[];
  listRefs: Partial<Record<Location, SourceRef>>;
  /** Conditional anchors on an ephemeral container's name or image: matching debug containers skip the check. */
  exemptions: Exemption[];
  /** `X(ephemeralContainers)`: a Pod with any ephemeral container fails the pattern. */
  forbidsEphemeral?: SourceRef;
}

const isPresenceOnly = (v: unknown): boolean => v === '*' || v === '?*';
const isNullish = (v: unknown): boolean => v === null || v === 'null' || v === '';

/**
 * Facts of a pattern whose root is at each of `bases` (paths from the object root; `[[]]` for a
 * rule pattern, the foreach list paths for a foreach pattern).
 */
export function patternFacts(y: YamlDoc, pattern: Node | undefined, bases: string[][]): PatternFacts {
  const out: PatternFacts = { checks: [], listRefs: {}, exemptions: [] };
  walk(y, pattern, bases, false, 0, out);
  return out;
}

function walk(y: YamlDoc, node: Node | undefined, bases: string[][], presence: boolean, depth: number, out: PatternFacts): void {
  if (depth > MAX_DEPTH) throw new RangeError('pattern nested too deeply');
  for (const { key, keyNode, value } of y.pairs(node)) {
    const { name, anchor } = parseKey(key);
    const paths = bases.map((b) => [...b, name]);
    const at = y.ref(keyNode);
    if (anchor === 'condition' || anchor === 'global' || anchor === 'add') {
      if (anchor !== 'add') recordSelector(y, name, value, paths, at, out);
      continue;
    }
    const lists = paths.flatMap((p) => classifyPodPath(p)).filter((r) => r.location !== 'pod' && r.field === '');
    if (anchor === 'negation' && lists.some((r) => r.location === 'ephemeralContainers')) {
      out.forbidsEphemeral ??= at;
      continue;
    }
    // `^(list)` passes when some element matches: it does not constrain every container.
    if (anchor === 'existence' && lists.length > 0) continue;
    let required = presence;
    for (const p of paths) {
      for (const r of classifyPodPath(p)) {
        if (r.location === 'pod') continue;
        if (r.field === '') out.listRefs[r.location] ??= at;
        // The first key under a container element decides whether the element must carry the field.
        else if (!r.field.includes('.')) required = anchor === '' || anchor === 'existence';
      }
      if (p.length === 1 && p[0] === 'spec') out.listRefs.pod ??= at;
    }
    const items = y.isSeq(value) ? y.items(value) : [value];
    const maps = items.filter((i) => y.isMap(i));
    for (const m of maps) walk(y, m, paths, required, depth + 1, out);
    if (maps.length === items.length && items.length > 0) continue;
    // A scalar (or list of scalars) constrains the field itself.
    const leaf = y.isSeq(value) ? undefined : y.scalar(value);
    const extra: Partial<Check> = {};
    if (required && !isNullish(leaf) && anchor !== 'negation') extra.requiresPresence = true;
    if (isPresenceOnly(leaf)) extra.presenceOnly = true;
    for (const p of paths) out.checks.push(...checksFor(classifyPodPath(p), at, extra));
  }
}

/**
 * A condition on an ephemeral container's `name` or `image` decides which debug containers are
 * checked at all; `kubectl debug --container NAME --image IMAGE` lets the user pick both.
 */
function recordSelector(y: YamlDoc, name: string, value: Node | undefined, paths: string[][], at: SourceRef, out: PatternFacts): void {
  if (name !== 'name' && name !== 'image') return;
  const inEphemeral = paths.some((p) => classifyPodPath(p).some((r) => r.location === 'ephemeralContainers' && r.field === name));
  const pattern = String(y.scalar(value) ?? '');
  // A condition every name or image meets selects every container: nothing is exempt.
  if (!inEphemeral || pattern === '*' || pattern === '?*') return;
  const kind = name === 'image' ? 'image' : 'containerName';
  out.exemptions.push({ kind, value: `(${name}): ${pattern}`, at, admitsArbitraryDebug: true });
}
