import { constraintMatches } from '../../src/eval/gatekeeper';

// Expected values from Gatekeeper's documentation of the constraint `match` section
// (open-policy-agent.github.io/gatekeeper/website/docs/howto#the-match-field).
const pod = (ns: string | undefined, labels: Record<string, string> = {}, name = 'web') => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, ...(ns ? { namespace: ns } : {}) },
});
const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

describe('Gatekeeper constraint match', () => {
  it.each([
    ['kinds: Pod in the core group', { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] }, pod('default'), true],
    ['kinds: Deployment only', { kinds: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] }, pod('default'), false],
    ['kinds: wildcard group and kind', { kinds: [{ apiGroups: ['*'], kinds: ['*'] }] }, pod('default'), true],
    ['kinds: empty kinds list matches every kind of the group', { kinds: [{ apiGroups: [''] }] }, pod('default'), true],
    ['scope Namespaced on a namespaced pod', { scope: 'Namespaced' }, pod('default'), true],
    ['scope Cluster on a namespaced pod', { scope: 'Cluster' }, pod('default'), false],
    ['scope Cluster on a Namespace object', { scope: 'Cluster' }, ns('default'), true],
    ['namespaces exact', { namespaces: ['prod'] }, pod('prod'), true],
    ['namespaces exact, other namespace', { namespaces: ['prod'] }, pod('dev'), false],
    ['namespaces prefix wildcard', { namespaces: ['kube-*'] }, pod('kube-system'), true],
    ['namespaces on a cluster-scoped object do not apply', { namespaces: ['prod'] }, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }, true],
    ['namespaces: a Namespace object is matched by its own name', { namespaces: ['prod'] }, ns('prod'), true],
    ['excludedNamespaces exact', { excludedNamespaces: ['kube-system'] }, pod('kube-system'), false],
    ['excludedNamespaces suffix wildcard', { excludedNamespaces: ['*-system'] }, pod('gatekeeper-system'), false],
    ['excludedNamespaces other namespace', { excludedNamespaces: ['*-system'] }, pod('default'), true],
    ['labelSelector matchLabels', { labelSelector: { matchLabels: { app: 'web' } } }, pod('d', { app: 'web' }), true],
    ['labelSelector matchLabels miss', { labelSelector: { matchLabels: { app: 'web' } } }, pod('d', { app: 'db' }), false],
    ['labelSelector In', { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } }, pod('d', { tier: 'b' }), true],
    ['labelSelector NotIn on a missing label', { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] } }, pod('d'), true],
    ['labelSelector DoesNotExist', { labelSelector: { matchExpressions: [{ key: 'debug', operator: 'DoesNotExist' }] } }, pod('d', { debug: '1' }), false],
    ['namespaceSelector on a Namespace uses its own labels', { namespaceSelector: { matchLabels: { env: 'prod' } } }, ns('x', { env: 'prod' }), true],
    ['name exact', { name: 'web' }, pod('d', {}, 'web'), true],
    ['name prefix wildcard', { name: 'web-*' }, pod('d', {}, 'web-1'), true],
    ['name miss', { name: 'db' }, pod('d', {}, 'web'), false],
  ])('%s', (_title, match, object, expected) => {
    const r = constraintMatches(match, { object });
    expect('matches' in r && r.matches).toBe(expected);
  });

  it('namespaceSelector reads the labels of the object namespace', () => {
    const match = { namespaceSelector: { matchLabels: { env: 'prod' } } };
    expect(constraintMatches(match, { object: pod('a'), namespace: ns('a', { env: 'prod' }) })).toEqual({ matches: true });
    expect(constraintMatches(match, { object: pod('a'), namespace: ns('a', { env: 'dev' }) })).toMatchObject({ matches: false });
  });

  it('a namespaceSelector without the Namespace object is an error, not a match', () => {
    expect(constraintMatches({ namespaceSelector: { matchLabels: { env: 'prod' } } }, { object: pod('a') })).toHaveProperty('error');
  });

  it('an unknown selector operator is an error', () => {
    expect(constraintMatches({ labelSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }, { object: pod('a') })).toHaveProperty('error');
  });
});
