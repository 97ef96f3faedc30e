/**
 * Kyverno autogen (kyverno/pkg/autogen/v1): a policy on Pods also gets `autogen-<rule>` for the
 * Pod controllers and `autogen-cronjob-<rule>` for CronJobs, with the pattern moved under the pod
 * template and `request.object.spec`/`metadata` rewritten to the template's.
 */
import { isMap } from './values';

type Rule = Record<string, unknown>;

const CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];
const POD_AND_CONTROLLERS = new Set(['Pod', ...CONTROLLERS, 'CronJob']);
export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

const VERSION = /^(v\d+((alpha|beta)\d+)?|\*)$/;

/** The kind a kind selector names, without group, version and subresource (Kyverno's ContainsKind). */
function bareKind(selector: string): string {
  const parts = selector.split('/');
  const pick = parts.length === 1 ? parts[0]! : parts.length === 2 ? (VERSION.test(parts[0]!) ? parts[1]! : parts[0]!) : parts.length === 3 ? (VERSION.test(parts[0]!) ? parts[1]! : parts[2]!) : parts[2]!;
  return pick.split('.')[0]!;
}

const kindsOf = (filter: unknown): string[] => {
  const res = isMap(filter) && isMap(filter.resources) ? filter.resources : {};
  return Array.isArray(res.kinds) ? res.kinds.filter((k): k is string => typeof k === 'string') : [];
};
const filtersOf = (block: unknown): unknown[] => {
  if (!isMap(block)) return [];
  const any = Array.isArray(block.any) ? block.any : [];
  const all = Array.isArray(block.all) ? block.all : [];
  return [block, ...any, ...all];
};
const containsKind = (kinds: string[], kind: string): boolean => kinds.some((k) => bareKind(k) === kind);

/** Whether autogen applies to the policy at all (no rule narrows by name, selector or a Pod+other kinds list). */
function canAutogen(rules: Rule[]): boolean {
  let needed = false;
  for (const rule of rules) {
    if (rule.generate) return false;
    for (const f of [...filtersOf(rule.match), ...filtersOf(rule.exclude)]) {
      const res = isMap(f) && isMap(f.resources) ? f.resources : {};
      const kinds = kindsOf(f);
      const names = Array.isArray(res.names) ? res.names : [];
      if (res.name || names.length > 0 || res.selector || res.annotations || (kinds.length > 1 && containsKind(kinds, 'Pod'))) return false;
      needed ||= kinds.some((k) => POD_AND_CONTROLLERS.has(k));
    }
  }
  return needed;
}

const autogenName = (prefix: string, name: string): string => `${prefix}-${name}`.slice(0, 63);

function replaceKinds(block: unknown, kinds: string[], onlyWith?: string): unknown {
  if (!isMap(block)) return block;
  const swap = (f: unknown): unknown => {
    if (!isMap(f)) return f;
    if (onlyWith && !containsKind(kindsOf(f), onlyWith)) return f;
    return { ...f, resources: { ...(isMap(f.resources) ? f.resources : {}), kinds } };
  };
  if (Array.isArray(block.any) && block.any.length > 0) return { ...block, any: block.any.map(swap) };
  if (Array.isArray(block.all) && block.all.length > 0) return { ...block, all: block.all.map(swap) };
  return swap(block);
}

function generate(rule: Rule, name: string, tplKey: string, kinds: string[], onlyWith?: string): Rule | undefined {
  const validate = isMap(rule.validate) ? rule.validate : undefined;
  if (!validate) return undefined;
  const out: Rule = { ...rule, name, match: replaceKinds(rule.match, kinds, onlyWith) };
  if (isMap(rule.exclude)) {
    const ex = rule.exclude;
    const legacy = !(Array.isArray(ex.any) && ex.any.length) && !(Array.isArray(ex.all) && ex.all.length);
    out.exclude = legacy && kindsOf(ex).length === 0 ? ex : replaceKinds(ex, kinds, onlyWith);
  }
  const wrap = (p: unknown): unknown => ({ spec: { [tplKey]: p } });
  if (validate.pattern !== undefined) out.validate = { ...validate, pattern: wrap(validate.pattern) };
  else if (Array.isArray(validate.anyPattern)) out.validate = { ...validate, anyPattern: validate.anyPattern.map(wrap) };
  return out;
}

type Target = 'pod' | 'cronjob';

/** Replacement pairs for JMESPath rules and, without the `request.` prefix, for CEL rules. */
const REWRITES: Record<Target, [string, string][]> = {
  pod: [
    ['request.object.spec', 'request.object.spec.template.spec'],
    ['request.oldObject.spec', 'request.oldObject.spec.template.spec'],
    ['request.object.metadata', 'request.object.spec.template.metadata'],
    ['request.oldObject.metadata', 'request.oldObject.spec.template.metadata'],
  ],
  cronjob: [
    ['request.object.spec', 'request.object.spec.jobTemplate.spec.template.spec'],
    ['request.oldObject.spec', 'request.oldObject.spec.jobTemplate.spec.template.spec'],
    ['request.object.metadata', 'request.object.spec.jobTemplate.spec.template.metadata'],
    ['request.oldObject.metadata', 'request.oldObject.spec.jobTemplate.spec.template.metadata'],
  ],
};

/** Kyverno rewrites the rule's JSON text, every occurrence, in order. */
function rewrite(rule: Rule, kind: Target): Rule {
  const cel = isMap(rule.validate) && rule.validate.cel !== undefined;
  let text = JSON.stringify(rule);
  for (const [from, to] of REWRITES[kind]) {
    const [f, t] = cel ? [from.replace(/^request\./, ''), to.replace(/^request\./, '')] : [from, to];
    text = text.split(f).join(t);
  }
  return JSON.parse(text) as Rule;
}

/** The policy's rules followed by the rules autogen adds for Pod controllers and CronJobs. */
export function computeRules(rules: Rule[], annotations: Record<string, unknown>): Rule[] {
  if (!canAutogen(rules)) return rules;
  const annotated = annotations[AUTOGEN_ANNOTATION];
  const controllers = typeof annotated === 'string' ? annotated.split(',').map((s) => s.trim()) : [...CONTROLLERS, 'CronJob'];
  if (controllers.includes('none')) return rules;
  const all = controllers.includes('all');
  const forControllers = all ? CONTROLLERS : controllers.filter((c) => CONTROLLERS.includes(c)).sort();
  const withCronJob = all || controllers.includes('CronJob');
  const generated: Rule[] = [];
  for (const rule of rules) {
    const name = String(rule.name ?? '');
    const matchKinds = filtersOf(rule.match).flatMap(kindsOf);
    const excludeKinds = filtersOf(rule.exclude).flatMap(kindsOf);
    if (name.startsWith('autogen-') || !containsKind(matchKinds, 'Pod') || (excludeKinds.length > 0 && !containsKind(excludeKinds, 'Pod'))) continue;
    // The CronJob rule is built from the controller rule (pattern already under `spec.template`).
    const base = generate(rule, autogenName('autogen', name), 'template', forControllers.length > 0 ? forControllers : controllers, 'Pod');
    if (base && forControllers.length > 0) generated.push(rewrite(base, 'pod'));
    const cron = withCronJob && base ? generate(base, autogenName('autogen-cronjob', name), 'jobTemplate', ['CronJob']) : undefined;
    if (cron) generated.push(rewrite(cron, 'cronjob'));
  }
  if (generated.length === 0) return rules;
  return [...rules.filter((r) => !String(r.name ?? '').startsWith('autogen-')), ...generated];
}
