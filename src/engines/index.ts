/**
 * The engine registry: what routing needs of each engine (the prefilter's markers, the kinds it
 * reads), with its analysis module loaded only when a scan holds its documents, so that a scan
 * loads only the engines (and libraries: cel-js, the Rego parser) it uses. A new engine is a
 * folder plus one entry here.
 */
import type { EngineId } from '../facts';
import { lazy } from '../lazy';
import type { Analyze, Engine, EngineContext, Linking } from './types';

/** The module's `analyze`, required on first call. */
function loaded(load: () => { analyze: Analyze }): Analyze {
  const module = lazy(load);
  return (docs, raw, ctx, earlier) => module().analyze(docs, raw, ctx, earlier);
}

/** The module's `linking`, required on first use. */
function linkedBy(load: () => { linking: (ctx: EngineContext) => Linking }): (ctx: EngineContext) => Linking {
  const module = lazy(load);
  return (ctx) => module().linking(ctx);
}

const byGroup = (id: EngineId, group: RegExp, names: readonly string[], load: () => { analyze: Analyze }): Pick<Engine, 'id' | 'kinds' | 'accepts' | 'analyze'> => ({
  id,
  kinds: names,
  accepts: (apiVersion, kind) => group.test(apiVersion) && names.includes(kind),
  analyze: loaded(load),
});
const always = (): boolean => true;

const ADMISSION = /^admissionregistration\.k8s\.io\//;
const VAP = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
const PSA_LABEL_PREFIX = 'pod-security.kubernetes.io/';
const PSA_CONFIG_KINDS = ['AdmissionConfiguration', 'PodSecurityConfiguration'];

export const ENGINES: readonly Engine[] = [
  // A PolicyException amends the policies it names.
  { markers: ['kyverno.io'], standalone: (d) => d.kind !== 'PolicyException', ...byGroup('kyverno', /^kyverno\.io\//, ['ClusterPolicy', 'Policy', 'PolicyException'], () => require('./kyverno')) },
  { markers: ['PodSecurityPolicy'], standalone: always, ...byGroup('psp', /^(policy|extensions)\//, ['PodSecurityPolicy'], () => require('./psp')) },
  { markers: [VAP[0]!], ...byGroup('vap', ADMISSION, VAP, () => require('./vap')) },
  { markers: ['policies.kyverno.io'], standalone: always, ...byGroup('kyverno-cel', /^policies\.kyverno\.io\//, ['ValidatingPolicy', 'NamespacedValidatingPolicy'], () => require('./kyverno-cel')) },
  { markers: ['WebhookConfiguration'], standalone: always, ...byGroup('webhook', ADMISSION, ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'], () => require('./webhook')) },
  {
    id: 'psa',
    markers: [PSA_LABEL_PREFIX, ...PSA_CONFIG_KINDS],
    kinds: PSA_CONFIG_KINDS,
    accepts: (apiVersion, kind) =>
      (apiVersion === 'v1' && kind === 'Namespace') ||
      (kind === 'AdmissionConfiguration' && /^apiserver\.config\.k8s\.io\/v1(alpha1|beta1)?$/.test(apiVersion)) ||
      (kind === 'PodSecurityConfiguration' && /^pod-security\.admission\.config\.k8s\.io\/v1(alpha1|beta1)?$/.test(apiVersion)),
    analyze: loaded(() => require('./psa')),
  },
  {
    id: 'gatekeeper',
    markers: ['templates.gatekeeper.sh', 'constraints.gatekeeper.sh'],
    kinds: ['ConstraintTemplate'],
    accepts: (apiVersion, kind) => (/^templates\.gatekeeper\.sh\//.test(apiVersion) && kind === 'ConstraintTemplate') || /^constraints\.gatekeeper\.sh\//.test(apiVersion),
    analyze: loaded(() => require('./gatekeeper')),
    linking: linkedBy(() => require('./gatekeeper')),
  },
  // Raw files are routed by extension and skip the text prefilter.
  { id: 'rego', markers: [], kinds: [], rawExtensions: ['.rego'], accepts: () => false, analyze: loaded(() => require('./gatekeeper/raw-rego')) },
];
