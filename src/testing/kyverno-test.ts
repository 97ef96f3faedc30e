/**
 * Kyverno CLI tests (`kyverno-test.yaml`: `cli.kyverno.io/v1alpha1` `Test`, or the older untyped
 * form) as a `polcov test` suite format: policies, resources, exceptions, variables (values file),
 * userinfo and the expected results, judged as the Kyverno CLI judges them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap as isYamlMap, isSeq, LineCounter, parseAllDocuments, parseDocument } from '../yaml-lib';
import { asObject, nameOf, nsOf, objectRequest, type AdmissionRequest, type ClusterContext, type Decision, type KubeObject, type Operation, type UserInfo } from '../admission';
import { namedAsKyvernoTest } from '../discover/test-material';
import type { SourceFile } from '../discover/walk';
import { evaluatePolicy, type EvalInput, type PolicyResponse, type RuleStatus } from '../eval/kyverno/engine';
import type { RequestInfo } from '../eval/kyverno/match';
import { evaluateValidatingPolicy } from '../eval/kyverno-cel';
import { asList, isMap } from '../eval/kyverno/values';
import type { SourceRef } from '../facts';
import { mutatingPolicyResponder, patchedDifference, type MutatingResponse } from './kyverno-mpol-results';
import { brokenSuite, type CaseResult, type LoadedSuite, type MutationTarget, type SuiteCase, type SuiteFormat } from './suite-format';

type Json = Record<string, unknown>;
const strs = (v: unknown): string[] => asList(v).filter((x): x is string => typeof x === 'string');

export interface ExpectedResult {
  policy: string;
  rule: string;
  resource: string;
  kind?: string;
  result: string;
  operation?: string;
  /** The file (relative to the test) holding the object as the mutations should leave it (`patchedResource` in the older form). */
  patchedResources?: string;
  line: number;
  column: number;
}

/** What polcov computes for one expected result row. */
export type RowOutcome =
  | 'agree'
  /**
   * The rule gave no response (not matched): the Kyverno CLI passes such a row ("Excluded"); or the
   * row's `patchedResources` file lacks the resource, and the CLI drops the row.
   */
  | 'excluded'
  | 'disagree'
  /** The rule needs cluster data (configMap, apiCall…) the test does not supply. */
  | 'needs-cluster'
  /** The policy kind or rule type is one polcov does not evaluate (mutate, generate, CEL policies…). */
  | 'unsupported'
  | 'not-found';

export interface Row {
  expected: ExpectedResult;
  outcome: RowOutcome;
  actual: string;
  messages: string[];
  decisions: Decision[];
}

export interface KyvernoTest {
  name: string;
  file: string;
  policies: KubeObject[];
  resources: KubeObject[];
  exceptions: KubeObject[];
  values: Json;
  userInfo?: Json;
  /** The objects of the test's `context` file (`Context` `spec.resources`): what the cluster holds. */
  clusterObjects: KubeObject[];
  results: ExpectedResult[];
}

function readDocs(file: string): KubeObject[] {
  const text = fs.readFileSync(file, 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS({ maxAliasCount: 1000 }) as unknown)
    .flatMap((d) => (isMap(d) && d.kind === 'List' ? asList(d.items) : [d]))
    .filter(isMap);
}

/** Kinds the API server stores without a namespace (the Kyverno CLI asks its built-in discovery data). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'RuntimeClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  'APIService', 'CertificateSigningRequest', 'PodSecurityPolicy', 'ComponentStatus', 'VolumeAttachment', 'CSIDriver', 'CSINode',
  'FlowSchema', 'PriorityLevelConfiguration', 'TokenReview', 'SubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview',
]);
const MAP_FIELDS = new Set(['annotations', 'labels', 'matchLabels', 'nodeSelector', 'data', 'stringData']);

/** Known map fields left empty in YAML (`labels:`) read as empty maps, as the Kyverno CLI normalises them. */
function normalizeNilMaps(o: Json): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === null && MAP_FIELDS.has(k)) o[k] = {};
    else if (isMap(v)) normalizeNilMaps(v);
    else if (Array.isArray(v)) v.filter(isMap).forEach(normalizeNilMaps);
  }
}

/** A resource as the Kyverno CLI loads it: namespaced kinds without a namespace go to `default`. */
function asLoaded(resource: KubeObject): KubeObject {
  normalizeNilMaps(resource);
  const meta = asObject(resource.metadata);
  if (!meta.namespace && !CLUSTER_SCOPED.has(String(resource.kind))) resource.metadata = { ...meta, namespace: 'default' };
  return resource;
}

/** The Kyverno CLI keys resources by apiVersion, kind, namespace and name: a later duplicate replaces an earlier one. */
function lastOfEachKey(resources: KubeObject[]): KubeObject[] {
  const byKey = new Map<string, KubeObject>();
  for (const r of resources) {
    const key = [r.apiVersion, r.kind, nsOf(r), nameOf(r)].join(',');
    byKey.delete(key);
    byKey.set(key, r);
  }
  return [...byKey.values()];
}

/** Loads the test and every file it names (relative to the test's folder); throws on unreadable input. */
export function loadKyvernoTest(file: string, text: string): KyvernoTest {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const test = asObject(doc.toJS());
  const dir = path.dirname(path.resolve(file));
  const load = (key: string): KubeObject[] => strs(test[key]).flatMap((p) => readDocs(path.resolve(dir, p)));
  const resultsNode = doc.get('results');
  const items = isSeq(resultsNode) ? resultsNode.items : [];
  const results: ExpectedResult[] = [];
  asList(test.results).forEach((raw, i) => {
    const r = asObject(raw);
    const node = items[i];
    const pos = counter.linePos(isYamlMap(node) && node.range ? node.range[0] : 0);
    const names = r.resources !== undefined ? strs(r.resources) : typeof r.resource === 'string' ? [r.resource] : [];
    for (const resource of names) {
      results.push({
        policy: String(r.policy ?? ''),
        rule: String(r.rule ?? ''),
        resource,
        ...(typeof r.kind === 'string' ? { kind: r.kind } : {}),
        result: String(r.result ?? r.status ?? ''),
        ...(typeof r.operation === 'string' ? { operation: r.operation } : {}),
        ...(typeof (r.patchedResources ?? r.patchedResource) === 'string' ? { patchedResources: String(r.patchedResources ?? r.patchedResource) } : {}),
        line: pos.line,
        column: pos.col,
      });
    }
  });
  const valuesFile = typeof test.variables === 'string' ? test.variables : undefined;
  const userFile = typeof test.userinfo === 'string' ? test.userinfo : undefined;
  const contextFile = typeof test.context === 'string' ? test.context : undefined;
  return {
    name: String(asObject(test.metadata).name ?? test.name ?? path.basename(dir)),
    file,
    policies: load('policies'),
    resources: lastOfEachKey(load('resources').map(asLoaded)),
    exceptions: load('exceptions'),
    values: valuesFile ? asObject(readDocs(path.resolve(dir, valuesFile))[0]) : {},
    ...(userFile ? { userInfo: asObject(readDocs(path.resolve(dir, userFile))[0]) } : {}),
    clusterObjects: contextFile ? asList(asObject(asObject(readDocs(path.resolve(dir, contextFile))[0]).spec).resources).filter(isMap) : [],
    results,
  };
}

/**
 * The Namespaces a test describes: its Namespace resources, else (as the Kyverno CLI builds it) a
 * Namespace of the request's name with the values file's `namespaceSelector` labels.
 */
function clusterOf(input: EvalInput, namespaces: ReadonlyMap<string, KubeObject>, inventory: KubeObject[]): ClusterContext {
  const ns = input.request.namespace;
  if (!ns || namespaces.has(ns)) return { namespaces, inventory };
  const all = new Map(namespaces);
  all.set(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: input.namespaceLabels } });
  return { namespaces: all, inventory };
}

/** A ValidatingPolicy's one decision as the Kyverno CLI's one response for the policy (no rule name). */
function validatingPolicy(namespaces: ReadonlyMap<string, KubeObject>, inventory: KubeObject[]) {
  return (policy: KubeObject, input: EvalInput): PolicyResponse => {
    const d = evaluateValidatingPolicy(policy, input.request, clusterOf(input, namespaces, inventory), { exceptions: input.exceptions });
    const reason = d.reason ?? '';
    const status: RuleStatus | undefined = {
      admit: 'pass' as const,
      deny: 'fail' as const,
      audit: 'fail' as const,
      warn: 'fail' as const,
      undecided: 'undecided' as const,
      error: 'error' as const,
      'not-evaluated': /^(matchCondition|skipped by PolicyException)/.test(reason) ? ('skip' as const) : undefined,
    }[d.verdict];
    const message = d.messages[0] ?? reason;
    return { policy: nameOf(policy), enforce: () => d.verdict === 'deny', rules: status ? [{ rule: '', status, message }] : [] };
  };
}

/** The evaluator of each policy kind a Kyverno CLI test may name: adding a kind is one line here. */
function evaluators(test: KyvernoTest): Record<string, (policy: KubeObject, input: EvalInput) => PolicyResponse> {
  const objects = [...test.clusterObjects, ...asList(test.values.namespaces).filter(isMap), ...test.resources];
  const namespaces = new Map(objects.filter((r) => r.kind === 'Namespace').map((r) => [nameOf(r), r]));
  return {
    ClusterPolicy: evaluatePolicy,
    Policy: evaluatePolicy,
    ValidatingPolicy: validatingPolicy(namespaces, test.clusterObjects),
    MutatingPolicy: mutatingPolicyResponder(test.policies, (input) => clusterOf(input, namespaces, test.clusterObjects)),
  };
}

/** Policy kinds whose responses carry no rule name: every response of the policy answers. */
const RULELESS = new Set(['ValidatingPolicy', 'MutatingPolicy']);

function requestInfo(userInfo: Json | undefined): RequestInfo {
  if (!userInfo) return { roles: [], clusterRoles: [], username: '', groups: [], empty: true };
  const user = asObject(userInfo.userInfo);
  return { roles: strs(userInfo.roles), clusterRoles: strs(userInfo.clusterRoles), username: String(user.username ?? ''), groups: strs(user.groups), empty: false };
}

/** The values a rule sees for a resource: global, then the policy's resource values, then its rule values. */
function valuesFor(values: Json, policy: string, rule: string, resource: string): Json {
  const pol = asList(values.policies).filter(isMap).find((p) => p.name === policy);
  const res = asList(pol?.resources).filter(isMap).find((r) => r.name === resource);
  const rul = asList(pol?.rules).filter(isMap).find((r) => r.name === rule || `autogen-${String(r.name)}` === rule || `autogen-cronjob-${String(r.name)}` === rule);
  return { ...asObject(values.globalValues), ...asObject(res?.values), ...asObject(rul?.values) };
}

function operationFor(values: Json, resource: string, explicit?: string): Operation {
  if (explicit) return explicit.toUpperCase() as Operation;
  const fromResource = asList(values.policies)
    .filter(isMap)
    .flatMap((p) => asList(p.resources).filter(isMap))
    .find((r) => r.name === resource && typeof asObject(r.values)['request.operation'] === 'string');
  const op = fromResource ? asObject(fromResource.values)['request.operation'] : asObject(values.globalValues)['request.operation'];
  return (typeof op === 'string' ? op.toUpperCase() : 'CREATE') as Operation;
}

/** A namespace's labels: the values file's `namespaceSelector` entry, else its `namespaces` object. */
function namespaceLabels(values: Json, ns: string): Record<string, string> {
  const entry = asList(values.namespaceSelector).filter(isMap).find((n) => n.name === ns);
  const object = asList(values.namespaces).filter(isMap).find((n) => nameOf(n) === ns);
  const labels = entry ? entry.labels : asObject(object?.metadata).labels;
  return Object.fromEntries(Object.entries(asObject(labels)).map(([k, v]) => [k, String(v)]));
}

/** Evaluates every (resource, policy) pair once per operation the results ask for. */
class TestRun {
  private cache = new Map<string, PolicyResponse>();
  readonly evaluators: ReturnType<typeof evaluators>;
  constructor(private readonly test: KyvernoTest) {
    this.evaluators = evaluators(test);
  }

  /**
   * The resource a policy sees: the Kyverno CLI applies the mutate policies first, in order, each on
   * the previous one's result, then the other rules on the mutated resource.
   */
  private input(policy: KubeObject, resource: KubeObject, operation?: string): KubeObject {
    const mutating = this.test.policies.filter((p) => hasMutateRules(p) && this.evaluators[String(p.kind)]);
    const before = hasMutateRules(policy) ? mutating.slice(0, mutating.indexOf(policy)) : mutating;
    const previous = before[before.length - 1];
    return previous ? (this.response(previous, resource, operation).patched ?? resource) : resource;
  }

  response(policy: KubeObject, original: KubeObject, operation?: string): PolicyResponse {
    const key = `${nameOf(policy)}|${this.test.resources.indexOf(original)}|${operation ?? ''}`;
    let r = this.cache.get(key);
    if (!r) {
      const resource = this.input(policy, original, operation);
      const { values } = this.test;
      const resName = nameOf(resource);
      const op = operationFor(values, resName, operation);
      const request = objectRequest(resource, op, {
        ...(op === 'UPDATE' ? { oldObject: resource } : {}),
        userInfo: this.userInfo(),
      });
      if (op === 'DELETE') request.oldObject = resource;
      r = this.evaluate(policy, resName, request);
      this.cache.set(key, r);
    }
    return r;
  }

  userInfo(): UserInfo {
    const info = requestInfo(this.test.userInfo);
    return { username: info.username, groups: info.groups };
  }

  /** The policy on `request`, with the test's values, user and namespaces for the resource named `resName`. */
  evaluate(policy: KubeObject, resName: string, request: AdmissionRequest): PolicyResponse {
    const { values } = this.test;
    const resource = request.object ?? request.oldObject ?? {};
    return this.evaluators[String(policy.kind)]!(policy, {
      request,
      resource,
      namespaceLabels: namespaceLabels(values, nsOf(resource)),
      info: requestInfo(this.test.userInfo),
      exceptions: this.test.exceptions,
      values: (p, rule) => valuesFor(values, p, rule, resName),
    });
  }
}

/** The responses of the rules named `names` (every rule when absent) as decisions. */
function ruleDecisions(resp: PolicyResponse, names: string[] | undefined): Decision[] {
  return namedRules(resp, names).map((r) => ruleDecision(resp, r));
}

const namedRules = (resp: PolicyResponse, names: string[] | undefined) => resp.rules.filter((x) => !names || names.includes(x.rule));

function ruleDecision(resp: PolicyResponse, r: PolicyResponse['rules'][number]): Decision {
  const verdict = r.status === 'fail' && resp.enforce(r.rule) ? 'deny' : RULE_STATUS_TO_VERDICT[r.status];
  return { engine: 'kyverno', policy: resp.policy, rule: r.rule, verdict, messages: r.message ? [r.message] : [], reason: r.status };
}

const hasMutateRules = (policy: KubeObject): boolean => asList(asObject(policy.spec).rules).some((r) => isMap(r) && r.mutate !== undefined);

const RULE_STATUS_TO_VERDICT: Record<RuleStatus, Decision['verdict']> = {
  pass: 'admit',
  fail: 'audit',
  skip: 'not-evaluated',
  warn: 'warn',
  error: 'error',
  undecided: 'undecided',
};

/** The names a rule answers under: its own and its autogen names (for a Pod, a controller or a CronJob). */
function ruleNames(policy: KubeObject, rule: string): string[] | undefined {
  return rule && !RULELESS.has(String(policy.kind)) ? [rule, `autogen-${rule}`, `autogen-cronjob-${rule}`] : undefined;
}

/** A `result: fail` row's policy and resource, for `--mutate` to evaluate the variants of the resource with. */
function mutationTarget(run: TestRun, test: KyvernoTest, exp: ExpectedResult, at: SourceRef): MutationTarget | undefined {
  const policy = test.policies.find((p) => nameOf(p) === exp.policy.split('/').pop());
  const namePart = exp.resource.split('/').pop();
  const resource = test.resources.find((r) => nameOf(r) === namePart);
  // A MutatingPolicy's `fail` is a failed mutation, not a denial: nothing to bypass.
  if (exp.result !== 'fail' || !policy || !resource || !run.evaluators[String(policy.kind)] || policy.kind === 'MutatingPolicy') return undefined;
  // The variants are Pods: an autogen rule of a controller answers under its own name.
  const names = ruleNames(policy, exp.rule.replace(/^autogen-(cronjob-)?/, ''));
  const passing = new Set(test.results.filter((r) => r.policy === exp.policy && r.result === 'pass').map((r) => r.resource.split('/').pop()));
  return {
    object: resource,
    allowed: test.resources.filter((r) => passing.has(nameOf(r))),
    policy: `${String(policy.kind)}/${nameOf(policy)}`,
    policyAt: at,
    ...(Object.keys(test.values).length > 0 || test.clusterObjects.length > 0 ? { data: `the values of test ${test.name}` } : {}),
    evaluate: (request) => ruleDecisions(run.evaluate(policy, nameOf(resource), { ...request, userInfo: run.userInfo() }), names),
  };
}

/** Judges one expected result as the Kyverno CLI does: every resource with that name, every rule of that name or its autogen names. */
function judge(run: TestRun, test: KyvernoTest, exp: ExpectedResult): Row {
  const policyName = exp.policy.split('/').pop()!;
  const policy = test.policies.find((p) => nameOf(p) === policyName);
  const [nsPart, namePart] = exp.resource.includes('/') ? exp.resource.split('/') : [undefined, exp.resource];
  const resources = test.resources.filter((r) => nameOf(r) === namePart && (nsPart === undefined || nsOf(r) === nsPart));
  const row = (outcome: RowOutcome, actual: string, decisions: Decision[] = []): Row => ({
    expected: exp,
    outcome,
    actual,
    messages: decisions.flatMap((d) => d.messages),
    decisions,
  });
  if (!policy) return row('not-found', `policy ${exp.policy} not found in the test's policies`);
  if (!run.evaluators[String(policy.kind)]) return row('unsupported', `${String(policy.kind)} is not evaluated by this format`);
  if (resources.length === 0) return row('not-found', `resource ${exp.resource} not found`);
  const names = ruleNames(policy, exp.rule);
  const patchedFile = exp.patchedResources ? path.resolve(path.dirname(path.resolve(test.file)), exp.patchedResources) : undefined;
  const comparePatched = (object: KubeObject) => patchedDifference(object, readDocs(patchedFile!).map(asLoaded), patchedFile!);
  const decisions: Decision[] = [];
  let leftOut = false;
  for (const resource of resources) {
    const resp = run.response(policy, resource, exp.operation);
    const patched = (resp as MutatingResponse).patched;
    // A MutatingPolicy answers for the whole chain of the test's MutatingPolicies, without rule names.
    if (policy.kind === 'MutatingPolicy' && patchedFile && patched && resp.rules.length > 0) {
      const difference = comparePatched(patched);
      if (difference) return 'missing' in difference ? row('excluded', difference.missing) : row('disagree', `${difference.differs} (${resp.rules.map((x) => `${x.status}: ${x.message}`).join('; ')})`);
    }
    for (const r of namedRules(resp, names)) {
      const difference = r.patched && patchedFile ? comparePatched(resp.patched ?? r.patched) : undefined;
      if (difference && 'missing' in difference) {
        leftOut = true;
        continue;
      }
      if (difference) {
        decisions.push({ engine: 'kyverno', policy: resp.policy, rule: r.rule, verdict: 'error', messages: ['the mutated resource differs from the test\'s patchedResource'], reason: 'patched resource differs' });
        continue;
      }
      decisions.push(ruleDecision(resp, r));
    }
  }
  if (decisions.length === 0) return row('excluded', leftOut ? 'patchedResources holds no such resource (the Kyverno CLI leaves the row out)' : 'no rule response (not matched)');
  const statuses = decisions.map((d) => d.reason!);
  const actual = statuses.join(', ');
  if (statuses.every((s) => s === exp.result)) return row('agree', actual, decisions);
  if (decisions.some((d) => d.messages.some((m) => m.includes('are not evaluated by polcov') || m.includes('not yet supported') || m.includes('not supported')))) {
    return row('unsupported', actual, decisions);
  }
  if (statuses.includes('undecided')) return row('needs-cluster', actual, decisions);
  return row('disagree', actual, decisions);
}

/** Every expected result of the test, judged. */
export function runKyvernoTest(test: KyvernoTest): Row[] {
  const run = new TestRun(test);
  return test.results.map((exp) => judge(run, test, exp));
}

const isTestFile = (file: SourceFile): boolean =>
  namedAsKyvernoTest(file.path) || (/apiVersion:\s*cli\.kyverno\.io\//.test(file.text) && /kind:\s*Test\b/.test(file.text));

/** Where the test names the file an error message quotes (`ENOENT … 'dir/policy.yaml'`), else its start. */
function referenceAt(text: string, message: string): { line: number; column: number } {
  const quoted = /'([^']+)'/.exec(message)?.[1];
  const lines = text.split('\n');
  const i = quoted ? lines.findIndex((l) => l.includes(path.basename(quoted))) : -1;
  return i < 0 ? { line: 1, column: 1 } : { line: i + 1, column: lines[i]!.indexOf(path.basename(quoted!)) + 1 };
}

export const kyvernoTestFormat: SuiteFormat = {
  id: 'kyverno',
  detect: isTestFile,
  load(file: SourceFile): LoadedSuite[] {
    let test: KyvernoTest;
    try {
      test = loadKyvernoTest(file.path, file.text);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return [brokenSuite('kyverno', path.basename(path.dirname(file.path)), file.path, { file: file.path, ...referenceAt(file.text, message) }, message)];
    }
    const run = new TestRun(test);
    const cases: SuiteCase[] = test.results.map((exp) => {
      const at = { file: file.path, line: exp.line, column: exp.column };
      const mutation = mutationTarget(run, test, exp, at);
      return {
        name: `${exp.policy}/${exp.rule}/${exp.resource}`,
        path: `${test.name}/${exp.policy}/${exp.rule}/${exp.resource}`,
        at,
        ...(mutation ? { mutation } : {}),
        run(): CaseResult {
          const r = judge(run, test, exp);
          const status = r.outcome === 'agree' || r.outcome === 'excluded' ? 'pass' : r.outcome === 'disagree' ? 'fail' : 'error';
          return { status, expected: `result: ${exp.result}`, actual: `${r.outcome}: ${r.actual}`, decisions: r.decisions };
        },
      };
    });
    return [{ format: 'kyverno', name: test.name, file: file.path, cases }];
  },
};
