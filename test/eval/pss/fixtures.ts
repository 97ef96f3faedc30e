/** Pods for the Pod Security tests: a compliant restricted pod, and the same pod with one change. */
import type { KubeObject } from '../../../src/admission';

export type List = 'containers' | 'initContainers' | 'ephemeralContainers';
export const LISTS: readonly List[] = ['containers', 'initContainers', 'ephemeralContainers'];

/** A container that meets every restricted control on its own. */
export function restrictedContainer(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    image: `registry.example/${name}:1`,
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } },
    ...extra,
  };
}

/** A pod that meets the restricted standard: one container, nothing else. */
export function restrictedPod(spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a', ...(annotations ? { annotations } : {}) },
    spec: { containers: [restrictedContainer('app')], ...spec },
  };
}

/** The restricted pod with `sc` merged into the securityContext of a container `probe` added to `list`. */
export function withContainer(list: List, sc: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  const base = restrictedContainer('probe', extra);
  const c = { ...base, securityContext: { ...(base.securityContext as object), ...sc } };
  const pod = restrictedPod();
  const spec = pod.spec as Record<string, unknown[]>;
  spec[list] = [...(spec[list] ?? []), c];
  return pod;
}

/** The restricted pod with `sc` merged into its pod-level securityContext. */
export function withPodSecurityContext(sc: Record<string, unknown>): KubeObject {
  return restrictedPod({ securityContext: sc });
}

/** Where the `probe` container of `withContainer` sits. */
export function probePath(list: List): string {
  return list === 'containers' ? 'spec.containers[1]' : `spec.${list}[0]`;
}
