/** One Kyverno validate rule → RuleFacts. */
import type { Node } from 'yaml';
import { detached, type YamlDoc } from '../../discover/yaml-doc';
import { control, controlsAtLevel, controlsForContainerField, type Control, type ControlId } from '../../catalog/controls';
import { CONTAINER_LISTS, LOCATIONS, type Check, type Enforcement, type Exemption, type Location, type RuleFacts, type SourceRef, type Unanalyzable } from '../../facts';
import { celAnalysis } from '../cel/load';
import { nodeOsSelection } from '../node-os';
import { ANY_KEY, checksFor, classifyPodPath, listRefsFor } from '../pod-paths';
import { debugVerdict, readConditions, sideReads, type Condition, type ConditionBlock } from './conditions';
import { checkSize, failure } from '../too-complex';
import { jmesReads, MAX_PATHS, substituteVariables, templateExpressions, type VarPath } from './jmespath-reads';
import { readMatch, type Reach } from './match';
import { patternFacts, type PatternFacts } from './pattern';

/** Variable name → the object paths (from the object root) it stands for. */
type Env = Map<string, string[][]>;

/**
 * Context entries whose data comes from outside the request: polcov cannot know what they hold.
 * `imageRegistry` is not one of them: its data is about the image its `reference` names.
 */
const EXTERNAL_SOURCES = ['apiCall', 'configMap', 'globalReference'] as const;

interface Acc {
  /** Context variables filled from outside the request, with where from. */
  external: Map<string, string>;
  forbidsEphemeral?: SourceRef;
  checks: Check[];
  listRefs: Partial<Record<Location, SourceRef>>;
  unanalyzable: Unanalyzable[];
  updateSkipped?: { at: SourceRef; reason: string };
  exemptions: Exemption[];
}

const MAX_FOREACH_DEPTH = 10;

/** Facts of a validate rule (undefined for mutate/generate rules); exemptions go to `exemptions`. */
export function analyzeRule(
  y: YamlDoc,
  rule: Node,
  policyEnforcement: Enforcement,
  latestMinor: number,
  exemptions: Exemption[],
  reaches: (Reach | undefined)[],
): RuleFacts | undefined {
  const validate = y.get(rule, 'validate');
  if (!validate) return undefined;
  const given = y.str(y.get(rule, 'name'));
  const name = given === undefined ? '(unnamed rule)' : detached(given);
  const at = y.ref(y.get(rule, 'name') ?? rule);
  const match = readMatch(y, rule, at);
  reaches.push(match.reach);
  const scope = match.scope;
  const acc: Acc = { external: new Map(), checks: [], listRefs: {}, unanalyzable: [], exemptions };
  const ownExemptionsFrom = exemptions.length;
  exemptions.push(...match.exemptions);

  const env: Env = new Map();
  readContext(y, rule, env, acc);
  guardUpdate(y, y.get(rule, 'preconditions'), 'preconditions', acc);
  readValidation(y, validate, env, acc, 0);
  if (y.get(validate, 'podSecurity')) podSecurity(y, y.get(validate, 'podSecurity')!, acc, latestMinor);
  const cel = y.get(validate, 'cel');
  if (cel) {
    const { analyzeCelValidations, mergeCelFacts } = celAnalysis();
    mergeCelFacts(acc, analyzeCelValidations(y, cel));
  }

  if (!scope.updateSkipped && acc.updateSkipped) scope.updateSkipped = acc.updateSkipped;
  for (const e of exemptions.slice(ownExemptionsFrom)) e.rules = [name];
  const autogen = /^autogen-(?:cronjob-)?(.+)$/.exec(name);
  // Only a host-namespace rule can be indirect HostProcess coverage: only there does the node OS matter.
  const selectingParts = (): (Node | undefined)[] => [
    ...['match', 'exclude', 'preconditions', 'context'].map((k) => y.get(rule, k)),
    ...['pattern', 'anyPattern', 'deny', 'foreach', 'cel'].map((k) => y.get(validate, k)),
  ];
  const nodeOs = acc.checks.some((c) => c.control === 'hostNamespaces') ? nodeOsSelection(y, selectingParts()) : undefined;
  return {
    name,
    at,
    checks: acc.checks,
    listRefs: acc.listRefs,
    scope,
    enforcement: ruleEnforcement(y, validate, policyEnforcement),
    unanalyzable: acc.unanalyzable,
    ...(acc.forbidsEphemeral ? { forbidsEphemeral: acc.forbidsEphemeral } : {}),
    ...(nodeOs ? { nodeOsSelection: nodeOs } : {}),
    ...(autogen ? { autogenOf: autogen[1]! } : {}),
  };
}

/** Audit, as written in any case, is a mode `--assume-enforce` may override (a typo is not). */
export const auditAction = (action: string): Pick<Enforcement, 'auditOnly'> => (action.toLowerCase() === 'audit' ? { auditOnly: true } : {});

function ruleEnforcement(y: YamlDoc, validate: Node, policy: Enforcement): Enforcement {
  const action = y.str(y.get(validate, 'failureAction'));
  // A policy kept out of admission altogether cannot be made blocking by one rule.
  if (policy.action === 'admission: false') return policy;
  const auditEverywhere = y
    .items(y.get(validate, 'failureActionOverrides'))
    .find((o) => (y.str(y.get(o, 'action')) ?? '').toLowerCase() === 'audit' && y.strings(y.get(o, 'namespaces')).includes('*'));
  if (auditEverywhere) return { action: 'Audit in every namespace (failureActionOverrides)', blocking: false, at: y.ref(auditEverywhere), auditOnly: true };
  if (!action) return policy;
  return { action, blocking: action.toLowerCase() === 'enforce', at: y.keyRef(validate, 'failureAction'), ...auditAction(action) };
}

/** The rule body: pattern, anyPattern, deny and foreach (also used inside each foreach entry). */
function readValidation(y: YamlDoc, v: Node, env: Env, acc: Acc, depth: number, bases: string[][] = [[]]): void {
  const pattern = y.get(v, 'pattern');
  if (pattern) mergePattern(acc, patternFacts(y, pattern, bases));
  const anyPattern = y.get(v, 'anyPattern');
  if (anyPattern) mergePattern(acc, intersectBranches(y.items(anyPattern).map((b) => patternFacts(y, b, bases))));
  const deny = y.get(v, 'deny');
  if (deny) {
    const block = readConditions(y, y.get(deny, 'conditions'));
    conditionChecks(block, env, acc, depth === 0);
    guardBlock(block, 'deny conditions', acc);
  }
  for (const entry of y.items(y.get(v, 'foreach'))) foreach(y, entry, env, acc, depth + 1);
}

function mergePattern(acc: Acc, p: PatternFacts): void {
  if (p.forbidsEphemeral) acc.forbidsEphemeral ??= p.forbidsEphemeral;
  acc.checks.push(...p.checks);
  acc.exemptions.push(...p.exemptions);
  for (const [loc, ref] of Object.entries(p.listRefs) as [Location, SourceRef][]) acc.listRefs[loc] ??= ref;
}

/** anyPattern passes when any branch passes: a field is only constrained if every branch constrains it. */
function intersectBranches(branches: PatternFacts[]): PatternFacts {
  if (branches.length === 0) return { checks: [], listRefs: {}, exemptions: [] };
  const key = (c: Check): string => `${c.control}|${c.location}`;
  const inAll = (c: Check): boolean => branches.every((b) => b.checks.some((o) => key(o) === key(c) && !o.presenceOnly));
  const listRefs: PatternFacts['listRefs'] = {};
  for (const b of branches) for (const [l, r] of Object.entries(b.listRefs)) listRefs[l as Location] ??= r;
  const forbids = branches.every((b) => b.forbidsEphemeral) ? { forbidsEphemeral: branches[0]!.forbidsEphemeral! } : {};
  return { checks: branches[0]!.checks.filter(inAll), listRefs, exemptions: branches.flatMap((b) => b.exemptions), ...forbids };
}

function foreach(y: YamlDoc, entry: Node, env: Env, acc: Acc, depth: number): void {
  if (depth > MAX_FOREACH_DEPTH) throw new RangeError('foreach nested too deeply');
  const listNode = y.get(entry, 'list');
  const listExpr = y.str(listNode);
  if (!listExpr) {
    acc.unanalyzable.push({ reason: 'foreach entry without a list', at: y.ref(entry) });
    return;
  }
  let bases: string[][];
  let results: VarPath[];
  try {
    const exprs = listExpr.includes('{{') ? templateExpressions(listExpr) : [listExpr];
    results = exprs.flatMap((e) => jmesReads(e).results);
    bases = checkSize(results.flatMap((p) => resolve(p, env)), MAX_PATHS, `foreach list "${listExpr}"`);
  } catch (e) {
    acc.unanalyzable.push({ reason: failure(e, 'foreach list is not valid JMESPath'), at: y.ref(listNode) });
    return;
  }
  const listAt = y.ref(listNode);
  // Elements that come from an API call or a ConfigMap may well be containers: fail closed.
  const external = results.map((p) => p[0] ?? '').find((root) => acc.external.has(root));
  if (external && elementsCouldBeChecked(y, entry, env, acc, depth)) {
    acc.unanalyzable.push({
      reason: `foreach iterates "${listExpr}", built from context variable ${external} (${acc.external.get(external)}), which is resolved only at admission`,
      at: listAt,
    });
  }
  for (const b of bases) {
    for (const r of classifyPodPath(b)) if (r.location !== 'pod' && r.field === '') acc.listRefs[r.location] ??= listAt;
  }
  const inner: Env = new Map(env);
  inner.set('element', bases);
  inner.set(`element${depth - 1}`, bases);
  readContext(y, entry, inner, acc);
  guardUpdate(y, y.get(entry, 'preconditions'), 'foreach preconditions', acc);
  readValidation(y, entry, inner, acc, depth, bases);
}

/**
 * Elements fetched from outside the request matter only if the entry would check a control were
 * they containers or Pods; a list of PodDisruptionBudgets compared by replica counts decides none.
 */
function elementsCouldBeChecked(y: YamlDoc, entry: Node, env: Env, acc: Acc, depth: number): boolean {
  const scratch: Acc = { external: acc.external, checks: [], listRefs: {}, unanalyzable: [], exemptions: [] };
  const bases = [['spec', 'containers'], []];
  const inner: Env = new Map(env);
  inner.set('element', bases);
  inner.set(`element${depth - 1}`, bases);
  readValidation(y, entry, inner, scratch, depth, bases);
  return scratch.checks.length > 0 || scratch.unanalyzable.length > 0;
}

/**
 * `context` variables of a rule or foreach entry: JMESPath over the request (`variable.jmesPath`),
 * and image data (`imageRegistry.reference: "{{ element.image }}"`), which stands for the image read.
 */
function readContext(y: YamlDoc, rule: Node, env: Env, acc: Acc): void {
  for (const c of y.items(y.get(rule, 'context'))) {
    const name = y.str(y.get(c, 'name'));
    if (!name) continue;
    const reference = y.at(c, 'imageRegistry', 'reference');
    if (reference) {
      imageContext(y, name, reference, env, acc);
      continue;
    }
    const source = EXTERNAL_SOURCES.find((k) => y.get(c, k) !== undefined);
    if (source) acc.external.set(name, source);
    // `variable.jmesPath` is JMESPath; `variable.value` may hold a `{{ }}` template over the request.
    const jmesPath = y.str(y.at(c, 'variable', 'jmesPath'));
    const value = y.str(y.at(c, 'variable', 'value'));
    const exprs = jmesPath !== undefined ? jmesPathExpressions(jmesPath) : value?.includes('{{') ? undefined : [];
    if (exprs?.length === 0) continue;
    try {
      const sources = exprs ?? templateExpressions(value!);
      env.set(name, checkSize(sources.flatMap((e) => jmesReads(e).results).flatMap((p) => resolve(p, env)), MAX_PATHS, `context variable ${name}`));
    } catch (e) {
      acc.unanalyzable.push({ reason: failure(e, `context variable ${name} is not valid JMESPath`), at: y.ref(c) });
    }
  }
}

/** An `imageRegistry` context: the variable stands for the image fields its reference reads. */
function imageContext(y: YamlDoc, name: string, reference: Node, env: Env, acc: Acc): void {
  try {
    const reads = templateExpressions(y.str(reference) ?? '').flatMap((e) => jmesReads(e).results);
    env.set(name, reads.flatMap((p) => resolve(p, env)));
  } catch (e) {
    acc.unanalyzable.push({ reason: `imageRegistry reference of ${name} is not valid JMESPath: ${(e as Error).message}`, at: y.ref(reference) });
  }
}

/** A `jmesPath` with `{{ }}` inside: the variables Kyverno substitutes first, then the expression around them. */
function jmesPathExpressions(text: string): string[] {
  if (!text.includes('{{')) return [text];
  const { expressions, rest } = substituteVariables(text);
  return [...expressions, rest];
}

/**
 * A variable path → object paths. `request.object` is the admitted object; Kyverno's built-in
 * `images` maps each list to container name → parsed image (`images.containers.*.registry`), so it
 * reads the `image` of that list; other roots come from env.
 */
function resolve(p: VarPath, env: Env): string[][] {
  if (p[0] === 'request' && p[1] === 'object') return [p.slice(2)];
  const bound = p[0] !== undefined ? env.get(p[0]) : undefined;
  if (bound) return bound.map((b) => [...b, ...p.slice(1)]);
  if (p[0] === 'images' && p[1] !== undefined && (IMAGE_LISTS as readonly string[]).includes(p[1])) return [['spec', p[1], 'image', ...p.slice(3)]];
  return [];
}

/** Keys of the built-in `images` variable: the container lists, or any (`images.*`). */
const IMAGE_LISTS = [...CONTAINER_LISTS, ANY_KEY] as const;

/**
 * Deny conditions read fields. Outside a foreach, a key that lists the containers' values with
 * `AllIn`/`AllNotIn` denies only when every container matches, so one good container passes: the key
 * constrains no single container (`existential`). The value side is the set compared against.
 */
function conditionChecks(block: ConditionBlock, env: Env, acc: Acc, wholePod: boolean): void {
  const guard = wholePod ? undefined : unsettableGuard(block.all, env);
  for (const c of [...block.all, ...block.any]) {
    const existential = wholePod && /^all(not)?in$/i.test(c.operator);
    let sides: { paths: string[][]; extra: Partial<Check> }[];
    try {
      const bounded = (paths: string[][]): string[][] => checkSize(paths, MAX_PATHS * 10, 'a condition');
      sides = [
        { paths: bounded(sideReads(c.key).flatMap((p) => resolve(p, env))), extra: { ...(existential ? { existential: true } : {}), ...(guard ? { onlyWith: guard } : {}) } },
        { paths: bounded(sideReads(c.value).flatMap((p) => resolve(p, env))), extra: guard ? { onlyWith: guard } : {} },
      ];
    } catch (e) {
      acc.unanalyzable.push({ reason: failure(e, 'condition is not valid JMESPath'), at: c.at });
      continue;
    }
    for (const { paths, extra } of sides) {
      for (const p of paths) {
        const reads = classifyPodPath(p);
        acc.checks.push(...checksFor(reads.filter((r) => r.location === 'pod'), c.at), ...checksFor(reads.filter((r) => r.location !== 'pod'), c.at, extra));
        listRefsFor(reads, c.at, acc.listRefs);
      }
    }
  }
}

/** A key that is one field, absent or defaulted to '': no numeric comparison holds for it when the field is unset. */
const PLAIN_FIELD_KEY = /^\{\{\s*[^{}|]+?\s*(\|\|\s*''\s*)?\}\}$/;
const NUMERIC_OPERATORS = /^(greaterthan|greaterthanorequals|lessthan|lessthanorequals)$/i;

/**
 * In a foreach's `all` deny conditions, a numeric comparison of one element field that an ephemeral
 * container cannot set (`resources.limits."nvidia.com/gpu" > 0`): the deny only holds for containers
 * that set it, so every check of the block concerns those only. That field's control.
 */
function unsettableGuard(all: Condition[], env: Env): ControlId | undefined {
  for (const c of all) {
    if (!NUMERIC_OPERATORS.test(c.operator) || typeof c.key !== 'string' || !PLAIN_FIELD_KEY.test(c.key.trim())) continue;
    const fields = sideReads(c.key).flatMap((p) => resolve(p, env)).flatMap((p) => classifyPodPath(p)).filter((r) => r.location !== 'pod');
    const controls = fields.flatMap((r) => controlsForContainerField(r.field));
    if (fields.length > 0 && controls.length > 0 && controls.every((id) => !control(id).ephemeralSettable)) return controls[0];
  }
  return undefined;
}

function guardUpdate(y: YamlDoc, node: Node | undefined, what: string, acc: Acc): void {
  if (node) guardBlock(readConditions(y, node), what, acc, true);
}

const conditionText = (c: Condition): string => `${JSON.stringify(c.key)} ${c.operator} ${JSON.stringify(c.value)}`;
const readsEphemeralList = (p: VarPath): boolean =>
  p[0] === 'request' && p[1] === 'object' && p[2] === 'spec' && p[3] === 'ephemeralContainers';

/**
 * Conditions that decide whether the rule runs (preconditions) or denies (deny, in an `all` block):
 * one that never holds for kubectl debug skips it; one polcov cannot evaluate is reported. A
 * precondition that looks at the ephemeral containers themselves decides exactly which debug
 * containers are checked, so it fails closed too.
 */
function guardBlock(block: ConditionBlock, what: string, acc: Acc, precondition = false): void {
  const first = block.all[0] ?? block.any[0];
  try {
    const onEphemeral = precondition ? [...block.all, ...block.any].find((c) => [...sideReads(c.key), ...sideReads(c.value)].some(readsEphemeralList)) : undefined;
    if (onEphemeral) {
      acc.unanalyzable.push({ reason: `${what} test the ephemeral containers themselves (${conditionText(onEphemeral)}): which debug containers are checked cannot be told`, at: onEphemeral.at, guard: true });
    }
    const verdict = debugVerdict(block);
    if (verdict.excludedBy && !acc.updateSkipped) {
      acc.updateSkipped = { at: verdict.excludedBy.at, reason: `${what} test ${conditionText(verdict.excludedBy)}, never true for kubectl debug` };
    } else if (verdict.undecidable) {
      acc.unanalyzable.push({ reason: `${what} test the request in a way polcov cannot evaluate: ${conditionText(verdict.undecidable)}`, at: verdict.undecidable.at, guard: true });
    }
  } catch (e) {
    // Deny conditions report invalid JMESPath where their fields are read; preconditions only here.
    if (precondition && first) acc.unanalyzable.push({ reason: failure(e, `${what} are not valid JMESPath`), at: first.at, guard: true });
  }
}

/** `validate.podSecurity`: the PSA checks of a level on every list and the pod level, minus exclusions. */
function podSecurity(y: YamlDoc, ps: Node, acc: Acc, latestMinor: number): void {
  const level = (y.str(y.get(ps, 'level')) ?? '').toLowerCase();
  if (level !== 'baseline' && level !== 'restricted' && level !== 'privileged') {
    acc.unanalyzable.push({ reason: `unknown podSecurity level "${level}"`, at: y.keyRef(ps, 'level') });
    return;
  }
  const version = y.str(y.get(ps, 'version')) ?? 'latest';
  const minor = version === 'latest' ? latestMinor : Number(/^v?1\.(\d+)$/.exec(version)?.[1] ?? NaN);
  if (Number.isNaN(minor)) {
    acc.unanalyzable.push({ reason: `unknown podSecurity version "${version}"`, at: y.keyRef(ps, 'version') });
    return;
  }
  const at = y.keyRef(ps, 'level');
  for (const l of LOCATIONS) acc.listRefs[l] ??= at;
  let checks = controlsAtLevel(level, minor).flatMap((c) => controlChecks(c, at));
  for (const ex of y.items(y.get(ps, 'exclude'))) {
    const controlName = y.str(y.get(ex, 'controlName')) ?? '';
    const images = y.strings(y.get(ex, 'images'));
    const field = y.str(y.get(ex, 'restrictedField'));
    const values = y.get(ex, 'values');
    const imagesNode = y.get(ex, 'images');
    const imageNodes = y.isSeq(imagesNode) ? y.items(imagesNode) : [imagesNode];
    const controls = controlsAtLevel('restricted', 99).filter((k) => k.pssName === controlName).map((k) => k.id);
    images.forEach((img, i) => {
      acc.exemptions.push({ kind: 'image', value: img, at: y.ref(imageNodes[i] ?? imagesNode), admitsArbitraryDebug: true, controls });
    });
    if (field && !values) {
      acc.unanalyzable.push({ reason: `podSecurity exclusion of ${field} has no values: Kyverno rejects it`, at: y.ref(ex) });
      continue;
    }
    // Named images keep the control for every other image; "*" (or no images) lifts it for all.
    if (images.length > 0 && !images.includes('*')) continue;
    // `values` allows those values at the field: the control no longer holds there.
    const reads = field ? classifyPodPath(field.replace(/\[[^\]]*\]/g, '').split('.')) : undefined;
    const lifted = (c: Check): boolean =>
      controlOfName(c, controlName) &&
      (!reads || reads.some((r) => r.location === c.location && (r.location !== 'pod' || c.field === r.field)));
    checks = checks.filter((c) => !lifted(c));
  }
  acc.checks.push(...checks);
}

function controlOfName(c: Check, name: string): boolean {
  return controlsAtLevel('restricted', 99).some((k) => k.id === c.control && k.pssName === name);
}

function controlChecks(c: Control, at: SourceRef): Check[] {
  const pod = c.podFields.map((f): Check => ({ control: c.id, location: 'pod', field: f, at }));
  const lists = CONTAINER_LISTS.flatMap((l) =>
    c.containerFields.map((f): Check => ({ control: c.id, location: l, field: f, at })),
  );
  return [...pod, ...lists];
}
