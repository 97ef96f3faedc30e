/**
 * Pod Security Admission: Namespace labels (`pod-security.kubernetes.io/<mode>[-version]`) and the
 * PodSecurity plugin configuration (`defaults`, `exemptions`), bare or inside an
 * AdmissionConfiguration. Only `enforce` blocks.
 *
 * A Namespace is evaluated like upstream `api.PolicyToEvaluate(labels, defaults)`: it starts from
 * the configured defaults and each label replaces only its own level or version. A Namespace that
 * writes an enforce level or version carries its resolved enforce rule, and the defaults do not
 * apply there (`excludedNamespaces`). An exempt namespace (`exemptions.namespaces`) is a regime of
 * its own, with or without a scanned Namespace manifest: nothing blocks there.
 */
import type { Node } from 'yaml';
import type { Exemption, PolicyFacts, RuleFacts, SourceRef } from '../../facts';
import { analyzeEach } from '../guard';
import type { Analyze, EngineContext, PolicyDoc } from '../types';
import { modeRules, PRIVILEGED_LATEST, readModes, type Modes } from './modes';

const LABEL_PREFIX = 'pod-security.kubernetes.io/';
const ENFORCE_LABEL = `${LABEL_PREFIX}enforce`;
const CONFIG_KINDS = ['AdmissionConfiguration', 'PodSecurityConfiguration'];
/** PSA is on by default from 1.23 (beta); in 1.22 it needed a feature gate. */
const FIRST_MINOR = 23;

/** The PodSecurity configuration map of a config document, if it is written inline. */
export function podSecurityConfig(doc: PolicyDoc): Node | undefined {
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
  if (ctx.kubernetesMinor >= FIRST_MINOR) return rules;
  return disable(rules, `Pod Security Admission is not enabled by default before Kubernetes 1.${FIRST_MINOR}`, d.at);
}

interface Config {
  doc: PolicyDoc;
  defaults: Modes;
  exemptions: Exemption[];
}

function readConfig(doc: PolicyDoc, ctx: EngineContext): Config {
  const config = podSecurityConfig(doc);
  const defaults = readModes(doc.yaml, doc.yaml.get(config, 'defaults'), '', ctx.kubernetesMinor, PRIVILEGED_LATEST, 'config');
  return { doc, defaults, exemptions: readExemptions(doc, config) };
}

interface ExemptNamespace {
  exemption: Exemption;
  config: Config;
}

/** A namespace exempt in the configuration: nothing blocks there, whatever its labels say. */
const exemptAction = (e: ExemptNamespace): string => `exempt in ${e.config.doc.kind}`;

/**
 * An exempt namespace that no scanned Namespace manifest labels still is a regime of its own: one
 * non-blocking rule at the exemption entry. Named after the mode it switches off, so set-level
 * findings explain the namespace by it.
 */
function exemptNamespaceFacts(e: ExemptNamespace): PolicyFacts {
  const at = e.exemption.at;
  return {
    engine: 'psa',
    policy: { kind: 'Namespace', name: e.exemption.value },
    at,
    rules: [
      {
        name: 'enforce',
        at,
        checks: [],
        listRefs: {},
        scope: { matchesPod: true, ephemeralSubresource: 'yes', subresourceAt: at },
        enforcement: { blocking: false, action: exemptAction(e), at },
        unanalyzable: [],
      },
    ],
    exemptions: [],
    unanalyzable: [],
    namespaces: [e.exemption.value],
  };
}

export const analyze: Analyze = (docs, _raw, ctx) => {
  const namespaces = docs.filter((d) => d.kind === 'Namespace' && d.yaml.pairs(labels(d)).some((p) => p.key.startsWith(LABEL_PREFIX)));
  const configs = docs.filter((d) => CONFIG_KINDS.includes(d.kind) && podSecurityConfig(d)).map((d) => readConfig(d, ctx));
  // A cluster has one PodSecurity configuration; with several scanned, the first one's defaults apply.
  const defaults = configs[0]?.defaults.resolved ?? PRIVILEGED_LATEST;
  const exempt = new Map<string, ExemptNamespace>();
  for (const config of configs) {
    for (const exemption of config.exemptions) {
      if (exemption.kind === 'namespace' && !exempt.has(exemption.value)) exempt.set(exemption.value, { exemption, config });
    }
  }

  const namespaceFacts = analyzeEach('psa', namespaces, (d): PolicyFacts => {
    const modes = readModes(d.yaml, labels(d), LABEL_PREFIX, ctx.kubernetesMinor, defaults, 'labels');
    let rules = tooOld(modeRules(modes.settings, modes.resolved.enforce.level), d, ctx);
    const e = exempt.get(d.name);
    if (e) rules = disable(rules, exemptAction(e), e.exemption.at);
    return { engine: 'psa', policy: { kind: d.kind, name: d.name }, at: d.at, rules, exemptions: [], unanalyzable: modes.problems, namespaces: [d.name] };
  });
  const labelled = new Set(namespaces.map((d) => d.name));
  const exemptFacts = [...exempt.values()].filter((e) => !labelled.has(e.exemption.value)).map(exemptNamespaceFacts);

  // The defaults do not reach a Namespace that writes its own enforce level or version, nor an exempt one.
  const overriding = [
    ...namespaceFacts.filter((p) => p.rules.some((r) => r.name === ENFORCE_LABEL)).map((p) => p.policy.name),
    ...exempt.keys(),
  ];
  const configFacts = configs.map(({ doc, defaults: d, exemptions }): PolicyFacts => ({
    engine: 'psa',
    policy: { kind: doc.kind, name: doc.name === '(unnamed)' ? 'PodSecurity' : doc.name },
    at: doc.at,
    rules: tooOld(modeRules(d.settings, d.resolved.enforce.level), doc, ctx),
    exemptions,
    unanalyzable: d.problems,
    ...(overriding.length > 0 ? { excludedNamespaces: [...new Set(overriding)].sort() } : {}),
  }));
  return [...namespaceFacts, ...exemptFacts, ...configFacts];
};

function labels(d: PolicyDoc): Node | undefined {
  return d.yaml.at(d.yaml.root, 'metadata', 'labels');
}
