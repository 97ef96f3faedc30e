import { debugUpdate, isDenied, pluralOf, podCreate } from '../../src/admission';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'team-a' },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
};

describe('admission requests', () => {
  it('a Pod CREATE carries the pod, its namespace and no oldObject', () => {
    const req = podCreate(pod);
    expect(req.operation).toBe('CREATE');
    expect(req.kind).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(req.resource).toEqual({ group: '', version: 'v1', resource: 'pods' });
    expect(req.subResource).toBeUndefined();
    expect(req.namespace).toBe('team-a');
    expect(req.name).toBe('web');
    expect(req.object).toBe(pod);
    expect(req.oldObject).toBeUndefined();
  });

  it('kubectl debug is an UPDATE on pods/ephemeralcontainers: old pod, new pod with the debug container', () => {
    const debug = { name: 'debugger', image: 'busybox', securityContext: { privileged: true } };
    const req = debugUpdate(pod, debug);
    expect(req.operation).toBe('UPDATE');
    expect(req.resource.resource).toBe('pods');
    expect(req.subResource).toBe('ephemeralcontainers');
    expect(req.requestSubResource).toBe('ephemeralcontainers');
    expect(req.kind.kind).toBe('Pod');
    expect(req.oldObject).toBe(pod);
    const spec = (req.object as { spec: { ephemeralContainers: unknown[]; containers: unknown[] } }).spec;
    expect(spec.ephemeralContainers).toEqual([debug]);
    expect(spec.containers).toEqual(pod.spec.containers);
    expect((pod.spec as Record<string, unknown>).ephemeralContainers).toBeUndefined();
  });

  it.each([
    ['Pod', 'pods'],
    ['Deployment', 'deployments'],
    ['Ingress', 'ingresses'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Endpoints', 'endpoints'],
    ['ConfigMap', 'configmaps'],
  ])('the resource of %s is %s', (kind, resource) => {
    expect(pluralOf(kind)).toBe(resource);
  });

  it('only a deny verdict denies', () => {
    expect(isDenied([{ engine: 'vap', policy: 'p', verdict: 'warn', messages: ['m'] }])).toBe(false);
    expect(isDenied([{ engine: 'vap', policy: 'p', verdict: 'deny', messages: ['m'] }])).toBe(true);
  });
});
