/**
 * What a Gatekeeper policy reads: `input.review` (the AdmissionRequest as Gatekeeper serialises it,
 * empty fields included, `oldObject: null` when there is none) and `data.inventory` (the replicated
 * cluster objects, keyed `cluster/<groupVersion>/<kind>/<name>` and
 * `namespace/<ns>/<groupVersion>/<kind>/<name>`).
 */
import type { AdmissionRequest, KubeObject } from '../../admission';

export function gatekeeperReview(req: AdmissionRequest): KubeObject {
  return {
    uid: req.uid ?? '',
    kind: req.kind,
    resource: req.resource ?? { group: '', version: '', resource: '' },
    ...(req.subResource ? { subResource: req.subResource } : {}),
    ...(req.requestKind ? { requestKind: req.requestKind } : {}),
    ...(req.requestResource ? { requestResource: req.requestResource } : {}),
    ...(req.requestSubResource ? { requestSubResource: req.requestSubResource } : {}),
    ...(req.name ? { name: req.name } : {}),
    ...(req.namespace ? { namespace: req.namespace } : {}),
    operation: req.operation ?? '',
    // Go's omitempty: an empty username is absent, not "".
    userInfo: Object.fromEntries(Object.entries(req.userInfo ?? {}).filter(([, v]) => v !== '' && v !== undefined)),
    // On DELETE Gatekeeper shows the deleted object as `object` too (setObjectOnDelete).
    object: req.object ?? (req.operation === 'DELETE' ? req.oldObject : undefined) ?? null,
    oldObject: req.oldObject ?? null,
    ...(req.dryRun ? { dryRun: req.dryRun } : {}),
    options: req.options ?? null,
  };
}

export function inventoryData(objects: readonly KubeObject[]): KubeObject {
  const cluster: KubeObject = {};
  const namespace: KubeObject = {};
  const put = (root: KubeObject, keys: string[], value: KubeObject) => {
    let node = root;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as KubeObject;
    node[keys[keys.length - 1]!] = value;
  };
  for (const o of objects) {
    const m = (o.metadata as KubeObject | undefined) ?? {};
    const gv = String(o.apiVersion ?? ''), kind = String(o.kind ?? ''), name = String(m.name ?? '');
    if (typeof m.namespace === 'string' && m.namespace) put(namespace, [m.namespace, gv, kind, name], o);
    else put(cluster, [gv, kind, name], o);
  }
  return { cluster, namespace };
}
