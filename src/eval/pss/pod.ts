/**
 * A typed view of a Pod (or pod template: `metadata` + `spec`) for the Pod Security checks. The API
 * server decodes a Pod before any admission plugin sees it, so a field of the wrong type never
 * reaches PSA: polcov refuses such a pod (`PodShapeError`) instead of guessing what a check would read.
 */
import type { KubeObject } from '../../admission';

export class PodShapeError extends Error {}

export type Obj = Record<string, unknown>;

export function obj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new PodShapeError(`${path} must be an object`);
  return v as Obj;
}

export function bool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new PodShapeError(`${path} must be a boolean`);
  return v;
}

export function str(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new PodShapeError(`${path} must be a string`);
  return v;
}

export function int(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new PodShapeError(`${path} must be an integer`);
  return v;
}

export function list(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new PodShapeError(`${path} must be a list`);
  return v;
}

export function strings(v: unknown, path: string): string[] {
  return list(v, path).map((s, i) => str(s, `${path}[${i}]`) ?? '');
}

export type ContainerList = 'initContainers' | 'containers' | 'ephemeralContainers';

/** PSA visits init containers first, then regular ones, then ephemeral ones. */
export const VISIT_ORDER: readonly ContainerList[] = ['initContainers', 'containers', 'ephemeralContainers'];

export interface ContainerView {
  list: ContainerList;
  index: number;
  name: string;
  image: string;
  /** `spec.<list>[<index>]`: PSA's field path of the container. */
  path: string;
  raw: Obj;
  /** The container's securityContext, or undefined. */
  sc: Obj | undefined;
}

export interface PodView {
  annotations: Record<string, string>;
  spec: Obj;
  /** The pod-level securityContext, or undefined. */
  sc: Obj | undefined;
  containers: ContainerView[];
}

/** Reads a Pod-shaped object: `metadata.annotations`, `spec` and the three container lists. */
export function podView(pod: KubeObject): PodView {
  const metadata = obj(pod.metadata, 'metadata') ?? {};
  const rawAnnotations = obj(metadata.annotations, 'metadata.annotations') ?? {};
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAnnotations)) annotations[k] = str(v, `metadata.annotations[${k}]`) ?? '';
  const spec = obj(pod.spec, 'spec') ?? {};
  const containers = VISIT_ORDER.flatMap((l) =>
    list(spec[l], `spec.${l}`).map((c, index): ContainerView => {
      const path = `spec.${l}[${index}]`;
      const raw = obj(c, path) ?? {};
      return {
        list: l,
        index,
        name: str(raw.name, `${path}.name`) ?? '',
        image: str(raw.image, `${path}.image`) ?? '',
        path,
        raw,
        sc: obj(raw.securityContext, `${path}.securityContext`),
      };
    }),
  );
  return { annotations, spec, sc: obj(spec.securityContext, 'spec.securityContext'), containers };
}
