/**
 * Kyverno MutatingPolicy on one request, with the examples of the MutatingAdmissionPolicy API
 * reference (typed `Object{…}` apply configurations, `JSONPatch{…}` lists, `jsonpatch.escapeKey`)
 * and Kyverno's engine outcomes: not matched → no response, a false matchCondition → skip, an
 * applied mutation → pass with the patched object, an evaluation failure → error.
 */
import { EMPTY_CLUSTER, podCreate, type KubeObject } from '../../../src/admission';
import { evaluateMutatingPolicy } from '../../../src/eval/kyverno-mpol';
import { rewriteTypedLiterals } from '../../../src/eval/kyverno-mpol/typed-literals';

function mpol(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'policies.kyverno.io/v1alpha1',
    kind: 'MutatingPolicy',
    metadata: { name: 'mutate' },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] }, ...spec },
  };
}
const apply = (expression: string) => ({ patchType: 'ApplyConfiguration', applyConfiguration: { expression } });
const json = (expression: string) => ({ patchType: 'JSONPatch', jsonPatch: { expression } });

const pod: KubeObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'envoy', securityContext: { runAsNonRoot: true } }] },
};
const run = (spec: Record<string, unknown>, object = pod) => evaluateMutatingPolicy(mpol(spec), podCreate(object), EMPTY_CLUSTER);
const spec = (o: KubeObject | undefined) => o?.spec as Record<string, any>;
const meta = (o: KubeObject | undefined) => o?.metadata as Record<string, any>;

describe('MutatingPolicy mutations', () => {
  it('an ApplyConfiguration sets a field (Object{spec: Object.spec{serviceAccountName: "example"}})', () => {
    const r = run({ mutations: [apply('Object{ spec: Object.spec{ serviceAccountName: "example" } }')] });
    expect(r.status).toBe('pass');
    expect(spec(r.patched).serviceAccountName).toBe('example');
    expect(spec(r.patched).containers).toHaveLength(2);
  });

  it('a JSONPatch test then replace, and a label key escaped with jsonpatch.escapeKey', () => {
    const r = run({
      mutations: [
        json('[JSONPatch{op: "test", path: "/metadata/labels/app", value: "web"}, JSONPatch{op: "replace", path: "/metadata/labels/app", value: "web2"}]'),
        json('[JSONPatch{op: "add", path: "/metadata/labels/" + jsonpatch.escapeKey("example.com/environment"), value: "test"}]'),
      ],
    });
    expect(r.status).toBe('pass');
    expect(meta(r.patched).labels).toEqual({ app: 'web2', 'example.com/environment': 'test' });
  });

  it('a JSONPatch value may be a typed object (Object.spec.selector{…})', () => {
    const r = run({ mutations: [json('[JSONPatch{op: "add", path: "/spec/selector", value: Object.spec.selector{matchLabels: {"environment": "test"}}}]')] });
    expect(spec(r.patched).selector).toEqual({ matchLabels: { environment: 'test' } });
  });

  it('each mutation sees the object the previous one produced', () => {
    const r = run({
      mutations: [
        apply('Object{metadata: Object.metadata{labels: {"step": "one"}}}'),
        json('[JSONPatch{op: "add", path: "/metadata/labels/seen", value: object.metadata.labels["step"]}]'),
      ],
    });
    expect(meta(r.patched).labels).toEqual({ app: 'web', step: 'one', seen: 'one' });
  });

  it('has() on a list element and a typed literal beside null in a conditional (cel-go accepts both)', () => {
    const r = run({
      mutations: [json(`object.spec.containers.map(c, object.spec.containers.indexOf(c)).map(i,
        !has(object.spec.containers[i].securityContext) ?
          JSONPatch{op: "add", path: "/spec/containers/" + string(i) + "/securityContext", value: {"runAsNonRoot": true}} : null
      ).filter(p, p != null)`)],
    });
    expect(r.status).toBe('pass');
    expect(spec(r.patched).containers.map((c: any) => c.securityContext)).toEqual([{ runAsNonRoot: true }, { runAsNonRoot: true }]);
  });
});

describe('MutatingPolicy outcomes', () => {
  it.each([
    ['a request the matchConstraints do not select has no response', { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, mutations: [apply('Object{}')] }, undefined],
    ['a false matchCondition skips', { matchConditions: [{ name: 'never', expression: 'false' }], mutations: [apply('Object{}')] }, 'skip'],
    ['a patch that cannot apply is an error', { mutations: [json('[JSONPatch{op: "remove", path: "/spec/nothing"}]')] }, 'error'],
    ['an applyConfiguration that is no object is an error', { mutations: [apply('"text"')] }, 'error'],
    ['a resource lookup without cluster data is undecided, never a pass', { mutations: [apply('Object{metadata: Object.metadata{labels: {"x": resource.Get("v1", "configmaps", "team-a", "cm").data.x}}}')] }, 'undecided'],
  ])('%s', (_name, s, status) => {
    expect(run(s).status).toBe(status);
  });
});

describe('rewriteTypedLiterals', () => {
  it.each([
    ['Object{a: 1}', 'dyn({"a": 1})'],
    ['Object.spec.x{a: Object.spec.x.a{b: "Object{c: 1}"}, d: [1]}', 'dyn({"a": dyn({"b": "Object{c: 1}"}),"d": [1]})'],
    ['jsonpatch.escapeKey("a/b")', '("a/b").replace("~", "~0").replace("/", "~1")'],
    ['{"k": v}', '{"k": v}'],
  ])('%s', (text, expected) => {
    expect(rewriteTypedLiterals(text)).toBe(expected);
  });
});
