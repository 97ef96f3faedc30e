/**
 * Which admission webhooks the API server calls for a request: a webhook's `rules` (operations and
 * resources, subresources included, under `matchPolicy`), its `namespaceSelector` and `objectSelector`,
 * then its `matchConditions`. What the webhook decides is unknown to polcov; whether it is asked (or the
 * request rejected before it is, by an erroring matchCondition under failurePolicy Fail) is not.
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
  const outcomes = asObjects(webhook.matchConditions).map((mc) => {
    const name = String(mc.name ?? '');
    const compiled = compileCel(typeof mc.expression === 'string' ? mc.expression : '');
    return { name, outcome: 'error' in compiled ? { error: compiled.error } : evalCel(compiled.program, activation) };
  });
  // As the API server: any false condition skips the webhook, whatever the others did.
  const no = outcomes.find((o) => 'value' in o.outcome && o.outcome.value !== true);
  if (no) return { matches: false, reason: `matchCondition ${no.name} is false` };
  const undecided = outcomes.find((o) => 'undecided' in o.outcome);
  if (undecided) return { undecided: `matchCondition ${undecided.name}: ${(undecided.outcome as { undecided: string }).undecided}` };
  // An erroring condition rejects the request under failurePolicy Fail (the default) and skips the webhook under Ignore.
  const failed = outcomes.find((o) => 'error' in o.outcome);
  if (failed && webhook.failurePolicy === 'Ignore') return { matches: false, reason: `matchCondition ${failed.name} fails and failurePolicy is Ignore: the webhook is skipped` };
  if (failed) return { matches: true, reason: `matchCondition ${failed.name} fails and failurePolicy is Fail: the API server rejects the request` };
  return { matches: true };
}

/** The webhooks of a configuration object. */
export const webhooksOf = (config: KubeObject): KubeObject[] => asObjects(asObject(config).webhooks);
