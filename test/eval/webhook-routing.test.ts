/** Which webhooks the API server calls: rules (with subresources), selectors and matchConditions. */
import { debugUpdate, EMPTY_CLUSTER, podCreate, type ClusterContext, type KubeObject } from '../../src/admission';
import { webhookSends } from '../../src/eval/webhook-routing';

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team-a', labels: { app: 'p' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
const create = podCreate(pod);
const debug = debugUpdate(pod, { name: 'debugger', image: 'busybox' });
const cluster: ClusterContext = { ...EMPTY_CLUSTER, namespaces: new Map([['team-a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { tier: 'apps' } } }]]) };
const rule = (operations: string[], resources: string[]) => ({ apiGroups: [''], apiVersions: ['v1'], operations, resources });
const hook = (extra: KubeObject): KubeObject => ({ name: 'h.example.com', rules: [rule(['CREATE', 'UPDATE'], ['pods', 'pods/ephemeralcontainers'])], ...extra });
const sends = (w: KubeObject, req = debug) => webhookSends(w, req, cluster);

describe('webhookSends', () => {
  it.each<[string, boolean, KubeObject]>([
    ['pods and pods/ephemeralcontainers, CREATE and UPDATE', true, hook({})],
    ['pods only', false, hook({ rules: [rule(['CREATE', 'UPDATE'], ['pods'])] })],
    ['"*" (no subresource)', false, hook({ rules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] })],
    ['"*/*" (every subresource)', true, hook({ rules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*/*'] }] })],
    ['CREATE only', false, hook({ rules: [rule(['CREATE'], ['pods', 'pods/ephemeralcontainers'])] })],
    ['no rules', false, hook({ rules: [] })],
    ['a namespaceSelector that selects the namespace', true, hook({ namespaceSelector: { matchLabels: { tier: 'apps' } } })],
    ['a namespaceSelector that does not', false, hook({ namespaceSelector: { matchLabels: { tier: 'system' } } })],
    ['an objectSelector the pod opts out of', false, hook({ objectSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['p'] }] } })],
    ['a true matchCondition', true, hook({ matchConditions: [{ name: 'sub', expression: 'request.subResource == "ephemeralcontainers"' }] })],
    ['a false matchCondition', false, hook({ matchConditions: [{ name: 'main', expression: '!has(request.subResource)' }] })],
    ['an erroring matchCondition under failurePolicy Fail (the request is rejected)', true, hook({ matchConditions: [{ name: 'bad', expression: 'object.nope.deeper == 1' }] })],
    ['an erroring matchCondition under Ignore (skips it)', false, hook({ failurePolicy: 'Ignore', matchConditions: [{ name: 'bad', expression: 'object.nope.deeper == 1' }] })],
    ['an erroring matchCondition before a false one (any false skips it)', false, hook({ matchConditions: [{ name: 'bad', expression: 'object.nope.deeper == 1' }, { name: 'main', expression: '!has(request.subResource)' }] })],
  ])('kubectl debug request, %s: sent = %s', (_name, expected, w) => {
    expect(sends(w)).toEqual(expect.objectContaining({ matches: expected }));
  });

  it('an erroring matchCondition under failurePolicy Fail says the API server rejects the request', () => {
    expect(sends(hook({ matchConditions: [{ name: 'bad', expression: 'object.nope.deeper == 1' }] }))).toEqual({ matches: true, reason: 'matchCondition bad fails and failurePolicy is Fail: the API server rejects the request' });
  });

  it('a pods-only webhook is sent the pod CREATE', () => {
    expect(sends(hook({ rules: [rule(['CREATE', 'UPDATE'], ['pods'])] }), create)).toEqual({ matches: true });
  });

  it('a namespace polcov was not given leaves a namespaceSelector undecided', () => {
    const elsewhere = podCreate({ ...pod, metadata: { name: 'p', namespace: 'unknown' } });
    expect(sends(hook({ namespaceSelector: { matchLabels: { tier: 'apps' } } }), elsewhere)).toEqual({ undecided: expect.stringContaining('Namespace unknown') });
  });

  it('a matchCondition asking the authorizer is undecided', () => {
    expect(sends(hook({ matchConditions: [{ name: 'rbac', expression: 'authorizer.group("").resource("pods").check("get").allowed()' }] }))).toEqual({ undecided: expect.stringContaining('matchCondition rbac') });
  });
});
