/**
 * Kyverno ClusterPolicy / Policy validate rules on one resource, as the Kyverno engine and CLI
 * report them: one response per rule that matches (pass, fail, skip, error), in the order of the
 * rules after autogen (kyverno/pkg/engine/handlers/validation/validate_resource.go).
 */
import { asObject, nameOf, nsOf, type AdmissionRequest, type KubeObject } from '../../admission';
import type { PodSecurityExclusion } from '../pss';
import { computeRules } from './autogen';
import { evaluateCelRule } from './cel-rule';
import { imageInfo } from './image';
import { evaluatePssRule } from './pss-rule';
import { NotFoundError, query } from './jmespath';
import { RolesUnknown, ruleMismatch, selectorMatches, type RequestInfo } from './match';
import { evaluateOperator } from './operators';
import { mutateRule, type MutateHelpers } from './mutate';
import { matchPattern } from './pattern';
import { substituteAll } from './substitute';
import { asList, isMap, wildcardMatch } from './values';

export type RuleStatus = 'pass' | 'fail' | 'skip' | 'error' | 'warn' | 'undecided';

export interface RuleResponse {
  rule: string;
  status: RuleStatus;
  message: string;
  /** Mutate rules: the resource after the rule. */
  patched?: KubeObject;
}

export interface PolicyResponse {
  policy: string;
  namespace?: string;
  /** Enforce when a failing rule blocks the request. */
  enforce: (rule: string) => boolean;
  rules: RuleResponse[];
  /** The resource after the policy's mutate rules (the input when none changed it). */
  patched?: KubeObject;
}

export interface EvalInput {
  request: AdmissionRequest;
  resource: KubeObject;
  namespaceLabels: Record<string, string>;
  info: RequestInfo;
  exceptions: KubeObject[];
  /** Values the test supplies (values file): global, per rule, per resource; dotted keys set nested paths. */
  values: (policy: string, rule: string) => Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** Thrown where a context entry needs cluster data the test did not supply. */
class NeedsClusterData extends Error {}

/** Sets a dotted path in a copy of `data`, copying only the maps on the way. */
function setPath(data: Json, dotted: string, value: unknown): Json {
  const [head, ...rest] = dotted.split('.');
  return { ...data, [head!]: rest.length === 0 ? value : setPath(asObject(data[head!]), rest.join('.'), value) };
}

/** Kyverno's `images` variable: container images by list and name, for Pods and pod templates. */
function imagesOf(resource: KubeObject): Json | undefined {
  const spec = asObject(resource.spec);
  const podSpec =
    resource.kind === 'Pod' ? spec : resource.kind === 'CronJob' ? asObject(asObject(asObject(asObject(spec.jobTemplate).spec).template).spec) : asObject(asObject(spec.template).spec);
  const out: Json = {};
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const entries = asList(podSpec[list]).filter(isMap).filter((c) => typeof c.image === 'string');
    if (entries.length > 0) out[list] = Object.fromEntries(entries.map((c) => [String(c.name ?? ''), { ...imageInfo(c.image as string) }]));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function baseContext(input: EvalInput): Json {
  const { request: req, info } = input;
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(info.username);
  const data: Json = {
    request: {
      uid: req.uid,
      kind: req.kind,
      resource: req.resource,
      subResource: req.subResource ?? '',
      name: req.name ?? '',
      namespace: req.namespace ?? '',
      operation: req.operation,
      // Kyverno marshals RequestInfo with omitempty: absent fields are absent, not empty.
      userInfo: { ...(info.username ? { username: info.username } : {}), ...(info.groups.length ? { groups: info.groups } : {}) },
      ...(info.roles.length ? { roles: info.roles } : {}),
      ...(info.clusterRoles.length ? { clusterRoles: info.clusterRoles } : {}),
      object: req.operation === 'DELETE' ? null : input.resource,
      oldObject: req.oldObject ?? null,
      dryRun: req.dryRun ?? false,
      options: req.options ?? null,
    },
    serviceAccountName: sa ? sa[2] : '',
    serviceAccountNamespace: sa ? sa[1] : '',
  };
  const images = imagesOf(input.resource);
  if (images) data.images = images;
  return data;
}

/** Loads `context` entries; values the test supplies win; cluster lookups without values need cluster data. */
function loadContext(entries: unknown[], data: Json, supplied: Record<string, unknown>): Json {
  let out = data;
  for (const e of entries.filter(isMap)) {
    const name = String(e.name ?? '');
    if (Object.keys(supplied).some((k) => k === name || k.startsWith(`${name}.`))) continue;
    if (isMap(e.variable)) out = setPath(out, name, variableEntry(e.variable, out, name));
    else {
      const kind = ['configMap', 'apiCall', 'globalReference', 'imageRegistry'].find((k) => e[k] !== undefined) ?? 'unknown';
      throw new NeedsClusterData(`context entry ${name} (${kind}) needs cluster data the test does not supply`);
    }
  }
  return out;
}

function variableEntry(v: Json, data: Json, name: string): unknown {
  let result: unknown = null;
  try {
    const value = v.value === undefined ? undefined : substituteAll(v.value, data);
    if (typeof v.jmesPath === 'string') {
      const path = substituteAll(v.jmesPath, data) as string;
      result = query(path, value === undefined ? data : value);
    } else result = value ?? null;
  } catch (err) {
    if (v.default === undefined) throw err;
  }
  if (result === null || result === undefined) {
    if (v.default === undefined) throw new Error(`failed to add context entry for variable ${name} since it evaluated to nil`);
    result = substituteAll(v.default, data);
  }
  return result;
}

/** Kyverno `{any, all}` or the legacy list; true when the block holds. Messages of failing conditions. */
function evaluateConditions(block: unknown, data: Json): { ok: boolean; message: string } {
  const one = (c: unknown): { ok: boolean; message: string } => {
    const cond = asObject(c);
    const key = substituteAll(cond.key, data);
    const value = substituteAll(cond.value, data);
    return { ok: evaluateOperator(String(cond.operator ?? ''), key ?? null, value ?? null), message: typeof cond.message === 'string' ? cond.message : '' };
  };
  const join = (ms: string[], sep: string): string => ms.filter(Boolean).join(sep);
  if (Array.isArray(block)) {
    const trueMsgs: string[] = [];
    for (const c of block) {
      const r = one(c);
      if (!r.ok) return { ok: false, message: r.message };
      trueMsgs.push(r.message);
    }
    return { ok: true, message: join(trueMsgs, ';') };
  }
  const b = asObject(block);
  const trueMsgs: string[] = [];
  const falseMsgs: string[] = [];
  let anyOk = true;
  if (b.any !== undefined && b.any !== null) {
    anyOk = false;
    for (const c of asList(b.any)) {
      const r = one(c);
      if (r.ok) {
        anyOk = true;
        trueMsgs.push(r.message);
        break;
      }
      falseMsgs.push(r.message);
    }
  }
  let allOk = true;
  for (const c of asList(b.all)) {
    const r = one(c);
    if (!r.ok) {
      allOk = false;
      falseMsgs.push(r.message);
      break;
    }
    trueMsgs.push(r.message);
  }
  const ok = anyOk && allOk;
  return { ok, message: join(ok ? trueMsgs : falseMsgs, '; ') };
}

const errMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface Scope {
  data: Json;
  /** The element a foreach scopes its pattern to, when it is a map. */
  element?: Json;
  nesting: number;
}

class RuleValidator {
  constructor(
    private readonly rule: Json,
    private readonly supplied: Record<string, unknown>,
    private readonly deleteRequest: boolean,
  ) {}

  private get name(): string {
    return String(this.rule.name ?? '');
  }
  private get message(): string {
    return typeof asObject(this.rule.validate).message === 'string' ? (asObject(this.rule.validate).message as string) : '';
  }

  /** One level of validation: the rule itself, or one foreach element (`v` is the foreach block). */
  validate(v: Json, scope: Scope, contextEntries: unknown[], conditions: unknown): RuleResponse | undefined {
    const r = (status: RuleStatus, message: string): RuleResponse => ({ rule: this.name, status, message });
    let data: Json;
    try {
      data = loadContext(contextEntries, scope.data, this.supplied);
    } catch (e) {
      if (e instanceof NeedsClusterData) return r('undecided', `skip: needs cluster data: ${e.message}`);
      return r('error', `failed to load context: ${errMessage(e)}`);
    }
    if (conditions !== undefined && conditions !== null) {
      let pre: { ok: boolean; message: string };
      try {
        pre = evaluateConditions(conditions, data);
      } catch (e) {
        return r('error', `failed to evaluate preconditions: ${errMessage(e)}`);
      }
      if (!pre.ok) return r('skip', ['preconditions not met', pre.message].filter(Boolean).join('; '));
    }
    const inner: Scope = { ...scope, data };
    if (v.deny !== undefined) return this.deny(asObject(v.deny), data);
    if (v.pattern !== undefined || v.anyPattern !== undefined) {
      let pattern: unknown;
      let anyPattern: unknown;
      try {
        pattern = v.pattern === undefined ? undefined : substituteAll(v.pattern, data, this.deleteRequest);
        anyPattern = v.anyPattern === undefined ? undefined : substituteAll(v.anyPattern, data, this.deleteRequest);
      } catch (e) {
        return r('error', `variable substitution failed: ${errMessage(e)}`);
      }
      const target = scope.element ?? asObject(asObject(data.request).object);
      return pattern !== undefined ? this.pattern(target, pattern, data) : this.anyPattern(target, anyPattern, data);
    }
    if (Array.isArray(v.foreach)) return this.foreach(v.foreach, inner);
    return r('error', 'invalid validation rule: podSecurity, cel, patterns, or deny expected');
  }

  private substituteMessage(text: string, data: Json): string | undefined {
    try {
      const out = substituteAll(text, data);
      return typeof out === 'string' ? out : 'the produced message didn\'t resolve to a string, check your policy definition.';
    } catch {
      return undefined;
    }
  }

  private deny(deny: Json, data: Json): RuleResponse {
    let res: { ok: boolean; message: string };
    try {
      res = evaluateConditions(deny.conditions, data);
    } catch (e) {
      return { rule: this.name, status: 'error', message: `failed to check deny conditions: ${errMessage(e)}` };
    }
    if (!res.ok) return { rule: this.name, status: 'pass', message: `validation rule '${this.name}' passed.` };
    if (!this.message && !res.message) return { rule: this.name, status: 'fail', message: `validation error: rule ${this.name} failed` };
    const text = [this.message, res.message].filter(Boolean).join('; ');
    return { rule: this.name, status: 'fail', message: this.substituteMessage(text, data) ?? res.message };
  }

  private failMessage(data: Json, detail: string, path: string): string {
    if (!this.message) return path ? `validation error: rule ${this.name} failed at path ${path}` : `validation error: rule ${this.name} execution error: ${detail}`;
    let msg = this.substituteMessage(this.message, data);
    if (msg === undefined) return `validation error: variables substitution error in rule ${this.name} execution error: ${detail}`;
    if (!msg.endsWith('.')) msg += '.';
    return path ? `validation error: ${msg} rule ${this.name} failed at path ${path}` : `validation error: ${msg} rule ${this.name} execution error: ${detail}`;
  }

  private pattern(target: unknown, pattern: unknown, data: Json): RuleResponse {
    const out = matchPattern(target, pattern);
    const r = (status: RuleStatus, message: string): RuleResponse => ({ rule: this.name, status, message });
    switch (out.status) {
      case 'pass':
        return r('pass', `validation rule '${this.name}' passed.`);
      case 'skip':
        return r('skip', out.message);
      case 'fail':
        return r('fail', this.failMessage(data, out.message, out.path));
      default:
        return r('error', this.failMessage(data, out.message, ''));
    }
  }

  private anyPattern(target: unknown, patterns: unknown, data: Json): RuleResponse {
    if (!Array.isArray(patterns)) return { rule: this.name, status: 'error', message: 'failed to deserialize anyPattern, expected type array' };
    const failed: string[] = [];
    const skipped: string[] = [];
    for (const [i, p] of patterns.entries()) {
      const out = matchPattern(target, p);
      if (out.status === 'pass') return { rule: this.name, status: 'pass', message: `validation rule '${this.name}' anyPattern[${i}] passed.` };
      if (out.status === 'skip') skipped.push(`rule ${this.name}[${i}] skipped: ${out.message}`);
      else if (out.status === 'fail') failed.push(`rule ${this.name}[${i}] failed at path ${out.path}`);
      else failed.push(`rule ${this.name}[${i}] failed: ${out.message}`);
    }
    if (skipped.length > 0 && failed.length === 0) return { rule: this.name, status: 'skip', message: skipped.join(' ') };
    const errs = failed.join(' ');
    if (!this.message) return { rule: this.name, status: 'fail', message: `validation error: ${errs}` };
    const msg = this.substituteMessage(this.message, data);
    if (msg === undefined) return { rule: this.name, status: 'fail', message: `validation error: variables substitution error in rule ${this.name} execution error: ${errs}` };
    return { rule: this.name, status: 'fail', message: msg.endsWith('.') ? `validation error: ${msg} ${errs}` : `validation error: ${msg}. ${errs}` };
  }

  private foreach(blocks: unknown[], scope: Scope): RuleResponse | undefined {
    let applied = 0;
    let listError: string | undefined;
    for (const fe of blocks.filter(isMap)) {
      let elements: unknown[];
      try {
        const listExpr = String(fe.list ?? '').replace(/^\s*\{\{\s*/, '').replace(/\s*\}\}\s*$/, '');
        const got = query(listExpr, scope.data);
        elements = Array.isArray(got) ? got : [got];
      } catch (e) {
        if (e instanceof NotFoundError) continue;
        listError = errMessage(e);
        continue;
      }
      const resp = this.elements(fe, elements, scope);
      if (resp.response.status !== 'pass') return resp.response;
      applied += resp.applied;
    }
    if (applied === 0) return listError ? { rule: this.name, status: 'error', message: `failed to evaluate list: ${listError}` } : undefined;
    return { rule: this.name, status: 'pass', message: 'rule passed' };
  }

  private elements(fe: Json, elements: unknown[], scope: Scope): { response: RuleResponse; applied: number } {
    let applied = 0;
    for (const [index, element] of elements.entries()) {
      if (element === null || element === undefined) continue;
      const n = scope.nesting;
      const data: Json = { ...scope.data, element, [`element${n}`]: element, elementIndex: index, [`elementIndex${n}`]: index };
      const scoped = fe.elementScope === undefined ? isMap(element) : fe.elementScope === true;
      if (fe.elementScope === true && !isMap(element)) {
        return { response: { rule: this.name, status: 'error', message: 'failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps' }, applied };
      }
      const inner: Scope = { data, nesting: n + 1, element: scoped ? (element as Json) : scope.element };
      const r = this.validate(fe, inner, asList(fe.context), fe.preconditions);
      if (!r || r.status === 'skip') continue;
      if (r.status !== 'pass') {
        if (r.status === 'error' && r.message.includes('failed to evaluate preconditions')) continue;
        return { response: { rule: this.name, status: r.status, message: `validation failure: ${r.message}` }, applied };
      }
      applied++;
    }
    return { response: { rule: this.name, status: 'pass', message: '' }, applied };
  }
}

/** Whether a PolicyException exempts the rule of the policy for this input. */
function exceptionApplies(exception: KubeObject, policy: KubeObject, ruleName: string, input: EvalInput, data: Json): boolean {
  const spec = asObject(exception.spec);
  const policyName = nameOf(policy);
  const policyNs = asObject(policy.metadata).namespace;
  const fullName = typeof policyNs === 'string' && policy.kind === 'Policy' ? `${policyNs}/${policyName}` : policyName;
  const listed = asList(spec.exceptions)
    .filter(isMap)
    .some((e) => wildcardMatch(String(e.policyName ?? ''), fullName) && asList(e.ruleNames).some((r) => typeof r === 'string' && wildcardMatch(r, ruleName)));
  if (!listed) return false;
  if (ruleMismatch({ name: 'exception', match: spec.match }, matchInput(input))) return false;
  if (spec.conditions === undefined) return true;
  try {
    return evaluateConditions(spec.conditions, data).ok;
  } catch {
    return false;
  }
}

const matchInput = (input: EvalInput) => ({ request: input.request, resource: input.resource, namespaceLabels: input.namespaceLabels, info: input.info });

/** The kind of a rule: polcov evaluates validate and mutate rules. */
function ruleKind(rule: Json): 'validate' | 'mutate' | 'generate' | 'verifyImages' | 'unknown' {
  if (rule.validate !== undefined) return 'validate';
  if (rule.mutate !== undefined) return 'mutate';
  if (rule.generate !== undefined) return 'generate';
  if (rule.verifyImages !== undefined) return 'verifyImages';
  return 'unknown';
}

const isAction = (v: unknown): v is string => typeof v === 'string' && ['audit', 'enforce'].includes(v.toLowerCase());

/** The first `failureActionOverrides` entry whose namespaces and namespace selector take the resource. */
function matchOverride(overrides: unknown, namespace: string, namespaceLabels: Record<string, string>): string | undefined {
  for (const o of asList(overrides).filter(isMap)) {
    if (!isAction(o.action)) continue;
    const selectorOk = o.namespaceSelector === undefined || o.namespaceSelector === null || selectorMatches(o.namespaceSelector, namespaceLabels);
    if (o.namespaces === undefined || o.namespaces === null) {
      if (selectorOk) return o.action;
      continue;
    }
    if (asList(o.namespaces).some((ns) => typeof ns === 'string' && wildcardMatch(ns, namespace)) && selectorOk) return o.action;
  }
  return undefined;
}

/**
 * The failure action of a rule (Kyverno's failureActionForRule): the rule's overrides, its
 * `failureAction`, then the policy's overrides and `validationFailureAction` (default Audit).
 */
function enforces(policySpec: Json, rule: Json | undefined, namespace: string, namespaceLabels: Record<string, string>): boolean {
  const v = asObject(rule?.validate);
  const action =
    matchOverride(v.failureActionOverrides, namespace, namespaceLabels) ??
    (isAction(v.failureAction) ? v.failureAction : undefined) ??
    matchOverride(policySpec.validationFailureActionOverrides, namespace, namespaceLabels) ??
    (isAction(policySpec.validationFailureAction) ? policySpec.validationFailureAction : 'Audit');
  return action.toLowerCase() === 'enforce';
}

/** The rule's context and preconditions, as the engine checks them before any validate handler. */
function prepare(rule: Json, data: Json, supplied: Record<string, unknown>): { data: Json } | RuleResponse {
  const name = String(rule.name ?? '');
  let loaded: Json;
  try {
    loaded = loadContext(asList(rule.context), data, supplied);
  } catch (e) {
    if (e instanceof NeedsClusterData) return { rule: name, status: 'undecided', message: `skip: needs cluster data: ${e.message}` };
    return { rule: name, status: 'error', message: `failed to load context: ${errMessage(e)}` };
  }
  if (rule.preconditions === undefined || rule.preconditions === null) return { data: loaded };
  try {
    const pre = evaluateConditions(rule.preconditions, loaded);
    if (!pre.ok) return { rule: name, status: 'skip', message: ['preconditions not met', pre.message].filter(Boolean).join('; ') };
  } catch (e) {
    return { rule: name, status: 'error', message: `failed to evaluate preconditions: ${errMessage(e)}` };
  }
  return { data: loaded };
}

/** One validate rule after match, context, preconditions and exceptions: the handler its kind selects. */
function validateRule(rule: Json, data: Json, supplied: Record<string, unknown>, input: EvalInput, exclusions: PodSecurityExclusion[]): RuleResponse | undefined {
  const name = String(rule.name ?? '');
  const v = asObject(rule.validate);
  if (v.manifests !== undefined) return { rule: name, status: 'error', message: 'validate.manifests: not supported' };
  if (isMap(v.podSecurity)) {
    if (input.request.operation === 'DELETE') return undefined;
    return { rule: name, ...evaluatePssRule(name, v.podSecurity, input.resource, exclusions) };
  }
  if (isMap(v.cel)) {
    const req = asObject(data.request);
    const out = evaluateCelRule(name, v.cel, asList(rule.celPreconditions), typeof v.message === 'string' ? v.message : '', {
      object: req.object,
      oldObject: req.oldObject,
      request: req,
      namespace: input.resource.kind === 'Namespace' ? '' : nsOf(input.resource),
    });
    return { rule: name, ...out };
  }
  return new RuleValidator(rule, supplied, input.request.operation === 'DELETE').validate(v, { data, nesting: 0 }, [], undefined);
}

/**
 * An enforced rule failing an UPDATE is skipped when the old object failed it too
 * (`allowExistingViolations`, true unless the rule says false): the old object is judged as a CREATE.
 */
function preExisting(policy: KubeObject, rule: Json, input: EvalInput): boolean {
  const { request } = input;
  const old = request.oldObject;
  const v = asObject(rule.validate);
  if (request.operation !== 'UPDATE' || !old || v.allowExistingViolations === false) return false;
  const ns = nsOf(input.resource);
  if (!enforces(asObject(policy.spec), rule, ns, input.namespaceLabels)) return false;
  // Kyverno sets the operation to CREATE over whatever the values said.
  const values = (p: string, r: string): Record<string, unknown> => {
    const { ['request.operation']: _ignored, ...rest } = input.values(p, r);
    return rest;
  };
  const asCreate: EvalInput = { ...input, values, resource: old, request: { ...request, operation: 'CREATE', object: old, oldObject: undefined } };
  return evaluateRules([rule], policy, asCreate).some((r) => r.rule === String(rule.name) && r.status === 'fail');
}

/** The engine's context loader and conditions, lent to the mutate handler. */
function mutateHelpers(supplied: Record<string, unknown>): MutateHelpers {
  return {
    loadContext(entries, data) {
      try {
        return { data: loadContext(entries, data, supplied) };
      } catch (e) {
        if (e instanceof NeedsClusterData) return { status: 'undecided', message: `skip: needs cluster data: ${e.message}` };
        return { status: 'error', message: `failed to load context: ${errMessage(e)}` };
      }
    },
    conditionsHold: (block, data) => evaluateConditions(block, data).ok,
  };
}

/** Mutate rules on existing resources need the cluster's objects: polcov does not evaluate them. */
const mutatesExisting = (rule: Json): boolean => asList(asObject(rule.mutate).targets).length > 0;

/** The responses of the (autogen-computed) rules that match the input; mutate rules patch `state.resource` in turn. */
function evaluateRules(rules: Json[], policy: KubeObject, input: EvalInput, state: { resource: KubeObject } = { resource: input.resource }): RuleResponse[] {
  const meta = asObject(policy.metadata);
  const name = String(meta.name ?? '');
  const namespace = policy.kind === 'Policy' ? String(meta.namespace ?? 'default') : undefined;
  const base = baseContext(input);
  const responses: RuleResponse[] = [];
  for (const rule of rules) {
    const ruleName = String(rule.name ?? '');
    try {
      if (ruleMismatch(rule, matchInput(input), namespace)) continue;
    } catch (e) {
      if (!(e instanceof RolesUnknown)) throw e;
      responses.push({ rule: ruleName, status: 'undecided', message: e.message });
      continue;
    }
    const kind = ruleKind(rule);
    if (kind !== 'validate' && !(kind === 'mutate' && !mutatesExisting(rule))) {
      const what = kind === 'mutate' ? 'mutate rules on existing resources (targets)' : `${kind} rules`;
      responses.push({ rule: ruleName, status: 'error', message: `${what} are not evaluated by polcov` });
      continue;
    }
    const supplied = input.values(name, ruleName);
    let data = kind === 'mutate' ? { ...base, request: { ...asObject(base.request), object: state.resource } } : base;
    for (const [k, v] of Object.entries(supplied)) data = setPath(data, k, v);
    const prepared = prepare(rule, data, supplied);
    if (!('data' in prepared)) {
      responses.push(prepared);
      continue;
    }
    const applying = input.exceptions.filter((e) => exceptionApplies(e, policy, ruleName, input, prepared.data));
    // An exception with `podSecurity` entries relaxes a podSecurity rule instead of skipping it.
    const exclusions = isMap(asObject(rule.validate).podSecurity) ? applying.flatMap((e) => asList(asObject(e.spec).podSecurity).filter(isMap)) : [];
    if (applying.length > 0 && exclusions.length === 0) {
      responses.push({ rule: ruleName, status: 'skip', message: 'rule is skipped due to policy exceptions' });
      continue;
    }
    if (kind === 'mutate') {
      const m = mutateRule(rule, state.resource, prepared.data, mutateHelpers(supplied));
      state.resource = m.patched;
      responses.push({ rule: ruleName, status: m.status, message: m.message, patched: m.patched });
      continue;
    }
    const resp = validateRule(rule, prepared.data, supplied, input, exclusions as unknown as PodSecurityExclusion[]);
    if (resp?.status === 'fail' && preExisting(policy, rule, input)) {
      responses.push({ rule: ruleName, status: 'skip', message: 'skipping the rule evaluation as pre-existing violations are allowed' });
    } else if (resp) responses.push(resp);
  }
  return responses;
}

/** Autogen once per policy object: the same policy meets many resources. */
const autogenCache = new WeakMap<KubeObject, Json[]>();

/** Evaluates a Kyverno ClusterPolicy or Policy on one resource. */
export function evaluatePolicy(policy: KubeObject, input: EvalInput): PolicyResponse {
  const meta = asObject(policy.metadata);
  const spec = asObject(policy.spec);
  let rules = autogenCache.get(policy);
  if (!rules) {
    rules = computeRules(asList(spec.rules).filter(isMap), asObject(meta.annotations));
    autogenCache.set(policy, rules);
  }
  const byName = new Map(rules.map((r) => [String(r.name ?? ''), r]));
  const resourceNs = nsOf(input.resource);
  const state = { resource: input.resource };
  const responses = evaluateRules(rules, policy, input, state);
  return {
    policy: String(meta.name ?? ''),
    ...(policy.kind === 'Policy' ? { namespace: String(meta.namespace ?? 'default') } : {}),
    enforce: (rule) => enforces(spec, byName.get(rule), resourceNs, input.namespaceLabels),
    rules: responses,
    patched: state.resource,
  };
}
