/**
 * Witness requests for a gap finding: the request that should get through (the gap), the same
 * violation where the policy does look (the contrast), and the base pod both start from.
 */
import { debugUpdate, podCreate, type AdmissionRequest, type KubeObject } from '../admission';
import { ephemeralVariant, initVariant, withContainer } from '../admission/pod-variants';
import type { ControlId } from '../catalog/controls';
import type { Finding, Location } from '../facts';

type Container = KubeObject & { securityContext?: KubeObject };

/** How to make one container violate a control; controls absent here get no witness. */
export const VIOLATIONS: Partial<Record<ControlId, { what: string; apply: (c: Container) => void }>> = {
  // The API server refuses privileged or CAP_SYS_ADMIN with allowPrivilegeEscalation: false.
  privileged: { what: 'privileged: true', apply: (c) => Object.assign(sc(c), { privileged: true, allowPrivilegeEscalation: true }) },
  // Adds a capability beyond the baseline list and drops none: violates both levels.
  capabilities_baseline: { what: 'capabilities.add: [NET_ADMIN]', apply: (c) => (sc(c).capabilities = { add: ['NET_ADMIN'] }) },
  capabilities_restricted: { what: 'capabilities.add: [NET_ADMIN], nothing dropped', apply: (c) => (sc(c).capabilities = { add: ['NET_ADMIN'] }) },
  allowPrivilegeEscalation: { what: 'allowPrivilegeEscalation: true', apply: (c) => (sc(c).allowPrivilegeEscalation = true) },
  runAsNonRoot: { what: 'runAsNonRoot: false, runAsUser: 0', apply: (c) => Object.assign(sc(c), { runAsNonRoot: false, runAsUser: 0 }) },
  runAsUser: { what: 'runAsUser: 0', apply: (c) => Object.assign(sc(c), { runAsNonRoot: false, runAsUser: 0 }) },
  seccompProfile_baseline: { what: 'seccompProfile.type: Unconfined', apply: (c) => (sc(c).seccompProfile = { type: 'Unconfined' }) },
  seccompProfile_restricted: { what: 'seccompProfile.type: Unconfined', apply: (c) => (sc(c).seccompProfile = { type: 'Unconfined' }) },
  procMount: { what: 'procMount: Unmasked', apply: (c) => (sc(c).procMount = 'Unmasked') },
  seLinuxOptions: { what: 'seLinuxOptions.type: spc_t', apply: (c) => (sc(c).seLinuxOptions = { type: 'spc_t' }) },
  appArmorProfile: { what: 'appArmorProfile.type: Unconfined', apply: (c) => (sc(c).appArmorProfile = { type: 'Unconfined' }) },
  readOnlyRootFilesystem: { what: 'readOnlyRootFilesystem: false', apply: (c) => (sc(c).readOnlyRootFilesystem = false) },
  runAsUserName: { what: 'windowsOptions.runAsUserName: ContainerAdministrator', apply: (c) => (sc(c).windowsOptions = { runAsUserName: 'ContainerAdministrator' }) },
  image: { what: 'image from an untrusted registry with the latest tag', apply: (c) => (c.image = 'untrusted.example.com/debug:latest') },
};

function sc(c: Container): KubeObject {
  return (c.securityContext ??= {});
}

export const DEFAULT_IMAGE = 'registry.k8s.io/pause:3.9';

/** A container that meets Pod Security `restricted`. */
function restrictedContainer(name: string, image: string): Container {
  return {
    name,
    image,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

/** Where the base pod is created and what it carries that a policy may select or require. */
export interface PodShape {
  namespace: string;
  image?: string;
  /** Labels beyond `app`: whoever creates a pod picks them, so an attacker may opt out of a selector. */
  labels?: Record<string, string>;
}

/** A pod that meets Pod Security `restricted` and the usual extra rules (resources, probes, labels). */
export function basePod({ namespace, image = DEFAULT_IMAGE, labels = {} }: PodShape): KubeObject {
  const app = restrictedContainer('app', image);
  app.resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'polcov-witness', namespace, labels: { app: 'polcov-witness', ...labels } },
    spec: { securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }, containers: [app] },
  };
}

// JSON, not structuredClone: the copy must be plain objects of the caller's realm (CEL checks prototypes).
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function violating(name: string, control: ControlId, image: string): Container {
  const c = restrictedContainer(name, image);
  VIOLATIONS[control]!.apply(c);
  return c;
}

function withContainers(pod: KubeObject, list: 'containers' | 'initContainers', containers: Container[]): KubeObject {
  const p = clone(pod);
  (p.spec as KubeObject)[list] = containers;
  return p;
}

/**
 * A Windows HostProcess pod the API server accepts: the base pod with hostNetwork, a Windows node
 * selector and the flag at `where` (the pod level, every container, or both).
 */
export function hostProcessPod(shape: PodShape, where: HostProcessAt): KubeObject {
  return asHostProcess(basePod(shape), where);
}

type HostProcessAt = 'pod' | 'containers' | 'both';

/** `pod` made a HostProcess pod (a copy): hostNetwork, a Windows node selector and the flag at `where`. */
function asHostProcess(pod: KubeObject, where: HostProcessAt): KubeObject {
  const p = clone(pod);
  const spec = p.spec as KubeObject & { securityContext?: KubeObject };
  const flag = { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' };
  spec.hostNetwork = true;
  spec.nodeSelector = { ...(spec.nodeSelector as KubeObject | undefined), 'kubernetes.io/os': 'windows' };
  if (where !== 'containers') (spec.securityContext ??= {}).windowsOptions = flag;
  const containers = (['containers', 'initContainers'] as const).flatMap((l) => (Array.isArray(spec[l]) ? (spec[l] as Container[]) : []));
  if (where !== 'pod') for (const c of containers) sc(c).windowsOptions = { ...flag };
  return p;
}

export interface Witness {
  /** The pod the gap starts from (or, for HostProcess, the same pod without it): the set must admit it on CREATE. */
  base: KubeObject;
  gap: AdmissionRequest;
  /** Absent when the finding has no place where the policy looks (the set checks nothing). */
  contrast?: AdmissionRequest;
  /** The violation, in words. */
  what: string;
}

const EPHEMERAL_RULES = new Set(['ephemeral-containers-unchecked', 'ephemeral-update-skipped', 'ephemeral-subresource-unmatched']);
// hostprocess-indirect-only is no gap: the host-namespace check it names does deny the HostProcess pod.
export const HOSTPROCESS_RULES = new Set(['hostprocess-partial', 'hostprocess-unchecked']);
export const PROVABLE_RULES = new Set([...EPHEMERAL_RULES, ...HOSTPROCESS_RULES, 'init-containers-unchecked']);

/** The witness for `finding` violating `control`, or why none can be built. */
export function buildWitness(finding: Finding, control: ControlId | undefined, shape: PodShape): Witness | { reason: string } {
  if (HOSTPROCESS_RULES.has(finding.ruleId)) return hostProcessWitness(finding, basePod(shape));
  if (!control) return { reason: 'the finding names no control a witness could violate' };
  if (!VIOLATIONS[control]) return { reason: `no witness container for the control ${control} (it needs pod-level changes a debug container cannot make)` };
  const base = basePod(shape);
  const image = shape.image ?? DEFAULT_IMAGE;
  const contrast = podCreate(withContainers(base, 'containers', [violating('app', control, image)]));
  const what = VIOLATIONS[control]!.what;
  if (EPHEMERAL_RULES.has(finding.ruleId)) {
    const debug = violating('debugger', control, image);
    return { base, gap: debugUpdate(base, debug), contrast, what: `kubectl debug adds an ephemeral container with ${what}` };
  }
  const gap = podCreate(withContainers(base, 'initContainers', [violating('init', control, image)]));
  return { base, gap, contrast, what: `an init container with ${what}` };
}

/** The HostProcess witness from an admitted base pod; `from` names where the base pod came from. */
function hostProcessWitness(finding: Finding, base: KubeObject, from = ''): Witness {
  if (finding.ruleId !== 'hostprocess-partial') return { base, gap: podCreate(asHostProcess(base, 'pod')), what: `a Windows HostProcess pod (pod-level flag, hostNetwork, Windows node)${from}` };
  const missing: Location = finding.location ?? 'pod';
  const where = missing === 'containers' ? 'containers' : 'pod';
  return {
    base,
    gap: podCreate(asHostProcess(base, where)),
    contrast: podCreate(asHostProcess(base, 'both')),
    what: `a Windows HostProcess pod with the flag ${where === 'pod' ? 'at the pod level only' : 'on its containers only'}${from}`,
  };
}

/**
 * The witness from a test case: `base` is a pod the set admits, `container` one whose presence makes
 * the case denied. The gap is `kubectl debug` adding it (only the fields an ephemeral container may
 * have), or it as an init container, or the base made a HostProcess pod; the contrast is it in
 * `containers` of the base, on CREATE. `from` names the case (for HostProcess, the base pod).
 */
export function caseWitness(finding: Finding, base: KubeObject, container: KubeObject | undefined, from: string): Witness | { reason: string } {
  if (HOSTPROCESS_RULES.has(finding.ruleId)) return hostProcessWitness(finding, base, ` built from ${from}`);
  if (!container) return { reason: `${from} has no violating container` };
  const contrast = podCreate(withContainer(base, 'containers', container));
  const name = String(container.name);
  if (EPHEMERAL_RULES.has(finding.ruleId)) return { base, gap: ephemeralVariant(base, container), contrast, what: `kubectl debug adds container ${name} of ${from} as an ephemeral container` };
  return { base, gap: initVariant(base, [container]), contrast, what: `container ${name} of ${from} as an init container` };
}
