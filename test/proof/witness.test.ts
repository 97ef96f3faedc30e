/** Witness requests: each violating container breaks its Pod Security control; the base pod meets `restricted`. */
import type { KubeObject } from '../../src/admission';
import type { ControlId } from '../../src/catalog/controls';
import { evaluatePss } from '../../src/eval/pss';
import type { Finding } from '../../src/facts';
import { basePod, buildWitness, hostProcessPod, type SetDocument, type Witness } from '../../src/proof';
import { candidateLabels } from '../../src/proof/repair';

const finding = (ruleId: string, extra: Partial<Finding> = {}): Finding => ({
  ruleId, severity: 'error', engine: 'kyverno', policy: { kind: 'ClusterPolicy', name: 'p' }, file: 'p.yaml', line: 1, column: 1, message: '', hint: '', ...extra,
});

const built = (w: Witness | { reason: string }): Witness => {
  if ('reason' in w) throw new Error(w.reason);
  return w;
};

const spec = (o: KubeObject | undefined): KubeObject => (o?.spec ?? {}) as KubeObject;

describe('base pod', () => {
  it('meets Pod Security restricted', () => {
    expect(evaluatePss(basePod({ namespace: 'default' }), { level: 'restricted' }).violations).toEqual([]);
  });
});

// Each control's witness must fail exactly the PSS check of that control (upstream Pod Security Standards).
describe.each<[ControlId, 'baseline' | 'restricted']>([
  ['privileged', 'baseline'],
  ['capabilities_baseline', 'baseline'],
  ['procMount', 'baseline'],
  ['seLinuxOptions', 'baseline'],
  ['seccompProfile_baseline', 'baseline'],
  ['appArmorProfile', 'baseline'],
  ['allowPrivilegeEscalation', 'restricted'],
  ['runAsNonRoot', 'restricted'],
  ['capabilities_restricted', 'restricted'],
  ['seccompProfile_restricted', 'restricted'],
])('%s witness', (control, level) => {
  const w = built(buildWitness(finding('ephemeral-containers-unchecked', { control }), control, { namespace: 'default' }));

  it('is the kubectl debug UPDATE on pods/ephemeralcontainers adding one container', () => {
    expect(w.gap).toMatchObject({ operation: 'UPDATE', subResource: 'ephemeralcontainers', resource: { resource: 'pods' }, namespace: 'default' });
    expect(spec(w.gap.object).ephemeralContainers).toHaveLength(1);
    expect(spec(w.gap.oldObject).ephemeralContainers).toBeUndefined();
  });

  it(`violates the ${level} check of the control in ephemeralContainers and in the contrast's containers`, () => {
    const gap = evaluatePss(w.gap.object!, { level });
    expect(gap.violations.map((v) => v.checkId)).toContain(control);
    expect(gap.violations.flatMap((v) => v.paths).every((p) => p.startsWith('spec.ephemeralContainers[0]'))).toBe(true);
    expect(w.contrast?.operation).toBe('CREATE');
    const contrast = evaluatePss(w.contrast!.object!, { level });
    expect(contrast.violations.flatMap((v) => v.paths).some((p) => p.startsWith('spec.containers[0]'))).toBe(true);
  });
});

describe('witness shapes per rule', () => {
  it('init-containers-unchecked: a pod CREATE whose init container is privileged', () => {
    const w = built(buildWitness(finding('init-containers-unchecked'), 'privileged', { namespace: 'team-a' }));
    expect(w.gap).toMatchObject({ operation: 'CREATE', namespace: 'team-a' });
    expect(spec(w.gap.object).initContainers).toEqual([expect.objectContaining({ securityContext: expect.objectContaining({ privileged: true }) })]);
  });

  it('image: the debug container comes from an untrusted registry', () => {
    const w = built(buildWitness(finding('ephemeral-update-skipped'), 'image', { namespace: 'default' }));
    expect((spec(w.gap.object).ephemeralContainers as KubeObject[])[0]!.image).toBe('untrusted.example.com/debug:latest');
  });

  it.each([
    ['pod', true, false],
    ['containers', false, true],
  ] as const)('hostprocess-partial missing %s: the flag only where the policy does not look', (location, podFlag, containerFlag) => {
    const w = built(buildWitness(finding('hostprocess-partial', { location, control: 'windowsHostProcess' }), undefined, { namespace: 'default' }));
    const s = spec(w.gap.object);
    expect(s).toMatchObject({ hostNetwork: true, nodeSelector: { 'kubernetes.io/os': 'windows' } });
    expect(Boolean(((s.securityContext as KubeObject).windowsOptions as KubeObject | undefined)?.hostProcess)).toBe(podFlag);
    expect(Boolean((((s.containers as KubeObject[])[0]!.securityContext as KubeObject).windowsOptions as KubeObject | undefined)?.hostProcess)).toBe(containerFlag);
    expect(evaluatePss(w.contrast!.object!, { level: 'baseline' }).violations.map((v) => v.checkId)).toContain('windowsHostProcess');
  });

  it('the HostProcess pod fails only the HostProcess and host-namespace checks of baseline', () => {
    const checks = evaluatePss(hostProcessPod({ namespace: 'default' }, 'pod'), { level: 'baseline' }).violations.map((v) => v.checkId);
    expect(checks.sort()).toEqual(['hostNamespaces', 'windowsHostProcess']);
  });

  it.each([
    ['hostPorts', /no witness container for the control hostPorts/],
    [undefined, /names no control/],
  ] as const)('control %s: no witness, with the reason', (control, reason) => {
    const w = buildWitness(finding('ephemeral-containers-unchecked'), control, { namespace: 'default' });
    expect('reason' in w && w.reason).toMatch(reason);
  });
});

describe('candidateLabels', () => {
  const doc = (object: KubeObject): SetDocument => ({ engine: 'vap', object, at: { file: 'p.yaml', line: 1, column: 1 } });
  it.each<[string, KubeObject, Record<string, string>[]]>([
    ['DoesNotExist: the key set', { spec: { matchResources: { objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] } } } }, [{ skip: 'true' }]],
    ['NotIn: a named value', { spec: { match: { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['system', 'infra'] }] } } } }, [{ tier: 'system' }]],
    ['matchLabels of a Kyverno exclude', { spec: { rules: [{ exclude: { any: [{ resources: { selector: { matchLabels: { 'break-glass': 'yes' } } } }] } }] } }, [{ 'break-glass': 'yes' }]],
    ['no selector', { spec: { validations: [{ expression: 'true' }] } }, []],
  ])('%s', (_name, object, expected) => {
    expect(candidateLabels([doc(object)])).toEqual(expected);
  });
});
