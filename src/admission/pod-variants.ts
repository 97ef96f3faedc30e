/**
 * The pods and admission requests derived from a denied test case (by `polcov test --mutate` and by
 * proof witnesses taken from tests): the pod the case reviews (a controller's pod template made a
 * Pod), the containers whose presence makes it denied, the same pod with chosen containers moved to
 * another list, and HostProcess moved between the pod and its containers.
 */
import { asObject, asObjects, debugUpdate, objectRequest, type AdmissionRequest, type KubeObject } from './request';

type Json = KubeObject;

/** Kinds whose pod template sits at `spec.template` (CronJob: `spec.jobTemplate.spec.template`). */
const CONTROLLERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/** The Pod a case's object describes: the Pod itself, or a controller's pod template as a Pod; else undefined. */
export function podOf(object: KubeObject): KubeObject | undefined {
  if (object.kind === 'Pod') return object;
  const spec = asObject(object.spec);
  const template = object.kind === 'CronJob' ? asObject(asObject(asObject(spec.jobTemplate).spec).template) : CONTROLLERS.has(String(object.kind)) ? asObject(spec.template) : undefined;
  if (!template?.spec) return undefined;
  const meta = asObject(object.metadata);
  const tmeta = asObject(template.metadata);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...tmeta, name: tmeta.name ?? meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) },
    spec: template.spec,
  };
}

export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

export const containersIn = (pod: KubeObject, l: ContainerList): Json[] => asObjects(asObject(pod.spec)[l]);

/** The pod with its spec fields replaced (a copy; the case's objects are never changed). */
export function withSpec(pod: KubeObject, fields: Json): KubeObject {
  return { ...pod, spec: { ...asObject(pod.spec), ...fields } };
}

/** Fields the API server refuses on an ephemeral container (ports, probes, lifecycle, resources). */
const NOT_EPHEMERAL = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy', 'restartPolicy'];
/** Fields only a sidecar (restartPolicy: Always) init container may have. */
const SIDECAR_ONLY = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

/** The container as `kubectl debug` can send it: without the fields ephemeral containers may not have. */
export function asEphemeral(container: Json): Json {
  return Object.fromEntries(Object.entries(container).filter(([k]) => !NOT_EPHEMERAL.includes(k)));
}

/** `container` given the probes and lifecycle hooks of `from`: what only a sidecar init container may carry. */
function withSidecarFields(container: Json, from: Json): Json {
  return { ...container, ...Object.fromEntries(SIDECAR_ONLY.filter((k) => k in from).map((k) => [k, from[k]])) };
}

/** The container as an init container the API server accepts: a sidecar when it has probes or lifecycle hooks. */
function asInit(container: Json): Json {
  return SIDECAR_ONLY.some((k) => k in container) ? { ...container, restartPolicy: 'Always' } : container;
}

/** A container with nothing set but a name and the image: a base pod made of the case's pod keeps one. */
function plainContainer(like: Json): Json {
  return { name: 'polcov-base', image: like.image ?? 'registry.k8s.io/pause:3.9' };
}

/** The case's pod with its containers replaced by one plain container of the first one's image: a candidate base pod. */
export function withPlainContainer(pod: KubeObject): KubeObject {
  const first = CONTAINER_LISTS.flatMap((l) => containersIn(pod, l))[0] ?? {};
  return withSpec(pod, { containers: [plainContainer(first)], initContainers: [], ephemeralContainers: [] });
}

/** A container of a pod and the list it is in. */
export interface Placed {
  list: ContainerList;
  c: Json;
}

export const namesOf = (cs: readonly Placed[]): string => cs.map((v) => String(v.c.name)).join(', ');

/** The containers of the denied `pod` whose presence denies it: each added alone to the admitted `base`, in its own list, is not admitted. */
export function violatingContainers(pod: KubeObject, base: KubeObject, admitted: (p: KubeObject) => boolean): Placed[] {
  return CONTAINER_LISTS.flatMap((l) => containersIn(pod, l).filter((c) => !admitted(withContainer(base, l, c))).map((c) => ({ list: l, c })));
}

/** Of `violating`, those denied in `containers` too: their content violates, not the list they are in (any ephemeral container, say). */
export function violatingInContainers(base: KubeObject, violating: readonly Placed[], admitted: (p: KubeObject) => boolean): Placed[] {
  return violating.filter((x) => !admitted(withContainer(base, 'containers', x.c)));
}

/** The fields an ephemeral container cannot have, in words. */
export const EPHEMERAL_FORBIDDEN = 'ports, probes, lifecycle, resources';

/**
 * Of the violating `candidates`, the first `kubectl debug` can add with its violation intact: without
 * the fields an ephemeral container may not have, it is still denied in its list. A policy that denies
 * the base's admitted container without those fields requires them (limits, probes), which it cannot
 * ask of an ephemeral container: no violation then.
 */
export function debuggableViolation(base: KubeObject, candidates: readonly Placed[], admitted: (p: KubeObject) => boolean): { picked: Placed } | { reason: string } {
  const picked = candidates.find((v) => !admitted(withContainer(base, v.list, asEphemeral(v.c))));
  if (!picked) return { reason: `the violation of ${namesOf(candidates)} is in fields an ephemeral container cannot have (${EPHEMERAL_FORBIDDEN})` };
  const [compliant = {}, ...others] = containersIn(base, 'containers');
  const stripped = asEphemeral(compliant);
  if (Object.keys(stripped).length < Object.keys(compliant).length && !admitted(withSpec(base, { containers: [stripped, ...others] }))) {
    return { reason: `the policy requires fields an ephemeral container cannot have (${EPHEMERAL_FORBIDDEN}): the admitted container ${String(compliant.name)} without them is denied` };
  }
  return { picked };
}

/**
 * Why `violating` (denied in containers) shows nothing as init containers: each is admitted once given
 * the probes or lifecycle hooks of the base's container, which a plain init container cannot have.
 */
export function initViolationProblem(base: KubeObject, violating: readonly Placed[], admitted: (p: KubeObject) => boolean): string | undefined {
  const [compliant = {}] = containersIn(base, 'containers');
  if (violating.length > 0 && violating.every((x) => admitted(withContainer(base, 'containers', withSidecarFields(x.c, compliant))))) {
    return `the violation of ${namesOf(violating)} is missing probes or lifecycle hooks, which a plain init container cannot have`;
  }
  return undefined;
}

/** The pod with `container` appended to `list`, renamed when the pod already has a container of its name. */
export function withContainer(pod: KubeObject, l: ContainerList, container: Json): KubeObject {
  const taken = new Set(CONTAINER_LISTS.flatMap((x) => containersIn(pod, x).map((c) => c.name)));
  const named = taken.has(container.name) ? { ...container, name: `${String(container.name)}-polcov` } : container;
  return withSpec(pod, { [l]: [...containersIn(pod, l), named] });
}

/**
 * The container with its read-only volume mounts made writable, or undefined when it has none: an
 * ephemeral container may mount any volume the pod already has, read-write unless it says otherwise.
 */
function writableMounts(container: Json): Json | undefined {
  const mounts = asObjects(container.volumeMounts);
  if (!mounts.some((m) => m.readOnly === true)) return undefined;
  return { ...container, volumeMounts: mounts.map(({ readOnly: _dropped, ...m }) => m) };
}

/**
 * A container of an admitted pod with its read-only mounts made writable, which the policy denies in
 * `containers` on CREATE: the violation a debug container can add to that pod when the case's own
 * violation is in the pod (its volumes), which `kubectl debug` cannot change.
 */
export function writableMountOf(bases: readonly KubeObject[], admitted: (p: KubeObject) => boolean): { base: KubeObject; c: Json } | undefined {
  for (const base of bases) {
    for (const c of containersIn(base, 'containers')) {
      const rw = writableMounts(c);
      if (rw && !admitted(withContainer(base, 'containers', rw))) return { base, c: rw };
    }
  }
  return undefined;
}

/** `kubectl debug`: the base pod, then an UPDATE on pods/ephemeralcontainers adding the violating container. */
export function ephemeralVariant(base: KubeObject, container: Json): AdmissionRequest {
  const added = withContainer(base, 'ephemeralContainers', asEphemeral(container));
  return debugUpdate(base, containersIn(added, 'ephemeralContainers').at(-1)!);
}

/** The base pod created with the violating containers as init containers. */
export function initVariant(base: KubeObject, containers: Json[]): AdmissionRequest {
  return objectRequest(containers.reduce((pod, c) => withContainer(pod, 'initContainers', asInit(c)), base), 'CREATE', { resource: 'pods' });
}

function hostProcessOf(securityContext: unknown): unknown {
  return asObject(asObject(securityContext).windowsOptions).hostProcess;
}

/**
 * Whether the API server refuses `container` added to `pod` by `kubectl debug`: every container of a
 * pod, ephemeral ones included, must agree on hostProcess (a container without the flag takes the
 * pod's), so a debug container can be HostProcess only in a pod that already is one.
 */
export function hostProcessDisagrees(pod: KubeObject, container: Json): boolean {
  const spec = asObject(pod.spec);
  const podLevel = hostProcessOf(spec.securityContext) === true;
  const of = (c: Json) => (typeof hostProcessOf(c.securityContext) === 'boolean' ? hostProcessOf(c.securityContext) : podLevel);
  return CONTAINER_LISTS.flatMap((l) => asObjects(spec[l])).some((c) => of(c) !== of(container));
}

/** Where the pod turns hostProcess on: at the pod level, on containers, or nowhere. */
export function hostProcessPlacement(pod: KubeObject): { pod: boolean; containers: boolean } {
  const spec = asObject(pod.spec);
  return {
    pod: hostProcessOf(spec.securityContext) === true,
    containers: CONTAINER_LISTS.some((l) => asObjects(spec[l]).some((c) => hostProcessOf(c.securityContext) === true)),
  };
}

function setHostProcess(securityContext: unknown, value: boolean | undefined): Json {
  const sc = asObject(securityContext);
  const { hostProcess: _dropped, ...windows } = asObject(sc.windowsOptions);
  return { ...sc, windowsOptions: value === undefined ? windows : { ...windows, hostProcess: value } };
}

/**
 * The same HostProcess pod written the other way (the API server accepts both): a pod that sets the
 * flag per container sets it once at the pod level, and a pod-level flag is set on every container.
 * HostProcess pods must use the host network.
 */
export function hostProcessVariant(pod: KubeObject): { request: AdmissionRequest; moved: 'to the pod level' | 'to every container' } {
  const spec = asObject(pod.spec);
  const toPod = hostProcessPlacement(pod).containers;
  const fields: Json = { hostNetwork: true, securityContext: setHostProcess(spec.securityContext, toPod ? true : undefined) };
  for (const l of CONTAINER_LISTS) {
    if (Array.isArray(spec[l])) fields[l] = asObjects(spec[l]).map((c) => ({ ...c, securityContext: setHostProcess(c.securityContext, toPod ? undefined : true) }));
  }
  return { request: objectRequest(withSpec(pod, fields), 'CREATE', { resource: 'pods' }), moved: toPod ? 'to the pod level' : 'to every container' };
}
