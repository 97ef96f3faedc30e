/**
 * PodSecurityPolicy admission (`plugin/pkg/admission/security/podsecuritypolicy`, removed in 1.25).
 * On a Pod CREATE every PSP is tried in name order on a copy of the pod: the first one that admits it
 * without changing it wins; otherwise the first one that admits it after applying its defaults (the
 * pod is then admitted with those defaults). An UPDATE may not be changed, so only a PSP that admits
 * the pod as it is counts (the one named in the `kubernetes.io/psp` annotation is tried first). The
 * plugin ignores every request with a subresource: `pods/ephemeralcontainers` never reaches it.
 *
 * Authorization: which PSPs a user (or the pod's service account) may `use` is RBAC data polcov does
 * not have. Unless `authorized` says otherwise, every PSP in the set is usable.
 */
import type { AdmissionRequest, ClusterContext, Decision, Evaluator, KubeObject, UserInfo } from '../../admission';
import { LATEST_MINOR } from '../../audit';
import { PSP_REMOVED_MINOR } from '../../engines/psp';
import { PodShapeError } from '../pss/pod';
import { errorText, type PspFieldError } from './field-error';
import { InvalidPspError, pspProvider, type Provider } from './provider';

export { pspProvider, InvalidPspError } from './provider';
export { errorText, type PspFieldError } from './field-error';

export interface PspOptions {
  kubernetesMinor?: number;
  /** May this user, or the pod's service account, `use` the PSP? Default: every PSP is usable. */
  authorized?: (psp: string, user: UserInfo, serviceAccount: string | undefined) => boolean;
}

const ENGINE = 'psp';
const VALIDATED_PSP_ANNOTATION = 'kubernetes.io/psp';

/** Semantic equality: absent, null and empty lists are the same; list order matters. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined && c !== null) out[k] = c;
    }
    return out;
  }
  return v ?? undefined;
}
const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** `IsOnlyMutatingGCFields`: the UPDATE changes only ownerReferences and finalizers. */
function onlyGcFields(object: KubeObject, old: KubeObject): boolean {
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const oldMeta = (old.metadata ?? {}) as Record<string, unknown>;
  return same({ ...old, metadata: { ...oldMeta, ownerReferences: meta.ownerReferences, finalizers: meta.finalizers } }, object);
}

function serviceAccountOf(pod: KubeObject, namespace: string | undefined): string | undefined {
  const sa = (pod.spec as Record<string, unknown> | undefined)?.serviceAccountName;
  return typeof sa === 'string' && sa !== '' ? `system:serviceaccount:${namespace ?? ''}:${sa}` : undefined;
}

export function pspEvaluator(psps: readonly KubeObject[], options: PspOptions = {}): Evaluator {
  const minor = options.kubernetesMinor ?? LATEST_MINOR;
  const authorized = options.authorized ?? (() => true);
  const providers: Provider[] = [];
  const invalid: string[] = [];
  for (const psp of psps) {
    try {
      providers.push(pspProvider(psp));
    } catch (e) {
      if (!(e instanceof InvalidPspError || e instanceof PodShapeError)) throw e;
      const name = (psp.metadata as Record<string, unknown> | undefined)?.name;
      invalid.push(`PodSecurityPolicy ${String(name)} is invalid and never used: ${e.message}`);
    }
  }

  return {
    engine: ENGINE,
    evaluate(request: AdmissionRequest, _cluster: ClusterContext): Decision[] {
      const one = (verdict: Decision['verdict'], reason: string, policy = 'PodSecurityPolicy', messages: string[] = []): Decision[] => [
        { engine: ENGINE, policy, verdict, messages, reason },
      ];
      if (minor >= PSP_REMOVED_MINOR) return one('not-evaluated', `PodSecurityPolicy was removed in Kubernetes 1.${PSP_REMOVED_MINOR}`);
      if (request.resource.group !== '' || request.resource.resource !== 'pods') return one('not-evaluated', 'PodSecurityPolicy admission only sees pods');
      if (request.subResource) {
        return one('not-evaluated', `the PodSecurityPolicy admission plugin ignores every request with a subresource (pods/${request.subResource})`);
      }
      if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return one('not-evaluated', `PodSecurityPolicy admission handles CREATE and UPDATE, not ${request.operation}`);
      const pod = request.object;
      if (!pod) return one('error', 'the request has no object');
      if (request.operation === 'UPDATE' && request.oldObject && onlyGcFields(pod, request.oldObject)) {
        return one('not-evaluated', 'the UPDATE changes only ownerReferences or finalizers, which PodSecurityPolicy admission lets through');
      }

      const mutationAllowed = request.operation === 'CREATE';
      const hint = mutationAllowed ? undefined : ((pod.metadata as Record<string, unknown> | undefined)?.annotations as Record<string, string> | undefined)?.[VALIDATED_PSP_ANNOTATION];
      const order = [...providers].sort((a, b) => (a.name === hint ? -1 : b.name === hint ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const serviceAccount = serviceAccountOf(pod, request.namespace);
      const usable = (p: Provider): boolean => authorized(p.name, request.userInfo, undefined) || (serviceAccount !== undefined && authorized(p.name, { username: serviceAccount }, serviceAccount));
      const failures = new Map<string, PspFieldError[]>();
      let mutating: Provider | undefined;
      try {
        for (const p of order) {
          const copy = structuredClone(pod);
          p.mutate(copy);
          const errs = p.validate(copy);
          if (errs.length > 0) {
            failures.set(p.name, errs);
            continue;
          }
          const mutated = !same(pod, copy);
          if ((mutated && !mutationAllowed) || !usable(p)) continue;
          if (!mutated) return one('admit', `admitted by PodSecurityPolicy ${p.name} as it is`, `PodSecurityPolicy/${p.name}`);
          mutating ??= p;
        }
      } catch (e) {
        if (e instanceof PodShapeError) return one('error', `the pod cannot be decoded: ${e.message}`);
        throw e;
      }
      if (mutating) return one('admit', `admitted by PodSecurityPolicy ${mutating.name} with its defaults applied`, `PodSecurityPolicy/${mutating.name}`);
      const errors = [...failures].filter(([name]) => usable(order.find((p) => p.name === name)!)).flatMap(([, errs]) => errs);
      const name = request.name ? ` "${request.name}"` : '';
      const message = `pods${name} is forbidden: PodSecurityPolicy: unable to admit pod: [${errors.map(errorText).join(', ')}]`;
      const reason = [`no usable PodSecurityPolicy admits the pod (${providers.length} in the set)`, ...invalid].join('; ');
      return one('deny', reason, 'PodSecurityPolicy', [message]);
    },
  };
}
