/**
 * Kyverno mutate rules. Expected values come from Kyverno's documentation (mutate: anchors in
 * patchStrategicMerge, foreach) and from RFC 6902 appendix A (JSON patch operations).
 */
import { objectRequest, type KubeObject } from '../../../src/admission';
import { evaluatePolicy } from '../../../src/eval/kyverno/engine';
import { applyJson6902, PatchError } from '../../../src/eval/kyverno/mutate-json6902';
import { applyStrategicMerge } from '../../../src/eval/kyverno/mutate-merge';

const pod = (containers: object[], extra: object = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { app: 'nginx' } },
  spec: { containers, ...extra },
});

describe('patchStrategicMerge anchors', () => {
  it.each([
    ['+() adds a missing label', { metadata: { labels: { '+(color)': 'blue' } } }, { app: 'nginx', color: 'blue' }],
    ['+() keeps an existing label', { metadata: { labels: { '+(app)': 'other' } } }, { app: 'nginx' }],
    ['() on the map applies when it holds', { metadata: { labels: { '(app)': 'nginx', env: 'prod' } } }, { app: 'nginx', env: 'prod' }],
    ['() on the map leaves the resource when it does not', { metadata: { labels: { '(app)': 'redis', env: 'prod' } } }, { app: 'nginx' }],
  ])('%s', (_name, patch, labels) => {
    const out = applyStrategicMerge(pod([{ name: 'a', image: 'nginx' }]), patch) as KubeObject;
    expect((out.metadata as { labels: object }).labels).toEqual(labels);
  });

  it('() in a list element patches only the containers that satisfy it (imagePullPolicy for :latest)', () => {
    const patch = { spec: { containers: [{ '(image)': '*:latest', imagePullPolicy: 'IfNotPresent' }] } };
    const out = applyStrategicMerge(pod([{ name: 'a', image: 'nginx:latest' }, { name: 'b', image: 'nginx:1.25' }]), patch) as KubeObject;
    expect((out.spec as { containers: object[] }).containers).toEqual([
      { name: 'a', image: 'nginx:latest', imagePullPolicy: 'IfNotPresent' },
      { name: 'b', image: 'nginx:1.25' },
    ]);
  });

  it.each([
    ['adds imagePullSecrets when a container image is from the registry', 'corp.reg.com/app:1', [{ name: 'regcred' }]],
    ['changes nothing when no image is', 'docker.io/app:1', undefined],
  ])('<() global anchor %s', (_name, image, secrets) => {
    const patch = { spec: { containers: [{ name: '*', '<(image)': '*corp.reg.com*' }], imagePullSecrets: [{ name: 'regcred' }] } };
    const out = applyStrategicMerge(pod([{ name: 'a', image }]), patch) as KubeObject;
    expect((out.spec as { imagePullSecrets?: object[] }).imagePullSecrets).toEqual(secrets);
    expect((out.spec as { containers: object[] }).containers).toEqual([{ name: 'a', image }]);
  });

  it('merges containers by name and adds new ones; null deletes a key', () => {
    const patch = { metadata: { labels: { app: null } }, spec: { containers: [{ name: 'a', imagePullPolicy: 'Always' }, { name: 'sidecar', image: 'busybox' }] } };
    const out = applyStrategicMerge(pod([{ name: 'a', image: 'nginx' }]), patch) as KubeObject;
    expect((out.metadata as { labels: object }).labels).toEqual({});
    expect((out.spec as { containers: object[] }).containers).toEqual(
      expect.arrayContaining([{ name: 'a', image: 'nginx', imagePullPolicy: 'Always' }, { name: 'sidecar', image: 'busybox' }]),
    );
  });
});

describe('patchesJson6902 (RFC 6902 appendix A)', () => {
  it.each([
    ['A.1 add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['A.6 move a value', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['A.16 add an array value with -', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['Kyverno: a missing path on remove is no error', { foo: 'bar' }, [{ op: 'remove', path: '/nope' }], { foo: 'bar' }],
    ['Kyverno: add creates missing parents', { spec: {} }, [{ op: 'add', path: '/spec/a/b', value: 1 }], { spec: { a: { b: 1 } } }],
  ])('%s', (_name, doc, ops, expected) => {
    expect(applyJson6902(doc, ops)).toEqual(expected);
  });

  it('A.9 a failing test operation is an error', () => {
    expect(() => applyJson6902({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }])).toThrow(PatchError);
  });
});

describe('mutate rules in a policy', () => {
  const policy = (mutate: object, extra: object = {}): KubeObject => ({
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'pol' },
    spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, mutate, ...extra }] },
  });
  const run = (p: KubeObject, resource: KubeObject) =>
    evaluatePolicy(p, {
      request: objectRequest(resource, 'CREATE', { userInfo: { username: '', groups: [] } }),
      resource,
      namespaceLabels: {},
      info: { roles: [], clusterRoles: [], username: '', groups: [], empty: true },
      exceptions: [],
      values: () => ({}),
    });

  it('foreach patches every container that meets its preconditions, with {{ element.name }}', () => {
    const p = policy({
      foreach: [
        {
          list: 'request.object.spec.containers',
          preconditions: { all: [{ key: '{{ element.image }}', operator: 'Equals', value: '*:latest' }] },
          patchStrategicMerge: { spec: { containers: [{ name: '{{ element.name }}', imagePullPolicy: 'Always' }] } },
        },
      ],
    });
    const resp = run(p, pod([{ name: 'a', image: 'nginx:latest' }, { name: 'b', image: 'redis:7' }]));
    expect(resp.rules.map((r) => r.status)).toEqual(['pass']);
    expect((resp.patched!.spec as { containers: object[] }).containers).toEqual([
      { name: 'a', image: 'nginx:latest', imagePullPolicy: 'Always' },
      { name: 'b', image: 'redis:7' },
    ]);
  });

  it('passes when it changed the resource, skips when it did not (no patches applied)', () => {
    const p = policy({ patchesJson6902: '- op: add\n  path: /metadata/labels/team\n  value: "{{ request.object.metadata.name }}"' });
    expect(run(p, pod([])).rules[0]).toMatchObject({ status: 'pass' });
    expect((run(p, pod([])).patched!.metadata as { labels: object }).labels).toEqual({ app: 'nginx', team: 'p' });
    const same = policy({ patchStrategicMerge: { metadata: { labels: { app: 'nginx' } } } });
    expect(run(same, pod([])).rules[0]).toMatchObject({ status: 'skip', message: 'no patches applied' });
  });

  it('skips when preconditions are not met', () => {
    const p = policy({ patchStrategicMerge: { metadata: { labels: { x: 'y' } } } }, { preconditions: { all: [{ key: '{{ request.operation }}', operator: 'Equals', value: 'UPDATE' }] } });
    expect(run(p, pod([])).rules[0]!.status).toBe('skip');
  });

  it('leaves rules that mutate existing resources unevaluated', () => {
    const p = policy({ targets: [{ apiVersion: 'v1', kind: 'Secret' }], patchStrategicMerge: { metadata: { labels: { x: 'y' } } } });
    expect(run(p, pod([])).rules[0]).toMatchObject({ status: 'error', message: 'mutate rules on existing resources (targets) are not evaluated by polcov' });
  });
});
