import { debugUpdate, EMPTY_CLUSTER, podCreate, type AdmissionRequest, type ClusterContext, type KubeObject } from '../../src/admission';
import { vapEvaluator, vapSet, type VapSet } from '../../src/eval/vap';

// Expected values from the Kubernetes documentation of ValidatingAdmissionPolicy
// (kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).
const privilegedPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'prod', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] } };
const plainPod = { ...privilegedPod, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

const noPrivileged = 'object.spec.containers.all(c, !(c.?securityContext.?privileged.orValue(false))) && object.spec.?ephemeralContainers.orValue([]).all(c, !(c.?securityContext.?privileged.orValue(false)))';

function policy(spec: KubeObject = {}): KubeObject {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-priv' },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] }] },
      validations: [{ expression: noPrivileged, message: 'privileged containers are not allowed' }],
      ...spec,
    } };
}
function binding(spec: KubeObject = {}): KubeObject {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec: { policyName: 'no-priv', validationActions: ['Deny'], ...spec } };
}
function decide(p: KubeObject, b: KubeObject, req: AdmissionRequest, params: KubeObject[] = [], cluster: ClusterContext = EMPTY_CLUSTER) {
  const set: VapSet = { policies: [{ object: p }], bindings: [{ object: b }], params };
  return vapEvaluator(set).evaluate(req, cluster)[0]!;
}
const ns = (name: string, labels: Record<string, string>): ClusterContext => ({ namespaces: new Map([[name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }]]), inventory: [] });

describe('ValidatingAdmissionPolicy', () => {
  it('denies a privileged Pod CREATE with the validation message', () => {
    expect(decide(policy(), binding(), podCreate(privilegedPod))).toMatchObject({ engine: 'vap', policy: 'no-priv/b', verdict: 'deny', rule: 'validations[0]', messages: ['privileged containers are not allowed'] });
  });
  it('admits a pod that passes', () => {
    expect(decide(policy(), binding(), podCreate(plainPod)).verdict).toBe('admit');
  });
  it('sees the kubectl debug UPDATE when pods/ephemeralcontainers is matched', () => {
    expect(decide(policy(), binding(), debugUpdate(plainPod, { name: 'dbg', image: 'busybox', securityContext: { privileged: true } })).verdict).toBe('deny');
  });
  it('never sees the debug UPDATE when only "pods" is matched (the subresource is not included)', () => {
    const p = policy({ matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['*'], resources: ['pods'] }] } });
    expect(decide(p, binding(), debugUpdate(plainPod, { name: 'dbg', image: 'busybox', securityContext: { privileged: true } })).verdict).toBe('not-evaluated');
  });
  it.each([
    [['pods/*'], 'deny'],
    [['*/*'], 'deny'],
    [['*'], 'not-evaluated'],
    [['*/ephemeralcontainers'], 'deny'],
  ])('resources %j on the debug UPDATE: %s', (resources, verdict) => {
    const p = policy({ matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources }] } });
    expect(decide(p, binding(), debugUpdate(plainPod, { name: 'dbg', image: 'b', securityContext: { privileged: true } })).verdict).toBe(verdict);
  });
  it('operations: CREATE only skips the UPDATE', () => {
    const p = policy({ matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods', 'pods/ephemeralcontainers'] }] } });
    expect(decide(p, binding(), debugUpdate(plainPod, { name: 'dbg', image: 'b', securityContext: { privileged: true } })).verdict).toBe('not-evaluated');
  });
  it('a policy without resourceRules matches nothing; a binding without them does not narrow', () => {
    expect(decide(policy({ matchConstraints: {} }), binding(), podCreate(privilegedPod)).verdict).toBe('not-evaluated');
    expect(decide(policy(), binding({ matchResources: { objectSelector: {} } }), podCreate(privilegedPod)).verdict).toBe('deny');
  });
  it('excludeResourceRules exclude', () => {
    const p = policy({ matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*/*'] }], excludeResourceRules: [{ apiGroups: [''], apiVersions: ['*'], operations: ['*'], resources: ['pods/ephemeralcontainers'] }] } });
    expect(decide(p, binding(), debugUpdate(plainPod, { name: 'dbg', image: 'b', securityContext: { privileged: true } })).verdict).toBe('not-evaluated');
  });
  it('matchPolicy Exact refuses another version, Equivalent (the default) accepts it', () => {
    const rules = [{ apiGroups: [''], apiVersions: ['v2'], operations: ['CREATE'], resources: ['pods'] }];
    expect(decide(policy({ matchConstraints: { resourceRules: rules, matchPolicy: 'Exact' } }), binding(), podCreate(privilegedPod)).verdict).toBe('not-evaluated');
    expect(decide(policy({ matchConstraints: { resourceRules: rules } }), binding(), podCreate(privilegedPod)).verdict).toBe('deny');
  });
  it('the binding narrows with matchResources: namespaceSelector', () => {
    const b = binding({ matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } });
    expect(decide(policy(), b, podCreate(privilegedPod), [], ns('prod', { env: 'prod' })).verdict).toBe('deny');
    expect(decide(policy(), b, podCreate(privilegedPod), [], ns('prod', { env: 'dev' })).verdict).toBe('not-evaluated');
    expect(decide(policy(), b, podCreate(privilegedPod)).verdict).toBe('undecided');
  });
  it('objectSelector matches the labels of the object', () => {
    const constraints = (selector: KubeObject) => ({ matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }], objectSelector: selector } });
    expect(decide(policy(constraints({ matchLabels: { app: 'db' } })), binding(), podCreate(privilegedPod)).verdict).toBe('not-evaluated');
    expect(decide(policy(constraints({ matchLabels: { app: 'web' } })), binding(), podCreate(privilegedPod)).verdict).toBe('deny');
  });
  it('matchConditions: false skips the policy', () => {
    const p = policy({ matchConditions: [{ name: 'not-prod', expression: 'object.metadata.namespace != "prod"' }] });
    expect(decide(p, binding(), podCreate(privilegedPod)).verdict).toBe('admit');
  });
  it('variables and messageExpression', () => {
    const p = policy({
      variables: [{ name: 'bad', expression: 'object.spec.containers.filter(c, c.?securityContext.?privileged.orValue(false)).map(c, c.name)' }],
      validations: [{ expression: 'size(variables.bad) == 0', messageExpression: '"privileged: " + variables.bad.join(", ")' }],
    });
    expect(decide(p, binding(), podCreate(privilegedPod)).messages).toEqual(['privileged: c']);
  });
  it('without message or messageExpression the message names the failed expression', () => {
    const p = policy({ validations: [{ expression: 'false' }] });
    expect(decide(p, binding(), podCreate(plainPod)).messages).toEqual(['failed expression: false']);
  });
  it.each([
    [['Deny'], 'deny'],
    [['Warn'], 'warn'],
    [['Audit'], 'audit'],
    [['Warn', 'Audit'], 'warn'],
    [['Deny', 'Audit'], 'deny'],
  ])('validationActions %j give %s', (actions, verdict) => {
    expect(decide(policy(), binding({ validationActions: actions }), podCreate(privilegedPod)).verdict).toBe(verdict);
  });
  it('failurePolicy decides a runtime error: Fail denies, Ignore admits', () => {
    const broken = { validations: [{ expression: 'object.spec.noSuchField == 1' }] };
    expect(decide(policy(broken), binding(), podCreate(plainPod)).verdict).toBe('deny');
    expect(decide(policy({ ...broken, failurePolicy: 'Ignore' }), binding(), podCreate(plainPod)).verdict).toBe('admit');
  });
  it('authorizer checks are undecided', () => {
    const p = policy({ validations: [{ expression: 'authorizer.group("").resource("pods").check("privileged").allowed()' }] });
    expect(decide(p, binding(), podCreate(plainPod))).toMatchObject({ verdict: 'undecided', reason: expect.stringContaining('authorizer') });
  });

  describe('params', () => {
    const paramKind = { apiVersion: 'v1', kind: 'ConfigMap' };
    const p = policy({ paramKind, validations: [{ expression: 'object.metadata.name != params.data.forbidden', messageExpression: '"forbidden name " + params.data.forbidden' }] });
    const cm = (name: string, forbidden: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'prod', labels }, data: { forbidden } });
    it('paramRef by name', () => {
      expect(decide(p, binding({ paramRef: { name: 'rules', namespace: 'prod' } }), podCreate(plainPod), [cm('rules', 'p'), cm('other', 'x')])).toMatchObject({ verdict: 'deny', messages: ['forbidden name p'] });
    });
    it('paramRef by selector evaluates every selected params object', () => {
      const d = decide(p, binding({ paramRef: { selector: { matchLabels: { use: 'yes' } } } }), podCreate(plainPod), [cm('a', 'p', { use: 'yes' }), cm('b', 'q', { use: 'yes' }), cm('c', 'p')]);
      expect(d).toMatchObject({ verdict: 'deny', messages: ['forbidden name p'] });
    });
    it('parameterNotFoundAction: Allow admits, Deny (the default) denies', () => {
      expect(decide(p, binding({ paramRef: { name: 'missing', parameterNotFoundAction: 'Allow' } }), podCreate(plainPod)).verdict).toBe('admit');
      expect(decide(p, binding({ paramRef: { name: 'missing', parameterNotFoundAction: 'Deny' } }), podCreate(plainPod)).verdict).toBe('deny');
    });
  });

  it('a scanned set: policies, bindings, and the params objects a paramRef names', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rules', namespace: 'prod' }, data: { forbidden: 'p' } };
    const p = policy({ paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.metadata.name != params.data.forbidden' }] });
    const set = vapSet([{ object: p }, { object: binding({ paramRef: { name: 'rules' } }) }, { object: cm }]);
    expect(set.params).toEqual([cm]);
    expect(vapEvaluator(set).evaluate(podCreate(plainPod), EMPTY_CLUSTER).map((d) => d.verdict)).toEqual(['deny']);
  });

  it('a binding that names a policy not in the set is an error', () => {
    expect(vapEvaluator({ policies: [], bindings: [{ object: binding() }], params: [] }).evaluate(podCreate(plainPod), EMPTY_CLUSTER)[0]!.verdict).toBe('error');
  });
});
