/**
 * Where the admitted object, the admission request and the constraint parameters live in `input`.
 * Gatekeeper passes the AdmissionRequest as `input.review` and the constraint's parameters as
 * `input.parameters`. Raw Rego may be written for that shape, for an AdmissionReview
 * (`input.request`, kube-mgmt style), or for the bare manifest (conftest: `input` is the object).
 */
import { classifyPodPath, ANY_KEY } from '../../pod-paths';

export interface Roots {
  /** The path inside the admitted object, or undefined when the input path is outside it. */
  object(segs: readonly string[]): readonly string[] | undefined;
  /** The admission request itself (where `operation` lives). */
  isRequest(segs: readonly string[]): boolean;
  /** The path inside the constraint parameters, or undefined. */
  parameter(segs: readonly string[]): readonly string[] | undefined;
}

const under = (segs: readonly string[], a: string, b: string): boolean => segs[0] === a && segs[1] === b;

export const GATEKEEPER_ROOTS: Roots = {
  object: (segs) => (under(segs, 'review', 'object') ? segs.slice(2) : undefined),
  isRequest: (segs) => segs.length === 1 && segs[0] === 'review',
  parameter: (segs) => (segs[0] === 'parameters' ? segs.slice(1) : undefined),
};

const REQUEST_KEYS = new Set(['review', 'request', 'parameters']);

export const RAW_ROOTS: Roots = {
  object: (segs) => {
    if (under(segs, 'review', 'object') || under(segs, 'request', 'object')) return segs.slice(2);
    return REQUEST_KEYS.has(segs[0] ?? '') ? undefined : segs;
  },
  isRequest: (segs) => segs.length === 1 && (segs[0] === 'review' || segs[0] === 'request'),
  parameter: (segs) => (segs[0] === 'parameters' ? segs.slice(1) : undefined),
};

/**
 * A pod spec (`spec`, or the spec of a controller's pod template): there a key that is not a
 * constant may be any container list. Asked of pod-paths so that one module decides.
 */
export function isPodSpec(objectSegs: readonly string[]): boolean {
  return classifyPodPath([...objectSegs, ANY_KEY, 'image']).some((r) => r.location !== 'pod' && r.field === 'image');
}

/** The path is a container list, or inside one. */
export function inContainerList(objectSegs: readonly string[]): boolean {
  return classifyPodPath([...objectSegs]).some((r) => r.location !== 'pod');
}
