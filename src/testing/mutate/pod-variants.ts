/**
 * The pods and admission requests `polcov test --mutate` derives from a denied test case: the pod the
 * case reviews (a controller's pod template made a Pod), the same pod with chosen containers moved to
 * another list, and HostProcess moved between the pod and its containers.
 */
import { debugUpdate, objectRequest, type AdmissionRequest, type KubeObject } from '../../admission';

type Json = KubeObject;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);

/** Kinds whose pod template sits at `spec.template` (CronJob: `spec.jobTemplate.spec.template`). */
const CONTROLLERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/** The Pod a case's object describes: the Pod itself, or a controller's pod template as a Pod; else undefined. */
export function podOf(object: KubeObject): KubeObject | undefined {
  if (object.kind === 'Pod') return object;
  const spec = obj(object.spec);
  const template = object.kind === 'CronJob' ? obj(obj(obj(spec.jobTemplate).spec).template) : CONTROLLERS.has(String(object.kind)) ? obj(spec.template) : undefined;
  if (!template?.spec) return undefined;
  const meta = obj(object.metadata);
  const tmeta = obj(template.metadata);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...tmeta, name: tmeta.name ?? meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) },
    spec: template.spec,
  };
}

export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

export const containersIn = (pod: KubeObject, l: ContainerList): Json[] => list(obj(pod.spec)[l]);

/** The pod with its spec fields replaced (a copy; the case's objects are never changed). */
export function withSpec(pod: KubeObject, fields: Json): KubeObject {
  return { ...pod, spec: { ...obj(pod.spec), ...fields } };
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
export function withSidecarFields(container: Json, from: Json): Json {
  return { ...container, ...Object.fromEntries(SIDECAR_ONLY.filter((k) => k in from).map((k) => [k, from[k]])) };
}

/** The container as an init container the API server accepts: a sidecar when it has probes or lifecycle hooks. */
function asInit(container: Json): Json {
  return SIDECAR_ONLY.some((k) => k in container) ? { ...container, restartPolicy: 'Always' } : container;
}

/** A container with nothing set but a name and the image: a base pod made of the case's pod keeps one. */
export function plainContainer(like: Json): Json {
  return { name: 'polcov-base', image: like.image ?? 'registry.k8s.io/pause:3.9' };
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
export function writableMounts(container: Json): Json | undefined {
  const mounts = list(container.volumeMounts);
  if (!mounts.some((m) => m.readOnly === true)) return undefined;
  return { ...container, volumeMounts: mounts.map(({ readOnly: _dropped, ...m }) => m) };
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
  return obj(obj(securityContext).windowsOptions).hostProcess;
}

/**
 * Whether the API server refuses `container` added to `pod` by `kubectl debug`: every container of a
 * pod, ephemeral ones included, must agree on hostProcess (a container without the flag takes the
 * pod's), so a debug container can be HostProcess only in a pod that already is one.
 */
export function hostProcessDisagrees(pod: KubeObject, container: Json): boolean {
  const spec = obj(pod.spec);
  const podLevel = hostProcessOf(spec.securityContext) === true;
  const of = (c: Json) => (typeof hostProcessOf(c.securityContext) === 'boolean' ? hostProcessOf(c.securityContext) : podLevel);
  return CONTAINER_LISTS.flatMap((l) => list(spec[l])).some((c) => of(c) !== of(container));
}

/** Where the pod turns hostProcess on: at the pod level, on containers, or nowhere. */
export function hostProcessPlacement(pod: KubeObject): { pod: boolean; containers: boolean } {
  const spec = obj(pod.spec);
  return {
    pod: hostProcessOf(spec.securityContext) === true,
    containers: CONTAINER_LISTS.some((l) => list(spec[l]).some((c) => hostProcessOf(c.securityContext) === true)),
  };
}

function setHostProcess(securityContext: unknown, value: boolean | undefined): Json {
  const sc = obj(securityContext);
  const { hostProcess: _dropped, ...windows } = obj(sc.windowsOptions);
  return { ...sc, windowsOptions: value === undefined ? windows : { ...windows, hostProcess: value } };
}

/**
 * The same HostProcess pod written the other way (the API server accepts both): a pod that sets the
 * flag per container sets it once at the pod level, and a pod-level flag is set on every container.
 * HostProcess pods must use the host network.
 */
export function hostProcessVariant(pod: KubeObject): { request: AdmissionRequest; moved: 'to the pod level' | 'to every container' } {
  const spec = obj(pod.spec);
  const toPod = hostProcessPlacement(pod).containers;
  const fields: Json = { hostNetwork: true, securityContext: setHostProcess(spec.securityContext, toPod ? true : undefined) };
  for (const l of CONTAINER_LISTS) {
    if (Array.isArray(spec[l])) fields[l] = list(spec[l]).map((c) => ({ ...c, securityContext: setHostProcess(c.securityContext, toPod ? undefined : true) }));
  }
  return { request: objectRequest(withSpec(pod, fields), 'CREATE', { resource: 'pods' }), moved: toPod ? 'to the pod level' : 'to every container' };
}
