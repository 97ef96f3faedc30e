/**
 * Pod Security Admission: Namespace labels (`pod-security.kubernetes.io/<mode>[-version]`) and the
 * PodSecurity plugin configuration (`defaults`, `exemptions`), bare or inside an
 * AdmissionConfiguration. Only `enforce` blocks. A Namespace's own label replaces the default for
 * that mode, so a cluster-wide default does not apply where a Namespace sets its own enforce level.
 */
import type { Node } from 'yaml';
import type { Exemption, PolicyFacts, RuleFacts, SourceRef } from '../../facts';
import { analyzeEach } from '../guard';
import type { Engine, EngineContext, PolicyDoc } from '../types';
import { enforcedLevel, modeRules, readModes, type Modes } from './modes';

const LABEL_PREFIX = 'pod-security.kubernetes.io/';
const CONFIG_KINDS = ['AdmissionConfiguration', 'PodSecurityConfiguration'];
/** PSA is on by default from 1.23 (beta); in 1.22 it needed a feature gate. */
const FIRST_MINOR = 23;

/** The PodSecurity configuration map of a config document, if it is written inline. */
function podSecurityConfig(doc: PolicyDoc): Node | undefined {
  const y = doc.yaml;
  if (doc.kind === 'PodSecurityConfiguration') return y.root;
  const plugin = y.items(y.get(y.root, 'plugins')).find((p) => y.str(y.get(p, 'name')) === 'PodSecurity');
  return y.get(plugin, 'configuration');
}

const EXEMPTION_KINDS = { usernames: 'user', namespaces: 'namespace', runtimeClasses: 'runtimeClass' } as const;

function readExemptions(doc: PolicyDoc, config: Node | undefined): Exemption[] {
  const y = doc.yaml;
  const exemptions = y.get(config, 'exemptions');
  return (Object.keys(EXEMPTION_KINDS) as (keyof typeof EXEMPTION_KINDS)[]).flatMap((key) =>
    y.items(y.get(exemptions, key)).map((n) => ({ kind: EXEMPTION_KINDS[key], value: y.str(n) ?? '', at: y.ref(n), admitsArbitraryDebug: true })),
  );
}

/** Rules stop blocking where PSA does not run: an exempt namespace, or a cluster too old for it. */
function disable(rules: RuleFacts[], action: string, at: SourceRef): RuleFacts[] {
  return rules.map((r) => ({ ...r, enforcement: { blocking: false, action, at } }));
}

function tooOld(rules: RuleFacts[], d: PolicyDoc, ctx: EngineContext): RuleFacts[] {
  if (!ctx.explicitVersion || ctx.kubernetesMinor >= FIRST_MINOR) return rules;
  return disable(rules, `Pod Security Admission is not enabled by default before Kubernetes 1.${FIRST_MINOR}`, d.at);
}

interface Config {
  doc: PolicyDoc;
  defaults: Modes;
  exemptions: Exemption[];
}

function readConfig(doc: PolicyDoc, ctx: EngineContext): Config {
  const config = podSecurityConfig(doc);
  return { doc, defaults: readModes(doc.yaml, doc.yaml.get(config, 'defaults'), '', ctx.kubernetesMinor), exemptions: readExemptions(doc, config) };
}

function analyze(docs: PolicyDoc[], ctx: EngineContext): PolicyFacts[] {
  const namespaces = docs.filter((d) => d.kind === 'Namespace' && d.yaml.pairs(labels(d)).some((p) => p.key.startsWith(LABEL_PREFIX)));
  const configs = docs.filter((d) => CONFIG_KINDS.includes(d.kind) && podSecurityConfig(d)).map((d) => readConfig(d, ctx));
  const exemptNamespaces = configs.flatMap((c) => c.exemptions).filter((e) => e.kind === 'namespace');
  // A Namespace without its own enforce label is held to the default enforce level.
  const inherited = configs.map((c) => enforcedLevel(c.defaults.settings)).find((l) => l !== undefined);

  const namespaceFacts = analyzeEach('psa', namespaces, (d): PolicyFacts => {
    const modes = readModes(d.yaml, labels(d), LABEL_PREFIX, ctx.kubernetesMinor);
    let rules = tooOld(modeRules(modes.settings, inherited), d, ctx);
    const exempt = exemptNamespaces.find((e) => e.value === d.name);
    if (exempt) rules = disable(rules, 'namespace exempt from Pod Security Admission', exempt.at);
    return { engine: 'psa', policy: { kind: d.kind, name: d.name }, at: d.at, rules, exemptions: [], unanalyzable: modes.problems, namespaces: [d.name] };
  });
  // The defaults do not reach a Namespace with its own enforce label, nor an exempt one.
  const overriding = [
    ...namespaceFacts.filter((p) => p.rules.some((r) => r.name === `${LABEL_PREFIX}enforce`)).map((p) => p.policy.name),
    ...exemptNamespaces.map((e) => e.value),
  ];
  const configFacts = configs.map(({ doc, defaults, exemptions }): PolicyFacts => ({
    engine: 'psa',
    policy: { kind: doc.kind, name: doc.name === '(unnamed)' ? 'PodSecurity' : doc.name },
    at: doc.at,
    rules: tooOld(modeRules(defaults.settings), doc, ctx),
    exemptions,
    unanalyzable: defaults.problems,
    ...(overriding.length > 0 ? { excludedNamespaces: [...new Set(overriding)].sort() } : {}),
  }));
  return [...namespaceFacts, ...configFacts];
}

function labels(d: PolicyDoc): Node | undefined {
  return d.yaml.at(d.yaml.root, 'metadata', 'labels');
}

export const psaEngine: Engine = {
  id: 'psa',
  markers: [LABEL_PREFIX, ...CONFIG_KINDS],
  kinds: CONFIG_KINDS,
  accepts: (apiVersion, kind) =>
    (apiVersion === 'v1' && kind === 'Namespace') ||
    (kind === 'AdmissionConfiguration' && /^apiserver\.config\.k8s\.io\/v1(alpha1|beta1)?$/.test(apiVersion)) ||
    (kind === 'PodSecurityConfiguration' && /^pod-security\.admission\.config\.k8s\.io\/v1(alpha1|beta1)?$/.test(apiVersion)),
  analyze: (docs, _raw, ctx) => analyze(docs, ctx),
};
