/**
 * Validating/MutatingWebhookConfiguration (admissionregistration.k8s.io v1, v1beta1). A webhook
 * checks nothing itself, but the policy engine behind it (Kyverno, Gatekeeper…) only ever sees what
 * its `rules` send: a webhook that receives pods without `pods/ephemeralcontainers` hides every
 * `kubectl debug` from all the policies it serves, whatever they check, and one that receives no
 * pods at all hides every Pod. Only a ValidatingWebhookConfiguration delivers to validation policies
 * (Gatekeeper constraints run behind `validation.gatekeeper.sh`, not its mutating webhook).
 */
import type { Node } from 'yaml';
import type { PolicyFacts, RuleFacts, SourceRef } from '../../facts';
import { registrationScope } from '../admission/resource-rules';
import { CelPolicy } from '../cel';
import { analyzeEach } from '../guard';
import type { Analyze, PolicyDoc } from '../types';

function webhookRule(doc: PolicyDoc, w: Node): RuleFacts {
  const y = doc.yaml;
  const nameNode = y.get(w, 'name');
  const at = y.ref(nameNode ?? w);
  const scope = registrationScope(y, y.get(w, 'rules'), at);
  // Match conditions only matter for the pods a webhook receives: one that receives none is kept
  // for what it hides from the engine it serves, and reports nothing of its own.
  const conditions = scope.matchesPod
    ? new CelPolicy(y, undefined).matchConditions(y.get(w, 'matchConditions'))
    : { problems: [], updateSkipped: undefined };
  if (!scope.updateSkipped && conditions.updateSkipped) scope.updateSkipped = conditions.updateSkipped;
  const open = failOpen(doc, w, at);
  const serves =
    doc.kind === 'ValidatingWebhookConfiguration'
      ? servedEngine(y.str(nameNode) ?? '', y.str(y.at(w, 'clientConfig', 'service', 'name')) ?? '')
      : undefined;
  return {
    name: y.str(nameNode) ?? '(unnamed webhook)',
    at,
    checks: [],
    listRefs: {},
    scope,
    enforcement: { blocking: true, action: doc.kind, at },
    unanalyzable: conditions.problems,
    registrationOnly: true,
    ...(doc.kind === 'MutatingWebhookConfiguration' ? { mutating: true } : {}),
    ...(open ? { failOpen: open } : {}),
    ...(serves ? { serves } : {}),
  };
}

/** Gatekeeper's and Kyverno's webhooks are recognisable by name or service; their policies see only what they send. */
function servedEngine(webhookName: string, serviceName: string): RuleFacts['serves'] {
  const names = `${webhookName} ${serviceName}`.toLowerCase();
  if (names.includes('gatekeeper')) return 'gatekeeper';
  if (names.includes('kyverno')) return 'kyverno';
  return undefined;
}

/** failurePolicy defaults to Fail in v1 but to Ignore in v1beta1. */
function failOpen(doc: PolicyDoc, w: Node, at: SourceRef): RuleFacts['failOpen'] {
  const y = doc.yaml;
  const written = y.str(y.get(w, 'failurePolicy'));
  if (written) return written === 'Ignore' ? { at: y.keyRef(w, 'failurePolicy'), reason: 'failurePolicy: Ignore' } : undefined;
  return doc.apiVersion.endsWith('/v1beta1') ? { at, reason: 'failurePolicy defaults to Ignore in admissionregistration.k8s.io/v1beta1' } : undefined;
}

/**
 * Webhooks that never receive pods are left out unless they serve a policy engine: then they tell
 * that the engine's policies see no pod through them. Either way they report nothing of their own
 * (every rule that reads registrations requires `matchesPod`).
 */
function analyzeConfiguration(doc: PolicyDoc): PolicyFacts {
  const y = doc.yaml;
  return {
    engine: 'webhook',
    policy: { kind: doc.kind, name: doc.name },
    at: doc.at,
    rules: y
      .items(y.get(y.root, 'webhooks'))
      .map((w) => webhookRule(doc, w))
      .filter((r) => r.scope.matchesPod || r.serves),
    exemptions: [],
    unanalyzable: [],
  };
}

export const analyze: Analyze = (docs) =>
  analyzeEach('webhook', docs, analyzeConfiguration).filter((p) => p.rules.length > 0 || p.unanalyzable.length > 0);
