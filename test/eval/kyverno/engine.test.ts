/**
 * Kyverno ClusterPolicy evaluation on admission requests: match and exclude, autogen, variables,
 * preconditions, deny conditions, foreach, context needing cluster data, exceptions, failure action,
 * and the kubectl debug UPDATE reaching a rule on `kinds: [Pod]` (Kyverno's automatic subresource).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { debugUpdate, EMPTY_CLUSTER, objectRequest, podCreate, type Evaluator, type KubeObject } from '../../../src/admission';
import { evaluatePolicy, kyvernoEvaluator, type EvalInput } from '../../../src/eval/kyverno';

const NOBODY = { roles: [], clusterRoles: [], username: '', groups: [], empty: true };

function run(policy: KubeObject, resource: KubeObject, over: Partial<EvalInput> = {}) {
  const request = over.request ?? objectRequest(resource, 'CREATE');
  return evaluatePolicy(policy, { request, resource, namespaceLabels: {}, info: NOBODY, exceptions: [], values: () => ({}), ...over }).rules;
}

function policy(rules: unknown[], spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'pol', annotations }, spec: { rules, ...spec } };
}

const pod = (containers: unknown[], meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', ...meta },
  spec: { containers },
});
const deployment = (containers: unknown[]): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'default' },
  spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers } } },
});

const PRIVILEGED = { name: 'c', image: 'nginx', securityContext: { privileged: true } };
const PLAIN = { name: 'c', image: 'nginx' };

const noPrivileged = {
  name: 'no-privileged',
  match: { any: [{ resources: { kinds: ['Pod'] } }] },
  validate: { message: 'Privileged mode is disallowed.', pattern: { spec: { containers: [{ '=(securityContext)': { '=(privileged)': 'false' } }] } } },
};

describe('match and exclude', () => {
  it('a rule on kinds [Pod] receives the pods/ephemeralcontainers UPDATE', () => {
    const base = pod([PLAIN]);
    const debug = debugUpdate(base, PRIVILEGED);
    const rules = run(policy([{ ...noPrivileged, validate: { ...noPrivileged.validate, pattern: { spec: { '=(ephemeralContainers)': [{ '=(securityContext)': { '=(privileged)': 'false' } }] } } } }]), debug.object!, { request: debug });
    expect(rules).toEqual([expect.objectContaining({ rule: 'no-privileged', status: 'fail' })]);
  });

  it.each([
    [{ kinds: ['Pod'], operations: ['CREATE'] }, 'UPDATE', false],
    [{ kinds: ['Pod'], operations: ['CREATE'] }, 'CREATE', true],
    [{ kinds: ['Deployment'] }, 'CREATE', false],
    [{ kinds: ['v1/Pod'] }, 'CREATE', true],
    [{ kinds: ['apps/v1/Pod'] }, 'CREATE', false],
    [{ kinds: ['Pod'], namespaces: ['prod-*'] }, 'CREATE', false],
    [{ kinds: ['Pod'], namespaces: ['def*'] }, 'CREATE', true],
    [{ kinds: ['Pod'], names: ['p*'] }, 'CREATE', true],
    [{ kinds: ['Pod'], selector: { matchLabels: { app: 'web' } } }, 'CREATE', true],
    [{ kinds: ['Pod'], selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } }, 'CREATE', false],
  ])('match resources %j on %s matches: %s', (resources, operation, matches) => {
    const resource = pod([PLAIN], { labels: { app: 'web' } });
    const request = objectRequest(resource, operation as 'CREATE' | 'UPDATE');
    const rules = run(policy([{ ...noPrivileged, match: { any: [{ resources }] } }]), resource, { request });
    expect(rules.length).toBe(matches ? 1 : 0);
  });

  it('exclude by subject, role or namespace selector removes the request', () => {
    const resource = pod([PRIVILEGED]);
    const admin = { roles: [], clusterRoles: ['cluster-admin'], username: 'alice', groups: ['ops'], empty: false };
    const byRole = { ...noPrivileged, exclude: { any: [{ clusterRoles: ['cluster-admin'] }] } };
    const byGroup = { ...noPrivileged, exclude: { any: [{ subjects: [{ kind: 'Group', name: 'op*' }] }] } };
    const byNs = { ...noPrivileged, exclude: { any: [{ resources: { namespaceSelector: { matchLabels: { tier: 'system' } } } }] } };
    expect(run(policy([byRole]), resource, { info: admin })).toEqual([]);
    expect(run(policy([byGroup]), resource, { info: admin })).toEqual([]);
    expect(run(policy([byNs]), resource, { namespaceLabels: { tier: 'system' } })).toEqual([]);
    expect(run(policy([byNs]), resource, { namespaceLabels: { tier: 'apps' } })).toEqual([expect.objectContaining({ status: 'fail' })]);
  });
});

describe('autogen', () => {
  it('checks a Deployment under autogen-<rule> with the pattern moved to the pod template', () => {
    expect(run(policy([noPrivileged]), deployment([PRIVILEGED]))).toEqual([
      { rule: 'autogen-no-privileged', status: 'fail', message: 'validation error: Privileged mode is disallowed. rule autogen-no-privileged failed at path /spec/template/spec/containers/0/securityContext/privileged/' },
    ]);
  });
  it('rewrites request.object.spec in deny conditions and is off with the annotation none', () => {
    const deny = {
      name: 'no-host-network',
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      validate: { deny: { conditions: { any: [{ key: '{{ request.object.spec.hostNetwork || `false` }}', operator: 'Equals', value: true }] } } },
    };
    const d = deployment([PLAIN]);
    (d.spec as { template: { spec: Record<string, unknown> } }).template.spec.hostNetwork = true;
    expect(run(policy([deny]), d)).toEqual([expect.objectContaining({ rule: 'autogen-no-host-network', status: 'fail' })]);
    expect(run(policy([deny], {}, { 'pod-policies.kyverno.io/autogen-controllers': 'none' }), d)).toEqual([]);
  });
});

describe('variables, preconditions and deny', () => {
  const labelRule = (extra: Record<string, unknown>) => ({
    name: 'team-label',
    match: { any: [{ resources: { kinds: ['Pod'] } }] },
    ...extra,
  });
  it('substitutes {{ }} in the message and reads request variables', () => {
    const rule = labelRule({
      validate: { message: 'pod {{ request.object.metadata.name }} needs a team', deny: { conditions: { all: [{ key: "{{ request.object.metadata.labels.team || '' }}", operator: 'Equals', value: '' }] } } },
    });
    expect(run(policy([rule]), pod([PLAIN]))).toEqual([{ rule: 'team-label', status: 'fail', message: 'pod p needs a team' }]);
    expect(run(policy([rule]), pod([PLAIN], { labels: { team: 'a' } }))[0]!.status).toBe('pass');
  });
  it('preconditions not met skip the rule; an unknown key in a plain path is an error', () => {
    const skip = labelRule({ preconditions: { all: [{ key: '{{ request.operation }}', operator: 'Equals', value: 'DELETE' }] }, validate: { pattern: { metadata: { labels: { team: '?*' } } } } });
    expect(run(policy([skip]), pod([PLAIN]))[0]).toMatchObject({ status: 'skip', message: 'preconditions not met' });
    const missing = labelRule({ preconditions: { all: [{ key: '{{ request.object.metadata.labels.team }}', operator: 'Equals', value: 'a' }] }, validate: { pattern: { metadata: { name: '?*' } } } });
    expect(run(policy([missing]), pod([PLAIN]))[0]).toMatchObject({ status: 'error' });
  });
  it('a context entry needing cluster data is undecided unless the test supplies its value', () => {
    const rule = labelRule({
      context: [{ name: 'allowed', configMap: { name: 'teams', namespace: 'default' } }],
      validate: { deny: { conditions: { any: [{ key: "{{ request.object.metadata.labels.team || '' }}", operator: 'AnyNotIn', value: '{{ allowed.data.teams }}' }] } } },
    });
    const resource = pod([PLAIN], { labels: { team: 'a' } });
    expect(run(policy([rule]), resource)[0]!.status).toBe('undecided');
    expect(run(policy([rule]), resource, { values: () => ({ 'allowed.data.teams': ['a', 'b'] }) })[0]!.status).toBe('pass');
    expect(run(policy([rule]), resource, { values: () => ({ 'allowed.data.teams': ['b'] }) })[0]!.status).toBe('fail');
  });
  it('a variable context entry with jmesPath and default', () => {
    const rule = labelRule({
      context: [{ name: 'count', variable: { jmesPath: 'length(request.object.spec.containers)', default: 0 } }],
      validate: { deny: { conditions: { any: [{ key: '{{ count }}', operator: 'GreaterThan', value: 1 }] } } },
    });
    expect(run(policy([rule]), pod([PLAIN]))[0]!.status).toBe('pass');
    expect(run(policy([rule]), pod([PLAIN, { ...PLAIN, name: 'd' }]))[0]!.status).toBe('fail');
  });
});

describe('foreach', () => {
  const rule = {
    name: 'trusted-registry',
    match: { any: [{ resources: { kinds: ['Pod'] } }] },
    validate: {
      message: 'image {{ element.image }} is not trusted',
      foreach: [{ list: 'request.object.spec.containers', preconditions: { all: [{ key: '{{ element.name }}', operator: 'NotEquals', value: 'istio-proxy' }] }, deny: { conditions: { all: [{ key: '{{ element.image }}', operator: 'NotEquals', value: 'corp.io/*' }] } } }],
    },
  };
  it('denies on the first failing element, skipping elements whose preconditions fail', () => {
    expect(run(policy([rule]), pod([{ name: 'a', image: 'corp.io/a' }, { name: 'b', image: 'docker.io/b' }]))[0]).toEqual({ rule: 'trusted-registry', status: 'fail', message: 'validation failure: image docker.io/b is not trusted' });
    expect(run(policy([rule]), pod([{ name: 'istio-proxy', image: 'docker.io/istio' }, { name: 'a', image: 'corp.io/a' }]))[0]!.status).toBe('pass');
  });
  it('scopes a pattern to the element and gives elementIndex', () => {
    const scoped = {
      name: 'named-ports',
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      validate: { foreach: [{ list: 'request.object.spec.containers', pattern: { name: 'c{{ elementIndex }}' } }] },
    };
    expect(run(policy([scoped]), pod([{ name: 'c0', image: 'x' }, { name: 'c1', image: 'x' }]))[0]!.status).toBe('pass');
    expect(run(policy([scoped]), pod([{ name: 'c0', image: 'x' }, { name: 'c9', image: 'x' }]))[0]!.status).toBe('fail');
  });
});

describe('exceptions and failure action', () => {
  const exception: KubeObject = {
    apiVersion: 'kyverno.io/v2',
    kind: 'PolicyException',
    metadata: { name: 'allow-debug', namespace: 'default' },
    spec: { exceptions: [{ policyName: 'pol', ruleNames: ['no-privileged', 'autogen-no-privileged'] }], match: { any: [{ resources: { kinds: ['Pod'], names: ['p'] } }] } },
  };
  it('a matching PolicyException skips the rule', () => {
    expect(run(policy([noPrivileged]), pod([PRIVILEGED]), { exceptions: [exception] })).toEqual([
      { rule: 'no-privileged', status: 'skip', message: 'rule is skipped due to policy exceptions' },
    ]);
    expect(run(policy([noPrivileged]), pod([PRIVILEGED], { name: 'q' }), { exceptions: [exception] })[0]!.status).toBe('fail');
  });
  it('failureAction per rule overrides the policy: Enforce denies, Audit audits', () => {
    const enforced = { ...noPrivileged, validate: { ...noPrivileged.validate, failureAction: 'Enforce' } };
    const decide = (p: KubeObject) => kyvernoEvaluator([p]).evaluate(podCreate(pod([PRIVILEGED])), EMPTY_CLUSTER)[0]!.verdict;
    expect(decide(policy([noPrivileged], { validationFailureAction: 'Audit' }))).toBe('audit');
    expect(decide(policy([enforced], { validationFailureAction: 'Audit' }))).toBe('deny');
    expect(decide(policy([noPrivileged], { validationFailureAction: 'Enforce' }))).toBe('deny');
  });
});

describe('enforced rules on UPDATE', () => {
  const enforced = policy([noPrivileged], { validationFailureAction: 'Enforce' });
  it('skips a violation the old object already had (allowExistingViolations defaults to true)', () => {
    const old = pod([PRIVILEGED]);
    const request = objectRequest(old, 'UPDATE', { oldObject: old });
    expect(run(enforced, old, { request })[0]).toMatchObject({ status: 'skip', message: 'skipping the rule evaluation as pre-existing violations are allowed' });
  });
  it('fails a violation the UPDATE introduces, and any violation when allowExistingViolations is false', () => {
    const before = pod([PLAIN]);
    const after = pod([PRIVILEGED]);
    expect(run(enforced, after, { request: objectRequest(after, 'UPDATE', { oldObject: before }) })[0]!.status).toBe('fail');
    const strict = policy([{ ...noPrivileged, validate: { ...noPrivileged.validate, allowExistingViolations: false } }], { validationFailureAction: 'Enforce' });
    expect(run(strict, after, { request: objectRequest(after, 'UPDATE', { oldObject: after }) })[0]!.status).toBe('fail');
  });
  it('a kubectl debug UPDATE on a Pod that already ran privileged is skipped by an Enforce rule', () => {
    const base = pod([PRIVILEGED]);
    const debug = debugUpdate(base, { name: 'dbg', image: 'busybox', securityContext: { privileged: true } });
    expect(run(enforced, debug.object!, { request: debug })[0]!.status).toBe('skip');
  });
});

describe('failureActionOverrides', () => {
  it('the first override whose namespaces take the resource decides', () => {
    const p = policy([noPrivileged], { validationFailureAction: 'Audit', validationFailureActionOverrides: [{ action: 'Enforce', namespaces: ['def*'] }] });
    const decide = (ns: string) => kyvernoEvaluator([p]).evaluate(podCreate(pod([PRIVILEGED], { namespace: ns })), EMPTY_CLUSTER)[0]!.verdict;
    expect(decide('default')).toBe('deny');
    expect(decide('prod')).toBe('audit');
  });
});

const CORPUS_POLICY = path.join(__dirname, '../../../../shared/corpus/kyverno-policies/pod-security/baseline/disallow-privileged-containers/disallow-privileged-containers.yaml');
const corpus = fs.existsSync(CORPUS_POLICY) ? describe : describe.skip;
if (!fs.existsSync(CORPUS_POLICY)) console.warn(`skipping the corpus policy check: ${CORPUS_POLICY} is absent`);

corpus('kyverno/policies disallow-privileged-containers (corpus)', () => {
  // Read in the tests, not here: a skipped describe still runs its body.
  const evaluator = { evaluate: (...args: Parameters<Evaluator['evaluate']>) => kyvernoEvaluator([parse(fs.readFileSync(CORPUS_POLICY, 'utf8')) as KubeObject]).evaluate(...args) };
  const base = pod([PLAIN]);
  it('fails a privileged container on Pod CREATE (Audit: the violation does not block)', () => {
    const [d] = evaluator.evaluate(podCreate(pod([PRIVILEGED])), EMPTY_CLUSTER);
    expect(d).toMatchObject({ rule: 'privileged-containers', verdict: 'audit' });
    expect(d!.messages[0]).toMatch(/^validation error: Privileged mode is disallowed\..*rule privileged-containers failed at path \/spec\/containers\/0\/securityContext\/privileged\/$/);
  });
  it('fails a privileged debug container added by the kubectl debug UPDATE', () => {
    const [d] = evaluator.evaluate(debugUpdate(base, { name: 'debugger', image: 'busybox', securityContext: { privileged: true } }), EMPTY_CLUSTER);
    expect(d).toMatchObject({ rule: 'privileged-containers', verdict: 'audit' });
    expect(d!.messages[0]).toMatch(/failed at path \/spec\/ephemeralContainers\/0\/securityContext\/privileged\/$/);
  });
  it('passes the same Pod and debug container without privileged', () => {
    expect(evaluator.evaluate(podCreate(base), EMPTY_CLUSTER)[0]!.verdict).toBe('admit');
    expect(evaluator.evaluate(debugUpdate(base, { name: 'debugger', image: 'busybox' }), EMPTY_CLUSTER)[0]!.verdict).toBe('admit');
  });
});

describe('anyPattern, nested foreach and CronJob autogen', () => {
  const anyPattern = {
    name: 'run-as-non-root',
    match: { any: [{ resources: { kinds: ['Pod'] } }] },
    validate: {
      message: 'Running as root is not allowed.',
      anyPattern: [{ spec: { securityContext: { runAsNonRoot: true } } }, { spec: { containers: [{ securityContext: { runAsNonRoot: true } }] } }],
    },
  };
  it('anyPattern passes on any branch and fails with every branch named', () => {
    expect(run(policy([anyPattern]), { ...pod([PLAIN]), spec: { securityContext: { runAsNonRoot: true }, containers: [PLAIN] } })[0]).toEqual({
      rule: 'run-as-non-root',
      status: 'pass',
      message: "validation rule 'run-as-non-root' anyPattern[0] passed.",
    });
    expect(run(policy([anyPattern]), pod([PLAIN]))[0]).toEqual({
      rule: 'run-as-non-root',
      status: 'fail',
      message: 'validation error: Running as root is not allowed. rule run-as-non-root[0] failed at path /spec/securityContext/ rule run-as-non-root[1] failed at path /spec/containers/0/securityContext/',
    });
  });
  it('nested foreach sees element0 of the outer loop', () => {
    const nested = {
      name: 'ports-named-after-container',
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      validate: {
        foreach: [
          {
            list: 'request.object.spec.containers',
            foreach: [{ list: 'element.ports', deny: { conditions: { any: [{ key: '{{ element.name }}', operator: 'NotEquals', value: '{{ element0.name }}-*' }] } } }],
          },
        ],
      },
    };
    const withPorts = (port: string) => pod([{ name: 'web', image: 'x', ports: [{ name: port, containerPort: 80 }] }]);
    expect(run(policy([nested]), withPorts('web-http'))[0]!.status).toBe('pass');
    expect(run(policy([nested]), withPorts('http'))[0]!.status).toBe('fail');
  });
  it('a CronJob is checked under autogen-cronjob-<rule> at the job template', () => {
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c', namespace: 'default' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [PRIVILEGED] } } } } },
    };
    expect(run(policy([noPrivileged]), cron)).toEqual([
      expect.objectContaining({ rule: 'autogen-cronjob-no-privileged', status: 'fail', message: expect.stringContaining('/spec/jobTemplate/spec/template/spec/containers/0/securityContext/privileged/') }),
    ]);
  });
});

describe('admission without RBAC data', () => {
  it('a rule excluding clusterRoles is undecided for a real request, never admitted or denied', () => {
    const excluded = { ...noPrivileged, exclude: { any: [{ clusterRoles: ['cluster-admin'] }] } };
    const [d] = kyvernoEvaluator([policy([excluded])]).evaluate(debugUpdate(pod([PLAIN]), PRIVILEGED), EMPTY_CLUSTER);
    expect(d).toMatchObject({ rule: 'no-privileged', verdict: 'undecided' });
    expect(d!.reason).toMatch(/RBAC bindings of the user are not known/);
  });
});
