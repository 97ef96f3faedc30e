import { podCreate, debugUpdate, EMPTY_CLUSTER, objectReview, type KubeObject } from '../../src/admission';
import { GatekeeperPolicy, engineFor, gatekeeperEvaluator, gatekeeperReview, inventoryData, readTemplate, type Template } from '../../src/eval/gatekeeper';

/** A template checking hostNetwork, in Rego, in CEL, or both; `allowed` is a parameter. */
function template(halves: { rego?: boolean; cel?: boolean }): Template {
  const code: KubeObject[] = [];
  if (halves.cel) code.push({ engine: 'K8sNativeValidation', source: {
    variables: [{ name: 'allowed', expression: 'has(variables.params.allowed) && variables.params.allowed' }],
    validations: [{ expression: 'variables.allowed || !has(variables.anyObject.spec.hostNetwork) || !variables.anyObject.spec.hostNetwork', messageExpression: '"cel: host network in " + variables.anyObject.metadata.name' }],
  } });
  if (halves.rego) code.push({ engine: 'Rego', source: { rego: [
    'package hostnet',
    'violation[{"msg": msg}] {',
    '  input.review.object.spec.hostNetwork',
    '  not input.parameters.allowed',
    '  msg := sprintf("rego: host network in %v", [input.review.object.metadata.name])',
    '}',
  ].join('\n') } });
  const r = readTemplate({ apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: { name: 'hostnet' },
    spec: { crd: { spec: { names: { kind: 'HostNet' } } }, targets: [{ target: 'admission.k8s.gatekeeper.sh', code }] } }, { file: 't.yaml', line: 1, column: 1 });
  if ('error' in r) throw new Error(r.error);
  return r.template;
}

const constraint = (spec: KubeObject = {}): KubeObject => ({ apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: 'HostNet', metadata: { name: 'c' },
  spec: { match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] }, ...spec } });
const hostPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'nginx' }] } };

describe('Gatekeeper engine choice (DOMAIN.md §6)', () => {
  it.each([
    [{ rego: true, cel: true }, undefined, 'cel'],
    [{ rego: true, cel: true }, '3.17', 'cel'],
    [{ rego: true, cel: true }, '3.16', 'rego'],
    [{ rego: true }, '3.20', 'rego'],
    [{ cel: true }, '3.16', undefined],
  ])('%j on Gatekeeper %s runs %s', (halves, version, engine) => {
    expect(engineFor(template(halves), version)).toBe(engine);
  });
});

describe('Gatekeeper evaluation', () => {
  it.each([
    ['3.20', 'gatekeeper-cel', 'validations[0]', 'cel: host network in p'],
    ['3.16', 'gatekeeper-rego', 'violation', 'rego: host network in p'],
  ])('a dual-engine template on %s decides with %s', (version, engine, rule, message) => {
    const d = new GatekeeperPolicy(template({ rego: true, cel: true }), constraint()).evaluate(podCreate(hostPod), EMPTY_CLUSTER, { gatekeeperVersion: version });
    expect(d).toMatchObject({ engine, verdict: 'deny', rule, messages: [message] });
  });

  it.each([
    [{ rego: true }],
    [{ cel: true }],
  ])('parameters reach the policy (%j): allowed: true admits', (halves) => {
    const d = new GatekeeperPolicy(template(halves), constraint({ parameters: { allowed: true } })).evaluate(podCreate(hostPod), EMPTY_CLUSTER);
    expect(d.verdict).toBe('admit');
  });

  it.each([
    [{ enforcementAction: 'deny' }, 'deny'],
    [{ enforcementAction: 'warn' }, 'warn'],
    [{ enforcementAction: 'dryrun' }, 'audit'],
    [{ enforcementAction: 'scoped', scopedEnforcementActions: [{ action: 'warn', enforcementPoints: [{ name: 'validation.gatekeeper.sh' }] }, { action: 'deny', enforcementPoints: [{ name: 'audit.gatekeeper.sh' }] }] }, 'warn'],
    [{ enforcementAction: 'scoped', scopedEnforcementActions: [{ action: 'deny', enforcementPoints: [{ name: '*' }] }] }, 'deny'],
    [{ enforcementAction: 'scoped', scopedEnforcementActions: [{ action: 'deny', enforcementPoints: [{ name: 'audit.gatekeeper.sh' }] }] }, 'not-evaluated'],
  ])('enforcementAction %j at the admission webhook gives %s', (spec, verdict) => {
    const d = new GatekeeperPolicy(template({ rego: true }), constraint(spec)).evaluate(podCreate(hostPod), EMPTY_CLUSTER);
    expect(d.verdict).toBe(verdict);
  });

  it('as an Evaluator, every constraint of the set decides', () => {
    const set = gatekeeperEvaluator([
      new GatekeeperPolicy(template({ rego: true }), constraint()),
      new GatekeeperPolicy(template({ rego: true }), constraint({ enforcementAction: 'warn' })),
    ]);
    expect(set.evaluate(podCreate(hostPod), EMPTY_CLUSTER).map((d) => d.verdict)).toEqual(['deny', 'warn']);
  });

  it('a request the constraint does not match is not evaluated, with the reason', () => {
    const d = new GatekeeperPolicy(template({ rego: true }), constraint({ match: { excludedNamespaces: ['default'] } })).evaluate(podCreate(hostPod), EMPTY_CLUSTER);
    expect(d).toMatchObject({ verdict: 'not-evaluated', reason: 'namespace default is in match.excludedNamespaces' });
  });

  /** A CEL-only template with the given K8sNativeValidation source. */
  const celPolicy = (source: KubeObject) => {
    const r = readTemplate({ kind: 'ConstraintTemplate', metadata: { name: 'x' }, spec: { crd: { spec: { names: { kind: 'X' } } }, targets: [{ target: 'admission.k8s.gatekeeper.sh',
      code: [{ engine: 'K8sNativeValidation', source }] }] } }, { file: 'x.yaml', line: 1, column: 1 });
    if ('error' in r) throw new Error(r.error);
    return new GatekeeperPolicy(r.template, { kind: 'X', metadata: { name: 'x' }, spec: {} });
  };
  const failing = [{ expression: 'false', message: 'always' }];
  const erring = [{ expression: '"name: " + variables.anyObject.spec == ""' }];

  it('a CEL validation that errs at run time is a violation carrying the error (failurePolicy Fail, the default)', () => {
    expect(celPolicy({ validations: erring }).evaluate(podCreate(hostPod), EMPTY_CLUSTER)).toMatchObject({ verdict: 'deny', messages: [expect.stringContaining('resulted in error')] });
  });

  it('failurePolicy Ignore drops a run-time error', () => {
    expect(celPolicy({ validations: erring, failurePolicy: 'Ignore' }).evaluate(podCreate(hostPod), EMPTY_CLUSTER).verdict).toBe('admit');
  });

  it('matchCondition (Gatekeeper spells it singular) skips the template when false; a "matchConditions" key is not read', () => {
    const notHere = [{ name: 'never', expression: 'false' }];
    expect(celPolicy({ validations: failing, matchCondition: notHere }).evaluate(podCreate(hostPod), EMPTY_CLUSTER)).toMatchObject({ verdict: 'not-evaluated', reason: 'matchCondition never is false' });
    expect(celPolicy({ validations: failing, matchConditions: notHere }).evaluate(podCreate(hostPod), EMPTY_CLUSTER)).toMatchObject({ verdict: 'deny', messages: ['always'] });
  });

  it('on DELETE, object is null and variables.anyObject is the old object', () => {
    const del = { ...podCreate(hostPod), operation: 'DELETE' as const, object: undefined, oldObject: hostPod };
    const p = celPolicy({ validations: [{ expression: 'object == null && variables.anyObject.metadata.name == "p"', message: 'seen' }] });
    expect(p.evaluate(del, EMPTY_CLUSTER).verdict).toBe('admit');
  });

  it('a Rego evaluation error is an error verdict, never admit', () => {
    const r = readTemplate({ kind: 'ConstraintTemplate', metadata: { name: 'x' }, spec: { crd: { spec: { names: { kind: 'X' } } }, targets: [{ target: 'admission.k8s.gatekeeper.sh',
      rego: 'package x\nviolation[{"msg": m}] { m := no_such_builtin(input.review.object) }' }] } }, { file: 'x.yaml', line: 1, column: 1 });
    if ('error' in r) throw new Error(r.error);
    const d = new GatekeeperPolicy(r.template, { kind: 'X', metadata: { name: 'x' }, spec: {} }).evaluate(podCreate(hostPod), EMPTY_CLUSTER);
    expect(d.verdict).toBe('error');
  });
});

describe('input.review and data.inventory as Gatekeeper builds them', () => {
  it('a reviewed object (gator, audit) has no operation and a null oldObject', () => {
    const review = gatekeeperReview(objectReview(hostPod));
    expect(review).toMatchObject({ operation: '', kind: { group: '', version: 'v1', kind: 'Pod' }, name: 'p', namespace: 'default', object: hostPod, oldObject: null, userInfo: {} });
  });

  it('the kubectl debug UPDATE carries the subresource, the old pod and the new ephemeral container', () => {
    const review = gatekeeperReview(debugUpdate(hostPod, { name: 'dbg', image: 'busybox' }));
    expect(review).toMatchObject({ operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: hostPod });
    expect((review.object as { spec: { ephemeralContainers: unknown[] } }).spec.ephemeralContainers).toEqual([{ name: 'dbg', image: 'busybox' }]);
  });

  it('inventory is keyed by namespace/cluster, groupVersion, kind and name', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'prod' } };
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
    const ing = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'prod' } };
    expect(inventoryData([svc, node, ing])).toEqual({
      cluster: { v1: { Node: { n1: node } } },
      namespace: { prod: { v1: { Service: { s: svc } }, 'networking.k8s.io/v1': { Ingress: { i: ing } } } },
    });
  });
});
