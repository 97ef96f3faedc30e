/**
 * Repairing the base pod: when the set denies the `restricted` pod, the likeliest cause is an image
 * allow-list. The set's own documents name the registries it trusts; the first one under which the
 * base pod is admitted is used.
 */
import { podCreate } from '../admission';
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
    const verdicts = evaluateSet(set, podCreate(basePod(namespace, image))).map((d) => d.verdict);
    if (!verdicts.some((v) => v === 'deny' || v === 'audit' || v === 'warn')) return image;
    if (!admitted && !verdicts.includes('deny')) admitted = image;
  }
  return admitted;
}
