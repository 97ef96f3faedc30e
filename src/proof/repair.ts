/**
 * Repairing the base pod: when the set denies the `restricted` pod, the likeliest cause is an image
 * allow-list. The set's own documents name the registries it trusts; the first one under which the
 * base pod is admitted is used. When a policy of the set selects pods by label, the labels that opt a
 * pod out of it are tried too: whoever creates a pod picks its labels.
 */
import { asObject, asObjects, podCreate, stringList, type KubeObject } from '../admission';
import { evaluateSet, type PolicySet, type SetDocument } from './policy-set';
import { basePod, DEFAULT_IMAGE } from './witness';

const MAX_CANDIDATES = 5;
/** A registry host with a dot or a port, then a path, as policies write allowed prefixes. */
const REGISTRY = /((?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\/[a-z0-9._/-]*)/g;

/** Images under the registries the set's documents name. */
export function candidateImages(docs: readonly SetDocument[]): string[] {
  const prefixes = new Set<string>();
  for (const d of docs) for (const m of JSON.stringify(d.object).matchAll(REGISTRY)) prefixes.add(m[1]!.endsWith('/') ? m[1]! : `${m[1]}/`);
  return [...prefixes].slice(0, MAX_CANDIDATES).map((p) => `${p}pause:3.9`);
}

/**
 * The image a base pod in `namespace` is admitted with: the first (default first) that no policy
 * flags, else the first that none denies; `undefined` when every one is denied.
 */
export function admittedImage(set: PolicySet, namespace: string, candidates: readonly string[]): string | undefined {
  let admitted: string | undefined;
  for (const image of [DEFAULT_IMAGE, ...candidates]) {
    const verdicts = evaluateSet(set, podCreate(basePod({ namespace, image }))).map((d) => d.verdict);
    if (!verdicts.some((v) => v === 'deny' || v === 'audit' || v === 'warn')) return image;
    if (!admitted && !verdicts.includes('deny')) admitted = image;
  }
  return admitted;
}

const MAX_LABEL_SETS = 5;
const SELECTOR_KEYS = new Set(['objectSelector', 'labelSelector', 'selector']);

/** The selectors (`matchLabels` / `matchExpressions`) anywhere in `value`. */
function selectorsIn(value: unknown, out: KubeObject[] = []): KubeObject[] {
  if (Array.isArray(value)) for (const v of value) selectorsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SELECTOR_KEYS.has(k) && v && typeof v === 'object' && ('matchLabels' in v || 'matchExpressions' in v)) out.push(v as KubeObject);
      else selectorsIn(v, out);
    }
  }
  return out;
}

/**
 * Labels a pod could carry to step in or out of the label selectors of the set's documents: each
 * `matchLabels` pair, a named value of `In`/`NotIn`, any value of a key that must or must not exist.
 */
export function candidateLabels(docs: readonly SetDocument[]): Record<string, string>[] {
  const out = new Map<string, Record<string, string>>();
  for (const selector of docs.flatMap((d) => selectorsIn(d.object))) {
    for (const [k, v] of Object.entries(asObject(selector.matchLabels))) out.set(`${k}=${String(v)}`, { [k]: String(v) });
    for (const e of asObjects(selector.matchExpressions)) {
      const key = String(e.key ?? '');
      const value = stringList(e.values)[0] ?? 'true';
      if (key) out.set(`${key}=${value}`, { [key]: value });
    }
  }
  return [...out.values()].slice(0, MAX_LABEL_SETS);
}
