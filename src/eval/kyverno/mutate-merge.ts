/**
 * Kyverno `mutate.patchStrategicMerge`: the patch's anchors are resolved against the resource first
 * (kyverno/pkg/engine/mutate/patch/strategicPreprocessing.go), then the plain patch is merged as a
 * strategic merge patch (maps merge, `null` deletes, lists of keyed maps merge by their key).
 */
import { matchPattern, parseAnchor } from './pattern';
import { isMap } from './values';

type Json = Record<string, unknown>;

/** A conditional `(k)` (skip the element or the whole patch) or global `<(k)` anchor did not hold. */
class ConditionFailed extends Error {
  constructor(readonly global: boolean, message: string) {
    super(message);
  }
}

/** Anchors that make a patch element conditional (Kyverno's ContainsCondition: condition and global only). */
const isConditionLike = (key: string): boolean => ['', '<'].includes(parseAnchor(key)?.type ?? '+');
const isAnyAnchor = (key: string): boolean => isConditionLike(key) || parseAnchor(key)?.type === '+';

function hasAnchors(node: unknown, test: (key: string) => boolean): boolean {
  if (Array.isArray(node)) return node.some((e) => hasAnchors(e, test));
  if (isMap(node)) return Object.entries(node).some(([k, v]) => test(k) || hasAnchors(v, test));
  return false;
}

/** `+(k)`: dropped when the resource has `k`, else a plain key. */
function addIfNotPresent(pattern: Json, resource: unknown): void {
  for (const key of Object.keys(pattern)) {
    const a = parseAnchor(key);
    if (a?.type !== '+') continue;
    const value = pattern[key];
    delete pattern[key];
    if (!(isMap(resource) && a.key in resource)) pattern[a.key] = value;
  }
}

function checkConditions(pattern: Json, resource: unknown, type: '' | '<'): void {
  for (const [key, value] of Object.entries(pattern)) {
    const a = parseAnchor(key);
    if (a?.type !== type) continue;
    const global = type === '<';
    if (!isMap(resource) || !(a.key in resource)) throw new ConditionFailed(global, `could not find "${a.key}" key in the resource`);
    if (matchPattern(resource[a.key], value).status !== 'pass') throw new ConditionFailed(global, `condition ${key} failed`);
  }
}

/** Resolves anchors in place against the resource; throws ConditionFailed where a map-level condition fails. */
function preprocess(pattern: unknown, resource: unknown): void {
  if (isMap(pattern)) {
    addIfNotPresent(pattern, resource);
    checkConditions(pattern, resource, '<');
    checkConditions(pattern, resource, '');
    for (const key of Object.keys(pattern)) {
      if (!isAnyAnchor(key)) preprocess(pattern[key], isMap(resource) ? resource[key] : undefined);
    }
  } else if (Array.isArray(pattern) && isMap(pattern[0])) preprocessList(pattern, resource);
}

/**
 * A list element with anchors applies to every resource element that satisfies them: it is replaced
 * by one plain element per such resource element, named after it (elements without a name get none).
 */
function preprocessList(pattern: unknown[], resource: unknown): void {
  const elements = Array.isArray(resource) ? resource : [];
  for (const element of [...pattern]) {
    if (!hasAnchors(element, isAnyAnchor)) continue;
    const global = hasAnchors(element, (k) => parseAnchor(k)?.type === '<');
    const copy = structuredClone(element);
    let globalPassed = false;
    let globalError: ConditionFailed | undefined;
    for (const res of elements) {
      try {
        preprocess(copy, res);
      } catch (e) {
        if (!(e instanceof ConditionFailed)) throw e;
        if (e.global) globalError = e;
        continue;
      }
      if (global) globalPassed = true;
      else if (isMap(res) && typeof res.name === 'string' && res.name !== '') {
        const named = structuredClone(copy);
        if (!stripAnchors(named, true)) pattern.push({ ...(named as Json), name: res.name });
      }
    }
    // A list the resource lacks altogether: the element's conditions are checked against nothing.
    if (resource === undefined || resource === null) {
      try {
        preprocess(copy, undefined);
        if (global) globalPassed = true;
      } catch (e) {
        if (!(e instanceof ConditionFailed)) throw e;
        if (e.global) globalError = e;
      }
    }
    if (!globalPassed && globalError) throw globalError;
  }
}

/**
 * Removes the condition anchors left in the patch; true when the node held only anchors (or is a
 * scalar under an anchor) and must go, so the patch sets nothing it did not mean to.
 */
function stripAnchors(node: unknown, deleteScalar: boolean): boolean {
  if (Array.isArray(node)) {
    const wasEmpty = node.length === 0;
    for (let i = node.length - 1; i >= 0; i--) {
      if (hasAnchors(node[i], isAnyAnchor) || stripAnchors(node[i], false)) node.splice(i, 1);
    }
    return node.length === 0 && !wasEmpty;
  }
  if (!isMap(node)) return deleteScalar;
  for (const key of Object.keys(node)) {
    if (!isConditionLike(key)) continue;
    const value = node[key];
    delete node[key];
    if (!stripAnchors(value, true)) node[parseAnchor(key)!.key] = value;
  }
  let empty = true;
  for (const key of Object.keys(node)) {
    if (stripAnchors(node[key], false)) delete node[key];
    else empty = false;
  }
  return empty;
}

/** The patch with its anchors resolved against the resource: `{}` when a condition of the patch fails. */
export function resolveAnchors(patch: unknown, resource: unknown): unknown {
  const copy = structuredClone(patch);
  try {
    preprocess(copy, resource);
  } catch (e) {
    if (e instanceof ConditionFailed) return {};
    throw e;
  }
  if (isMap(copy)) for (const key of Object.keys(copy)) if (stripAnchors(copy[key], isConditionLike(key))) delete copy[key];
  return copy;
}

/** Keys by which lists of maps merge when every element has one (kustomize kyaml's associative keys). */
const MERGE_KEYS = ['mountPath', 'devicePath', 'ip', 'type', 'topologyKey', 'name', 'containerPort'];

function mergeKey(list: unknown[]): string | undefined {
  if (list.length === 0 || !list.every(isMap)) return undefined;
  return MERGE_KEYS.find((k) => (list as Json[]).every((e) => e[k] !== undefined));
}

/** Strategic merge of a plain (anchor-free) patch into a value; returns the merged copy. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isMap(patch)) {
    if (!isMap(base)) return strategicMerge({}, patch);
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v) : strategicMerge(undefined, v);
    }
    return out;
  }
  if (Array.isArray(patch)) {
    const key = Array.isArray(base) ? mergeKey([...base, ...patch]) : undefined;
    if (!key || !Array.isArray(base)) return patch.map((e) => strategicMerge(undefined, e));
    // Elements new to the list come first, as kustomize's merge places them.
    const out = [...base];
    const added: unknown[] = [];
    for (const p of patch as Json[]) {
      const i = out.findIndex((b) => (b as Json)[key] === p[key]);
      if (i >= 0) out[i] = strategicMerge(out[i], p);
      else added.push(strategicMerge(undefined, p));
    }
    return [...added, ...out];
  }
  return patch;
}

/** `patchStrategicMerge` applied to the resource: anchors resolved, then merged. */
export function applyStrategicMerge(resource: unknown, patch: unknown): unknown {
  return strategicMerge(resource, resolveAnchors(patch, resource));
}
