/**
 * The AdmissionReview v1 request as the API server sends it to every admission engine, and the
 * requests that matter to polcov: a Pod CREATE and the `kubectl debug` UPDATE.
 */

/** `''` is a review outside admission (Gatekeeper audit, gator): the object alone, no operation. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** A Kubernetes object as plain JSON data. */
export type KubeObject = Record<string, unknown>;

/** A field read as an object; anything else (absent, a list, a scalar) reads as `{}`. */
export const asObject = (v: unknown): KubeObject => (v && typeof v === 'object' && !Array.isArray(v) ? (v as KubeObject) : {});
/** A field read as a list; anything else reads as `[]`. */
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A list field with its items as strings. */
export const stringList = (v: unknown): string[] => asList(v).map(String);

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  /** Empty for the main resource; `ephemeralcontainers` for the `kubectl debug` UPDATE. */
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  /** The new object; absent on DELETE. */
  object?: KubeObject;
  /** The stored object; present on UPDATE and DELETE. */
  oldObject?: KubeObject;
  dryRun?: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions. */
  options?: KubeObject;
}

/** What evaluation may read beside the request: the cluster as a test or the scanned set describes it. */
export interface ClusterContext {
  /** Namespace objects by name, for namespace selectors and PSA labels. */
  namespaces: ReadonlyMap<string, KubeObject>;
  /** Objects already in the cluster (Gatekeeper `data.inventory`, Kyverno lookups), when given. */
  inventory: readonly KubeObject[];
}

export const EMPTY_CLUSTER: ClusterContext = { namespaces: new Map(), inventory: [] };

const POD_GVK: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };
const POD_GVR: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };

/** The user a request comes from when a test names none. */
export const DEFAULT_USER: UserInfo = { username: 'polcov-user', groups: ['system:authenticated'] };

function podNamespace(pod: KubeObject): string | undefined {
  const ns = (pod.metadata as KubeObject | undefined)?.namespace;
  return typeof ns === 'string' ? ns : undefined;
}

function podName(pod: KubeObject): string | undefined {
  const name = (pod.metadata as KubeObject | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** A request for `object` with `operation`, its kind and resource derived from apiVersion/kind. */
export function objectRequest(
  object: KubeObject,
  operation: Operation,
  opts: { oldObject?: KubeObject; userInfo?: UserInfo; resource?: string; subResource?: string } = {},
): AdmissionRequest {
  const gvk = gvkOf(object);
  const resource: GroupVersionResource = {
    group: gvk.group,
    version: gvk.version,
    resource: opts.resource ?? pluralOf(gvk.kind),
  };
  const req: AdmissionRequest = {
    uid: 'polcov-request',
    kind: gvk,
    resource,
    requestKind: gvk,
    requestResource: resource,
    name: podName(object),
    namespace: podNamespace(object),
    operation,
    userInfo: opts.userInfo ?? DEFAULT_USER,
    object,
    dryRun: false,
  };
  if (opts.subResource) {
    req.subResource = opts.subResource;
    req.requestSubResource = opts.subResource;
  }
  if (opts.oldObject) req.oldObject = opts.oldObject;
  return req;
}

/**
 * How Gatekeeper's audit and gator review a stored object: kind, name, namespace and the object,
 * with no operation, resource or user.
 */
export function objectReview(object: KubeObject): AdmissionRequest {
  return {
    uid: '',
    kind: gvkOf(object),
    resource: { group: '', version: '', resource: '' },
    name: podName(object),
    namespace: podNamespace(object),
    operation: '',
    userInfo: { username: '' },
    object,
  };
}

/** A Pod CREATE. */
export function podCreate(pod: KubeObject, userInfo?: UserInfo): AdmissionRequest {
  return objectRequest(pod, 'CREATE', { userInfo, resource: 'pods' });
}

/**
 * What `kubectl debug` sends (Kubernetes ≥ 1.22): an UPDATE on `pods/ephemeralcontainers` whose
 * `object` is the whole Pod with the debug container appended and whose `oldObject` is the Pod before.
 */
export function debugUpdate(pod: KubeObject, debugContainer: KubeObject, userInfo?: UserInfo): AdmissionRequest {
  const spec = (pod.spec as KubeObject | undefined) ?? {};
  const existing = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : [];
  const updated: KubeObject = { ...pod, spec: { ...spec, ephemeralContainers: [...existing, debugContainer] } };
  const req = objectRequest(updated, 'UPDATE', { oldObject: pod, userInfo, resource: 'pods', subResource: 'ephemeralcontainers' });
  req.kind = POD_GVK;
  req.resource = POD_GVR;
  return req;
}

/** The items of `v` as objects (`[]` when `v` is not a list). */
export function asObjects(v: unknown): KubeObject[] {
  return asList(v).map(asObject);
}

/** The object's `metadata.name` (`''` when absent). */
export function nameOf(object: KubeObject): string {
  return String(asObject(object.metadata).name ?? '');
}

/** The object's `metadata.namespace` (`''` when absent or cluster-scoped). */
export function nsOf(object: KubeObject): string {
  return String(asObject(object.metadata).namespace ?? '');
}

export function gvkOf(object: KubeObject): GroupVersionKind {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : 'v1';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion, kind }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

const IRREGULAR_PLURALS: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  NetworkPolicy: 'networkpolicies',
  PodSecurityPolicy: 'podsecuritypolicies',
  StorageClass: 'storageclasses',
  IngressClass: 'ingressclasses',
  PriorityClass: 'priorityclasses',
  RuntimeClass: 'runtimeclasses',
};

/** The resource name the API server uses for a kind (lower-case plural). */
export function pluralOf(kind: string): string {
  if (IRREGULAR_PLURALS[kind]) return IRREGULAR_PLURALS[kind];
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
