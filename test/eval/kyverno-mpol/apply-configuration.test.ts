/**
 * ApplyConfiguration merge as the Kubernetes MutatingAdmissionPolicy documentation describes it:
 * the apply configuration is merged with the server-side apply strategy — maps field by field,
 * `listType: map` lists by their keys (the docs' sidecar example adds an initContainer by name
 * without touching the others), `listType: set` lists as a union, atomic lists replaced whole.
 */
import { mergeApplyConfiguration } from '../../../src/eval/kyverno-mpol/apply-configuration';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    serviceAccountName: 'default',
    initContainers: [{ name: 'setup', image: 'busybox', args: ['init'] }],
    containers: [{ name: 'app', image: 'nginx', args: ['-g', 'daemon off;'], env: [{ name: 'A', value: '1' }] }],
    tolerations: [{ key: 'old', operator: 'Exists' }],
  },
};

describe('mergeApplyConfiguration', () => {
  it.each([
    ['a scalar is replaced', { spec: { serviceAccountName: 'example' } }, (o: any) => expect(o.spec.serviceAccountName).toBe('example')],
    ['a map keeps the keys the configuration does not name', { metadata: { labels: { team: 'a' } } }, (o: any) => expect(o.metadata.labels).toEqual({ app: 'web', team: 'a' })],
    [
      'a keyed list (containers by name) gains a new item at its end',
      { spec: { initContainers: [{ name: 'mesh-proxy', image: 'mesh/proxy:v1.0.0', restartPolicy: 'Always' }] } },
      (o: any) => expect(o.spec.initContainers.map((c: any) => c.name)).toEqual(['setup', 'mesh-proxy']),
    ],
    [
      'a keyed list item with the same key merges field by field',
      { spec: { containers: [{ name: 'app', imagePullPolicy: 'Always', env: [{ name: 'B', value: '2' }] }] } },
      (o: any) => expect(o.spec.containers).toEqual([{ name: 'app', image: 'nginx', args: ['-g', 'daemon off;'], imagePullPolicy: 'Always', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }]),
    ],
    ['an atomic list (args) is replaced whole', { spec: { containers: [{ name: 'app', args: ['x'] }] } }, (o: any) => expect(o.spec.containers[0].args).toEqual(['x'])],
    ['an atomic list (tolerations) is replaced whole', { spec: { tolerations: [{ key: 'new', operator: 'Exists' }] } }, (o: any) => expect(o.spec.tolerations).toEqual([{ key: 'new', operator: 'Exists' }])],
    ['a set list (finalizers) takes the union', { metadata: { finalizers: ['a', 'b'] } }, (o: any) => expect(o.metadata.finalizers).toEqual(['a', 'b'])],
    ['a field the object lacks is added', { spec: { priorityClassName: 'high' } }, (o: any) => expect(o.spec.priorityClassName).toBe('high')],
  ])('%s', (_name, patch, check) => {
    const before = JSON.stringify(pod);
    check(mergeApplyConfiguration(pod, patch));
    expect(JSON.stringify(pod)).toBe(before);
  });
});
