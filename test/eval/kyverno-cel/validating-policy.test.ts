/**
 * Kyverno ValidatingPolicy at admission, as Kyverno's documentation (policy types / ValidatingPolicy)
 * describes it, and the pod-security-vpol CLI tests of kyverno/policies as oracle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { debugUpdate, EMPTY_CLUSTER, objectRequest, podCreate, type KubeObject } from '../../../src/admission';
import { evaluateValidatingPolicy } from '../../../src/eval/kyverno-cel';

function vpol(spec: Record<string, unknown>, name = 'check'): KubeObject {
  return {
    apiVersion: 'policies.kyverno.io/v1alpha1',
    kind: 'ValidatingPolicy',
    metadata: { name },
    spec: {
      validationActions: ['Deny'],
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }] },
      validations: [{ expression: "object.spec.containers.all(c, !(c.?securityContext.?privileged.orValue(false)))", message: 'no privileged containers' }],
      ...spec,
    },
  };
}

const pod = (privileged: boolean, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25', securityContext: { privileged } }], ...extra },
});

describe('ValidatingPolicy validations', () => {
  it('the first false validation fails with its message, under the validation actions', () => {
    expect(evaluateValidatingPolicy(vpol({}), podCreate(pod(true)), EMPTY_CLUSTER)).toMatchObject({ verdict: 'deny', messages: ['no privileged containers'] });
    expect(evaluateValidatingPolicy(vpol({ validationActions: ['Audit'] }), podCreate(pod(true)), EMPTY_CLUSTER).verdict).toBe('audit');
    expect(evaluateValidatingPolicy(vpol({ validationActions: ['Warn'] }), podCreate(pod(true)), EMPTY_CLUSTER).verdict).toBe('warn');
    expect(evaluateValidatingPolicy(vpol({}), podCreate(pod(false)), EMPTY_CLUSTER).verdict).toBe('admit');
  });

  it('messageExpression and the default message', () => {
    const messageExpression = vpol({ validations: [{ expression: 'false', messageExpression: "'pod ' + object.metadata.name + ' refused'" }] });
    expect(evaluateValidatingPolicy(messageExpression, podCreate(pod(false)), EMPTY_CLUSTER).messages).toEqual(['pod web refused']);
    const bare = vpol({ validations: [{ expression: 'true' }, { expression: 'false' }] });
    expect(evaluateValidatingPolicy(bare, podCreate(pod(false)), EMPTY_CLUSTER).messages).toEqual(['CEL expression validation failed at index 1']);
  });

  it('variables are evaluated lazily and shared by the validations', () => {
    const p = vpol({
      variables: [{ name: 'all', expression: 'object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])' }],
      validations: [{ expression: 'variables.all.all(c, !(c.?securityContext.?privileged.orValue(false)))', message: 'privileged' }],
    });
    const init = pod(false, { initContainers: [{ name: 'i', image: 'busybox', securityContext: { privileged: true } }] });
    expect(evaluateValidatingPolicy(p, podCreate(init), EMPTY_CLUSTER).verdict).toBe('deny');
  });

  it('a false matchCondition skips the policy; an error follows failurePolicy', () => {
    const skip = vpol({ matchConditions: [{ name: 'only-prod', expression: "object.metadata.namespace == 'prod'" }] });
    expect(evaluateValidatingPolicy(skip, podCreate(pod(true)), EMPTY_CLUSTER)).toMatchObject({ verdict: 'not-evaluated', reason: 'matchCondition only-prod is false' });
    const broken = { validations: [{ expression: 'object.spec.nothing.size() > 0' }] };
    expect(evaluateValidatingPolicy(vpol(broken), podCreate(pod(false)), EMPTY_CLUSTER).verdict).toBe('error');
    expect(evaluateValidatingPolicy(vpol({ ...broken, failurePolicy: 'Ignore' }), podCreate(pod(false)), EMPTY_CLUSTER).verdict).toBe('admit');
  });

  it('orValue on a value that is not optional returns the value, as in Kyverno (not an error as in Kubernetes CEL)', () => {
    const p = vpol({ validations: [{ expression: "object.metadata.labels.orValue({}).app == 'web' && object.spec.?hostNetwork.orValue(false) == false", message: 'x' }] });
    expect(evaluateValidatingPolicy(p, podCreate(pod(false)), EMPTY_CLUSTER).verdict).toBe('admit');
  });

  describe("Kyverno's libraries", () => {
    const allowList = vpol({ validations: [{ expression: "resource.Get('v1', 'configmaps', 'policy', 'allowed').data.images.split(',').exists(i, i == object.spec.containers[0].image)", message: 'image not allowed' }] });
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'allowed', namespace: 'policy', labels: { role: 'list' } }, data: { images: 'nginx:1.25,busybox' } };
    const withInventory = (inventory: KubeObject[]) => ({ namespaces: new Map(), inventory });

    it('resource.Get reads the cluster context: undecided without objects, never a pass', () => {
      const d = evaluateValidatingPolicy(allowList, podCreate(pod(false)), EMPTY_CLUSTER);
      expect(d.verdict).toBe('undecided');
      expect(d.reason).toContain('needs cluster data: resource v1 configmaps');
      expect(evaluateValidatingPolicy(allowList, podCreate(pod(false)), withInventory([configMap])).verdict).toBe('admit');
      const other = { ...pod(false), spec: { containers: [{ name: 'app', image: 'evil:1' }] } };
      expect(evaluateValidatingPolicy(allowList, podCreate(other), withInventory([configMap])).verdict).toBe('deny');
    });

    it('resource.Get of an object the inventory lacks is an error (not found), resource.List filters by namespace and labels', () => {
      const missing = vpol({ validations: [{ expression: "resource.Get('v1', 'configmaps', 'policy', 'nope').data.size() > 0" }] });
      expect(evaluateValidatingPolicy(missing, podCreate(pod(false)), withInventory([configMap])).verdict).toBe('error');
      const listed = vpol({ validations: [{ expression: "resource.List('v1', 'configmaps', 'policy', {'role': 'list'}).items.size() == 1 && resource.List('v1', 'configmaps', 'other').items.size() == 0" }] });
      expect(evaluateValidatingPolicy(listed, podCreate(pod(false)), withInventory([configMap])).verdict).toBe('admit');
    });

    it('globalContext.Get reads supplied values, else undecided', () => {
      const p = vpol({ validations: [{ expression: "globalContext.Get('deployments', 'count') < 10" }] });
      expect(evaluateValidatingPolicy(p, podCreate(pod(false)), EMPTY_CLUSTER).verdict).toBe('undecided');
      expect(evaluateValidatingPolicy(p, podCreate(pod(false)), EMPTY_CLUSTER, { globalContext: { deployments: { count: 12 } } }).verdict).toBe('deny');
    });

    it('http and image data (network, registry) are undecided', () => {
      const p = vpol({ validations: [{ expression: "image.GetMetadata(object.spec.containers[0].image).config.User != 'root'" }] });
      expect(evaluateValidatingPolicy(p, podCreate(pod(false)), EMPTY_CLUSTER).reason).toContain("needs cluster data: validations[0] reads Kyverno's http or image data library");
    });
  });

  it('namespaceObject of a namespace the cluster context does not describe is undecided', () => {
    const p = vpol({ validations: [{ expression: "namespaceObject.metadata.name != 'default'" }] });
    expect(evaluateValidatingPolicy(p, podCreate(pod(false)), EMPTY_CLUSTER).reason).toContain('needs cluster data: validations[0] reads namespaceObject (Namespace team-a is not in the cluster context)');
    const cluster = { namespaces: new Map([['team-a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }]]), inventory: [] };
    expect(evaluateValidatingPolicy(p, podCreate(pod(false)), cluster).verdict).toBe('admit');
  });

  it('a policy without validationActions is an error; JSON mode and background-only policies are not evaluated', () => {
    expect(evaluateValidatingPolicy(vpol({ validationActions: [] }), podCreate(pod(true)), EMPTY_CLUSTER).verdict).toBe('error');
    expect(evaluateValidatingPolicy(vpol({ evaluation: { mode: 'JSON' } }), podCreate(pod(true)), EMPTY_CLUSTER).verdict).toBe('not-evaluated');
    expect(evaluateValidatingPolicy(vpol({ evaluation: { admission: { enabled: false } } }), podCreate(pod(true)), EMPTY_CLUSTER).verdict).toBe('not-evaluated');
  });

  it('a CEL PolicyException whose matchConditions hold skips the policy', () => {
    const exception = {
      apiVersion: 'policies.kyverno.io/v1alpha1', kind: 'PolicyException', metadata: { name: 'web-ok', namespace: 'team-a' },
      spec: { policyRefs: [{ name: 'check', kind: 'ValidatingPolicy' }], matchConditions: [{ name: 'web', expression: "object.metadata.name == 'web'" }] },
    };
    expect(evaluateValidatingPolicy(vpol({}), podCreate(pod(true)), EMPTY_CLUSTER, { exceptions: [exception] })).toMatchObject({ verdict: 'not-evaluated', reason: 'skipped by PolicyException web-ok' });
  });
});

describe('ValidatingPolicy matching', () => {
  it('resources: ["pods"] never receives the kubectl debug UPDATE (no automatic subresource)', () => {
    const req = debugUpdate(pod(false), { name: 'debugger', image: 'busybox', securityContext: { privileged: true } });
    const d = evaluateValidatingPolicy(vpol({}), req, EMPTY_CLUSTER);
    expect(d.verdict).toBe('not-evaluated');
    expect(d.reason).toBe('matchConstraints.resourceRules do not match UPDATE pods/ephemeralcontainers');
    const withSub = vpol({ matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] }] }, validations: [{ expression: "object.spec.?ephemeralContainers.orValue([]).all(c, !(c.?securityContext.?privileged.orValue(false)))", message: 'privileged debug container' }] });
    expect(evaluateValidatingPolicy(withSub, req, EMPTY_CLUSTER)).toMatchObject({ verdict: 'deny', messages: ['privileged debug container'] });
  });

  it('autogen applies a Pod policy to the pod template of controllers, unless autogen lists none', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'team-a' }, spec: { template: { metadata: {}, spec: pod(true).spec } } };
    expect(evaluateValidatingPolicy(vpol({}), objectRequest(deployment, 'CREATE'), EMPTY_CLUSTER).verdict).toBe('deny');
    const cronjob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'team-a' }, spec: { jobTemplate: { spec: { template: { spec: pod(false).spec } } } } };
    expect(evaluateValidatingPolicy(vpol({}), objectRequest(cronjob, 'CREATE'), EMPTY_CLUSTER).verdict).toBe('admit');
    const none = vpol({ autogen: { podControllers: { controllers: [] } } });
    expect(evaluateValidatingPolicy(none, objectRequest(deployment, 'CREATE'), EMPTY_CLUSTER).verdict).toBe('not-evaluated');
  });
});

/** The pod-security-vpol policies of kyverno/policies, on the resources of their CLI tests. */
describe('kyverno/policies pod-security-vpol tests', () => {
  const root = path.join(__dirname, '../../../../shared/corpus/kyverno-policies/pod-security-vpol');
  const dirs = fs.existsSync(root)
    ? ['baseline', 'restricted'].flatMap((level) => fs.readdirSync(path.join(root, level)).map((d) => `${level}/${d}`)).filter((d) => fs.existsSync(path.join(root, d, '.kyverno-test/kyverno-test.yaml')))
    : [];
  if (dirs.length === 0) it.skip(`needs the kyverno/policies corpus at ${root}`, () => undefined);

  const docs = (file: string): KubeObject[] => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);

  (dirs.length ? it : it.skip)('disallow-privileged-containers reports a privileged Pod, and never receives the kubectl debug UPDATE', () => {
    const [policy] = docs(path.join(root, 'baseline/disallow-privileged-containers/disallow-privileged-containers.yaml'));
    expect(evaluateValidatingPolicy(policy, podCreate(pod(true)), EMPTY_CLUSTER)).toMatchObject({
      verdict: 'audit',
      messages: ['Privileged mode is disallowed. All containers must set the securityContext.privileged field to `false` or unset the field.'],
    });
    const debug = debugUpdate(pod(false), { name: 'debugger', image: 'busybox', securityContext: { privileged: true } });
    expect(evaluateValidatingPolicy(policy, debug, EMPTY_CLUSTER)).toMatchObject({
      verdict: 'not-evaluated',
      reason: 'matchConstraints.resourceRules do not match UPDATE pods/ephemeralcontainers',
    });
  });

  (dirs.length ? it.each(dirs) : it.skip.each(['none']))('%s', (dir) => {
    const folder = path.join(root, dir);
    const test = docs(path.join(folder, '.kyverno-test/kyverno-test.yaml'))[0] as { policies: string[]; resources: string[]; results: { kind: string; resources: string[]; result: string; policy: string }[] };
    const policies = test.policies.flatMap((p) => docs(path.join(folder, '.kyverno-test', p))).filter((p) => p.kind === 'ValidatingPolicy');
    const resources = test.resources.flatMap((r) => docs(path.join(folder, '.kyverno-test', r)));
    const cluster = { namespaces: new Map(), inventory: [] };
    const disagreements: string[] = [];
    let compared = 0;
    for (const r of test.results) {
      const policy = policies.find((p) => (p.metadata as { name: string }).name === r.policy);
      for (const name of r.resources) {
        const resource = resources.find((x) => x.kind === r.kind && (x.metadata as { name: string }).name === name);
        if (!policy || !resource) continue;
        const d = evaluateValidatingPolicy(policy, objectRequest(resource, 'CREATE'), cluster);
        const got = d.verdict === 'admit' ? 'pass' : ['deny', 'audit', 'warn'].includes(d.verdict) ? 'fail' : d.verdict === 'not-evaluated' ? 'skip' : d.verdict;
        compared++;
        if (got !== r.result) disagreements.push(`${r.kind}/${name}: expected ${r.result}, got ${got} (${d.reason ?? d.messages.join('; ')})`);
      }
    }
    expect(compared).toBeGreaterThan(0);
    expect(disagreements).toEqual([]);
  });
});
