/**
 * Which admission webhooks the API server calls for a request: a webhook's `rules` (operations and
 * resources, subresources included, under `matchPolicy`), its `namespaceSelector` and `objectSelector`,
 * then its `matchConditions`. What the webhook decides is unknown to polcov; whether it is asked is not.
 */
import { asObject, asObjects, type AdmissionRequest, type ClusterContext, type KubeObject } from '../admission';
import { compileCel, evalCel, requestVariable, toCel } from './cel';
import { resourcesMatch, type Match } from './vap';

/** Whether `webhook` (one entry of a webhook configuration's `webhooks`) is sent `req`. */
export function webhookSends(webhook: KubeObject, req: AdmissionRequest, cluster: ClusterContext): Match {
  const scope = { resourceRules: webhook.rules ?? [], namespaceSelector: webhook.namespaceSelector, objectSelector: webhook.objectSelector, matchPolicy: webhook.matchPolicy };
  const r = resourcesMatch(scope, req, cluster, 'webhook', true);
  if (!('matches' in r) || !r.matches) return r;
  const activation = toCel({ object: req.object ?? null, oldObject: req.oldObject ?? null, request: requestVariable(req) }) as Record<string, unknown>;
  for (const mc of asObjects(webhook.matchConditions)) {
    const name = String(mc.name ?? '');
    const compiled = compileCel(typeof mc.expression === 'string' ? mc.expression : '');
    if ('error' in compiled) return { error: `matchCondition ${name}: ${compiled.error}` };
    const o = evalCel(compiled.program, activation);
    if ('undecided' in o) return { undecided: `matchCondition ${name}: ${o.undecided}` };
    // An erroring condition calls the webhook under failurePolicy Fail (its default) and skips it under Ignore.
    if ('error' in o) return webhook.failurePolicy === 'Ignore' ? { matches: false, reason: `matchCondition ${name} fails and failurePolicy is Ignore` } : { matches: true };
    if (o.value !== true) return { matches: false, reason: `matchCondition ${name} is false` };
  }
  return { matches: true };
}

/** The webhooks of a configuration object. */
export const webhooksOf = (config: KubeObject): KubeObject[] => asObjects(asObject(config).webhooks);
