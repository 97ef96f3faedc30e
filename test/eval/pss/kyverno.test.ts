/**
 * Kyverno's `validate.podSecurity`: level, version and `exclude` (controlName, images with wildcards,
 * restrictedField and values) as Kyverno's documentation describes them and `pkg/pss` implements them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  evaluatePodSecurity, exclusionProblems, formatKyvernoChecks, kyvernoPodSecurityMessage, matchesAnyWildcard, podSecurityTarget, type PodSecurityExclusion,
} from '../../../src/eval/pss';
import type { KubeObject } from '../../../src/admission';

function pod(containers: Record<string, unknown>[], spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers, ...spec } };
}

const netAdmin = (name: string, image: string): Record<string, unknown> => ({ name, image, securityContext: { capabilities: { add: ['NET_ADMIN'] } } });

describe('podSecurity exclusions', () => {
  it('controlName with images exempts only the containers whose image matches', () => {
    const exclude: PodSecurityExclusion[] = [{ controlName: 'Capabilities', images: ['ghcr.io/kyverno/test-nginx*'] }];
    const only = pod([netAdmin('web', 'ghcr.io/kyverno/test-nginx:1.0')]);
    expect(evaluatePodSecurity(only, { level: 'baseline', version: 'latest', exclude })).toEqual({ allowed: true, violations: [] });
    const mixed = pod([netAdmin('web', 'ghcr.io/kyverno/test-nginx:1.0'), netAdmin('side', 'busybox:1.36')]);
    const r = evaluatePodSecurity(mixed, { level: 'baseline', version: 'latest', exclude });
    expect(r.allowed).toBe(false);
    expect(r.violations.map((v) => [v.checkId, v.paths])).toEqual([['capabilities_baseline', ['spec.containers[1].securityContext.capabilities.add']]]);
  });

  it('matches images with ? and * wildcards on every container list, debug containers included', () => {
    const debug = pod([{ name: 'app', image: 'app:1' }], { ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36', securityContext: { privileged: true } }] });
    const exempt = [{ controlName: 'Privileged Containers', images: ['busybox:1.3?'] }];
    expect(evaluatePodSecurity(debug, { level: 'baseline', exclude: exempt }).allowed).toBe(true);
    expect(evaluatePodSecurity(debug, { level: 'baseline', exclude: [{ controlName: 'Privileged Containers', images: ['alpine*'] }] }).violations[0].paths).toEqual([
      'spec.ephemeralContainers[0].securityContext.privileged',
    ]);
  });

  it('restrictedField and values exempt only the listed bad values', () => {
    const exclude = [{ controlName: 'Capabilities', images: ['*'], restrictedField: 'spec.containers[*].securityContext.capabilities.add', values: ['NET_ADMIN'] }];
    expect(evaluatePodSecurity(pod([netAdmin('web', 'nginx')]), { level: 'baseline', exclude }).allowed).toBe(true);
    const sysAdmin = pod([{ name: 'web', image: 'nginx', securityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } } }]);
    expect(evaluatePodSecurity(sysAdmin, { level: 'baseline', exclude }).allowed).toBe(false);
    const initOnly = pod([{ name: 'a', image: 'a' }], { initContainers: [netAdmin('init', 'nginx')] });
    expect(evaluatePodSecurity(initOnly, { level: 'baseline', exclude }).allowed).toBe(false);
  });

  it('a pod-level control without images exempts the pod fields', () => {
    const hostNet = pod([{ name: 'a', image: 'a' }], { hostNetwork: true, hostPID: true });
    const exclude = [{ controlName: 'Host Namespaces', restrictedField: 'spec.hostNetwork', values: ['true'] }];
    const r = evaluatePodSecurity(hostNet, { level: 'baseline', exclude });
    expect(r.violations.map((v) => v.paths)).toEqual([['spec.hostPID']]);
    expect(evaluatePodSecurity(hostNet, { level: 'baseline', exclude: [{ controlName: 'Host Namespaces' }] }).allowed).toBe(true);
  });

  it('values match volume paths and sysctl names with wildcards', () => {
    const p = pod([{ name: 'a', image: 'a' }], { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.core.somaxconn', value: '1' }] } });
    const exclude = [{ controlName: 'Sysctls', restrictedField: 'spec.securityContext.sysctls[*].name', values: ['kernel.*'] }];
    expect(evaluatePodSecurity(p, { level: 'baseline', exclude }).violations.map((v) => v.paths)).toEqual([['spec.securityContext.sysctls[1].name']]);
  });

  it('a Seccomp exclusion covers both the baseline and the restricted check', () => {
    const p = pod([{ name: 'a', image: 'a', securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } }], {
      securityContext: { seccompProfile: { type: 'Unconfined' } },
    });
    expect(evaluatePodSecurity(p, { level: 'restricted' }).violations.map((v) => v.checkId)).toEqual(['seccompProfile_baseline', 'seccompProfile_restricted']);
    expect(evaluatePodSecurity(p, { level: 'restricted', exclude: [{ controlName: 'Seccomp' }] }).allowed).toBe(true);
  });

  it.each([
    [{ controlName: 'Capabilities' }, 'exclude.images must be specified for the container level control "Capabilities"'],
    [{ controlName: 'Host Namespaces', images: ['*'] }, 'exclude.images must not be specified for the pod level control "Host Namespaces"'],
    [{ controlName: 'Sysctls', restrictedField: 'spec.securityContext.sysctls[*].name' }, 'values is required with restrictedField'],
    [{ controlName: 'Sysctls', values: ['a'] }, 'restrictedField is required with values'],
    [{ controlName: 'Host Probes / Lifecycle Hooks' }, 'unknown controlName "Host Probes / Lifecycle Hooks"'],
  ])('Kyverno refuses the exclusion %j', (e, problem) => {
    expect(exclusionProblems(e)).toEqual([problem]);
  });

  it('accepts a valid exclusion', () => {
    expect(exclusionProblems({ controlName: 'Capabilities', images: ['nginx*'] })).toEqual([]);
  });
});

describe("Kyverno's check selection", () => {
  const bare = pod([{ name: 'app', image: 'app:1' }]);

  it('runs every restricted check at restricted, with no override of the baseline ones', () => {
    const p = pod([{ name: 'a', image: 'a', securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } } }]);
    expect(evaluatePodSecurity(p, { level: 'restricted', version: 'latest' }).violations.map((v) => v.checkId)).toEqual(['capabilities_baseline', 'capabilities_restricted']);
  });

  it('runs a check younger than the version with its first version (runAsUser at v1.22)', () => {
    const root = pod([{ name: 'a', image: 'a', securityContext: { runAsUser: 0 } }]);
    expect(evaluatePodSecurity(root, { level: 'restricted', version: 'v1.22' }).violations.map((v) => v.checkId)).toContain('runAsUser');
  });

  it('level privileged skips nothing: pkg/pss only skips the restricted checks at baseline', () => {
    expect(evaluatePodSecurity(bare, { level: 'privileged' }).violations.map((v) => v.checkId)).toEqual(
      evaluatePodSecurity(bare, { level: 'restricted' }).violations.map((v) => v.checkId),
    );
    expect(evaluatePodSecurity(bare, { level: 'privileged' }).allowed).toBe(false);
  });

  it('an empty version is latest; an unknown one is an error', () => {
    expect(evaluatePodSecurity(bare, { level: 'restricted', version: '' })).toEqual(evaluatePodSecurity(bare, { level: 'restricted', version: 'latest' }));
    const r = evaluatePodSecurity(bare, { level: 'restricted', version: 'v1.022' });
    expect(r).toEqual({ allowed: false, violations: [], error: 'invalid Pod Security version "v1.022"' });
  });

  it('reports every runAsNonRoot problem at once', () => {
    const p = pod([{ name: 'a', image: 'a', securityContext: { runAsNonRoot: false } }, { name: 'b', image: 'b' }]);
    const v = evaluatePodSecurity(p, { level: 'restricted' }).violations.find((x) => x.checkId === 'runAsNonRoot');
    expect(v?.paths).toEqual(['spec.containers[0].securityContext.runAsNonRoot', 'spec.containers[1].securityContext.runAsNonRoot']);
  });
});

describe('Kyverno messages', () => {
  it('prints each check with its field errors as FormatChecksPrint does', () => {
    const p = pod([{ name: 'a', image: 'a', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN'] } } }], { volumes: [{ name: 'v', nfs: { server: 's', path: '/' } }] });
    const r = evaluatePodSecurity(p, { level: 'restricted' });
    const text = formatKyvernoChecks(r.violations.filter((v) => ['capabilities_baseline', 'privileged', 'restrictedVolumes', 'allowPrivilegeEscalation'].includes(v.checkId)));
    expect(text).toBe(
      '(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil])' +
        '(Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN SYS_ADMIN]])' +
        '(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])' +
        '(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].nfs: Forbidden])',
    );
    expect(kyvernoPodSecurityMessage('baseline', 'baseline', 'latest', [])).toBe(`Validation rule 'baseline' failed. It violates PodSecurity "baseline:latest": `);
  });

  it('required fields read "Required value"', () => {
    const r = evaluatePodSecurity(pod([{ name: 'a', image: 'a' }]), { level: 'restricted' });
    expect(formatKyvernoChecks(r.violations.filter((v) => v.checkId === 'seccompProfile_restricted'))).toBe(
      '(Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type: Required value])',
    );
  });
});

describe('controllers', () => {
  const podSpec = { containers: [{ name: 'a', image: 'a', securityContext: { privileged: true } }] };

  it("a Deployment's pod template is checked and its paths are the template's", () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: podSpec } } };
    const r = evaluatePodSecurity(podSecurityTarget(deployment)!, { level: 'baseline' });
    expect(formatKyvernoChecks(r.violations, 'Deployment')).toBe(
      '(Forbidden reason: privileged, field error list: [spec.template.spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])',
    );
  });

  it('a CronJob: the job template\'s pod spec with the job template\'s metadata; other kinds have no target', () => {
    const cronjob = { kind: 'CronJob', spec: { jobTemplate: { metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } }, spec: { template: { spec: podSpec } } } } };
    const target = podSecurityTarget(cronjob)!;
    expect(target.spec).toBe(podSpec);
    expect(evaluatePodSecurity(target, { level: 'baseline' }).violations.map((v) => v.checkId)).toEqual(['appArmorProfile', 'privileged']);
    expect(podSecurityTarget({ kind: 'ConfigMap' })).toBeUndefined();
  });
});

describe('wildcards', () => {
  it.each([
    [['nginx*'], 'nginx:1.25', true],
    [['nginx*'], 'docker.io/nginx', false],
    [['*/nginx:?.25'], 'docker.io/nginx:1.25', true],
    [['a.b'], 'aXb', false],
  ])('%j against %s is %s', (patterns, value, expected) => {
    expect(matchesAnyWildcard(patterns, value)).toBe(expected);
  });
});

/** The podSecurity policies of the Kyverno policy library and the results their CLI tests expect. */
describe('kyverno/policies podSecurity tests', () => {
  const root = path.join(__dirname, '../../../../shared/corpus/kyverno-policies/pod-security/subrule');
  const dirs = ['podsecurity-subrule-baseline', 'restricted/restricted-latest', 'restricted/restricted-exclude-seccomp', 'restricted/restricted-exclude-capabilities'];
  const present = fs.existsSync(root);
  if (!present) it.skip(`needs the kyverno/policies corpus at ${root}`, () => undefined);

  (present ? it.each(dirs) : it.skip.each(dirs))('%s', (dir) => {
    const folder = path.join(root, dir);
    const policyFile = fs.readdirSync(folder).find((f) => f.endsWith('.yaml'))!;
    const policy = parseAllDocuments(fs.readFileSync(path.join(folder, policyFile), 'utf8'))[0].toJS();
    const podSecurity = policy.spec.rules[0].validate.podSecurity;
    const test = parseAllDocuments(fs.readFileSync(path.join(folder, '.kyverno-test/kyverno-test.yaml'), 'utf8'))[0].toJS();
    const resources = parseAllDocuments(fs.readFileSync(path.join(folder, '.kyverno-test/resource.yaml'), 'utf8')).map((d) => d.toJS()).filter((d) => d?.kind === 'Pod');
    const expected = test.results.flatMap((r: { resources: string[]; result: string }) => r.resources.map((name) => [name, r.result]));
    const actual = expected.map(([name]: [string]) => {
      const p = resources.find((r) => r.metadata.name === name);
      return [name, evaluatePodSecurity(p, podSecurity).allowed ? 'pass' : 'fail'];
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(actual).toEqual(expected);
  });
});
