/**
 * Server-side-apply merge of an ApplyConfiguration into an object, as MutatingAdmissionPolicy
 * applies `patchType: ApplyConfiguration`: maps merge field by field, scalars are replaced, lists
 * marked `x-kubernetes-list-type: map` merge item by item on their keys (new items appended), `set`
 * lists take the union, every other list is atomic (replaced whole). polcov knows the list types of
 * the Kubernetes built-in fields below (from their OpenAPI markers); any other list is atomic, as
 * for a schema that says nothing.
 */
import { isMap } from '../kyverno/values';
import { clone } from './json-patch';

type Json = Record<string, unknown>;

/** List fields of the built-in kinds that merge by key (`+listType=map`, `+listMapKey`). */
const MAP_LISTS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  resourceClaims: ['name'],
  schedulingGates: ['name'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  ownerReferences: ['uid'],
  conditions: ['type'],
};
/** List fields that are sets (`+listType=set`). */
const SET_LISTS = new Set(['finalizers']);

/** The key fields of a list field, when it merges by key. Container ports and Service ports differ in key. */
function listKeys(field: string, items: unknown[]): string[] | undefined {
  if (field === 'ports') return items.some((i) => isMap(i) && 'containerPort' in i) ? ['containerPort', 'protocol'] : ['port', 'protocol'];
  return MAP_LISTS[field];
}

const keyOf = (item: unknown, keys: string[]): string => JSON.stringify(keys.map((k) => (isMap(item) ? (item[k] ?? null) : null)));

function mergeList(field: string, live: unknown, patch: unknown[]): unknown[] {
  if (!Array.isArray(live)) return clone(patch);
  if (SET_LISTS.has(field)) {
    const seen = new Set(live.map((v) => JSON.stringify(v)));
    return [...live, ...patch.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  const keys = listKeys(field, [...live, ...patch]);
  if (!keys) return clone(patch);
  const out = [...live];
  for (const item of patch) {
    const at = out.findIndex((l) => keyOf(l, keys) === keyOf(item, keys));
    if (at < 0) out.push(clone(item));
    else out[at] = mergeValue('', out[at], item);
  }
  return out;
}

function mergeValue(field: string, live: unknown, patch: unknown): unknown {
  if (isMap(patch)) return isMap(live) ? mergeApplyConfiguration(live, patch) : clone(patch);
  if (Array.isArray(patch)) return mergeList(field, live, patch);
  return patch;
}

/** `live` with `patch` applied; neither input is changed. */
export function mergeApplyConfiguration(live: Json, patch: Json): Json {
  const out: Json = { ...live };
  for (const [k, v] of Object.entries(patch)) out[k] = mergeValue(k, live[k], v);
  return out;
}
