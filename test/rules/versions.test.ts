/**
 * One version model: no --kubernetes-version means the newest Kubernetes polcov knows. Messages say
 * since when a gap is reachable, gaps in a feature the target does not have are not errors, PSPs
 * enforce nothing from 1.25 (one finding per PSP set) and a version beyond the newest is a usage error.
 */
import { audit, LATEST_MINOR, UsageError } from '../../src/audit';
import { main } from '../../src/cli';
import { auditFiles, located, tempDir, yaml } from '../helpers';
import { where } from '../engines/cel/fixtures';

const CONTAINERS_ONLY = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: p
  spec:
    validationFailureAction: Enforce
    rules:
      - name: r
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          pattern:
            spec:
              containers:
                - =(securityContext):
                    =(privileged): "false"
`;

const psp = (name: string, hostNetwork: boolean): string => yaml`
  apiVersion: policy/v1beta1
  kind: PodSecurityPolicy
  metadata:
    name: ${name}
  spec:
    privileged: false
    hostNetwork: ${hostNetwork}
    runAsUser:
      rule: RunAsAny
    seLinux:
      rule: RunAsAny
    supplementalGroups:
      rule: RunAsAny
    fsGroup:
      rule: RunAsAny
    volumes: [configMap, secret]
`;

const finding = (ruleId: string, kubernetesVersion?: string) => {
  const r = auditFiles({ 'p.yaml': CONTAINERS_ONLY }, kubernetesVersion ? { kubernetesVersion } : {});
  return r.findings.find((f) => f.ruleId === ruleId)!;
};

describe('version context in messages', () => {
  it.each([
    [undefined, '(ephemeral containers: on by default since 1.23)'],
    ['1.30', '(ephemeral containers: on by default since 1.23)'],
    ['1.23', '(ephemeral containers: on by default since 1.23)'],
    ['1.20', '(on 1.20: ephemeral containers alpha, reachable only with the EphemeralContainers feature gate (on by default from 1.23))'],
    ['1.15', '(on 1.15: ephemeral containers do not exist yet; they arrive in 1.16 (on by default from 1.23))'],
  ])('ephemeral-containers-unchecked on %s', (version, expected) => {
    expect(finding('ephemeral-containers-unchecked', version).message).toContain(expected);
  });

  it.each([
    [undefined, '(HostProcess containers: on by default since 1.23)'],
    ['1.25', '(HostProcess containers: on by default since 1.23)'],
    ['1.22', '(on 1.22: HostProcess containers alpha, reachable only with the WindowsHostProcessContainers feature gate'],
  ])('hostprocess-unchecked on %s', (version, expected) => {
    expect(finding('hostprocess-unchecked', version).message).toContain(expected);
  });
});

describe('a feature the target version does not have is no error', () => {
  it.each([
    // [rule, version, severity]: absent or alpha (feature gate off by default) → note, on by default → as defined.
    ['ephemeral-containers-unchecked', '1.15', 'note'],
    ['ephemeral-containers-unchecked', '1.16', 'note'],
    ['ephemeral-containers-unchecked', '1.22', 'note'],
    ['ephemeral-containers-unchecked', '1.23', 'error'],
    ['ephemeral-containers-unchecked', undefined, 'error'],
    ['hostprocess-unchecked', '1.21', 'note'],
    ['hostprocess-unchecked', '1.22', 'note'],
    ['hostprocess-unchecked', '1.23', 'error'],
    // Init containers are no version-dependent feature.
    ['init-containers-unchecked', '1.15', 'warning'],
  ])('%s on %s is %s', (ruleId, version, severity) => {
    const f = finding(ruleId, version);
    expect({ ruleId: f.ruleId, line: f.line, column: f.column, severity: f.severity }).toEqual({
      ruleId,
      ...(ruleId === 'hostprocess-unchecked' ? where(CONTAINERS_ONLY, '=(privileged)') : where(CONTAINERS_ONLY, 'containers:')),
      severity,
    });
  });

  it('an old target makes the scan pass where only absent features have gaps', () => {
    const dir = tempDir({ 'p.yaml': CONTAINERS_ONLY });
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: 0 };
    expect(main(['scan', dir, '--kubernetes-version', '1.15', '--fail-on', 'error'], io)).toBe(0);
    expect(main(['scan', dir, '--fail-on', 'error'], io)).toBe(1);
  });
});

describe('the target version', () => {
  it('defaults to the newest polcov knows, and the summary says it was assumed', () => {
    expect(auditFiles({ 'p.yaml': CONTAINERS_ONLY }).summary.kubernetes).toEqual({ version: `1.${LATEST_MINOR}`, assumed: true });
    expect(auditFiles({ 'p.yaml': CONTAINERS_ONLY }, { kubernetesVersion: 'latest' }).summary.kubernetes).toEqual({ version: `1.${LATEST_MINOR}`, assumed: true });
    expect(auditFiles({ 'p.yaml': CONTAINERS_ONLY }, { kubernetesVersion: 'v1.30.2' }).summary.kubernetes).toEqual({ version: '1.30', assumed: false });
  });

  it.each(['1.99', `1.${LATEST_MINOR + 1}`, '2.0', 'one'])('%s is a usage error', (v) => {
    expect(() => audit({ paths: [tempDir({ 'p.yaml': CONTAINERS_ONLY })], kubernetesVersion: v })).toThrow(UsageError);
  });

  it('the CLI exits 2 on a version beyond the newest, and says which is the newest', () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, stdin: 0 };
    expect(main(['scan', tempDir({ 'p.yaml': CONTAINERS_ONLY }), '--kubernetes-version', '1.99'], io)).toBe(2);
    expect(err).toContain(`newer than the newest polcov knows (1.${LATEST_MINOR})`);
  });
});

describe('PodSecurityPolicies enforce nothing from 1.25', () => {
  const files = { 'a.yaml': psp('restricted', false), 'b.yaml': psp('host-network', true) };

  it.each([
    ['no version', undefined, false],
    ['latest', 'latest', false],
    ['1.25', '1.25', false],
    ['v1.30', 'v1.30', false],
    ['1.24', '1.24', true],
  ])('%s: blocking %s', (_name, kubernetesVersion, blocking) => {
    const r = auditFiles(files, kubernetesVersion ? { kubernetesVersion } : {});
    expect(r.policies.map((p) => p.rules[0]!.enforcement.blocking)).toEqual([blocking, blocking]);
    const notes = located(r.findings, 'enforcement-not-blocking');
    if (blocking) {
      expect(notes).toEqual([]);
      // While PSPs run, the one that allows the host network admits HostProcess pods.
      expect(located(r.findings, 'hostprocess-unchecked')).toEqual([{ ruleId: 'hostprocess-unchecked', file: 'b.yaml', ...where(files['b.yaml'], 'hostNetwork') }]);
      return;
    }
    // Said once for the set, at the first PSP; no HostProcess verdict about a plugin that no longer runs.
    expect(notes).toEqual([{ ruleId: 'enforcement-not-blocking', file: 'a.yaml', ...where(files['a.yaml'], 'kind:') }]);
    expect(r.findings.find((f) => f.ruleId === 'enforcement-not-blocking')!.message).toContain(
      'PodSecurityPolicy was removed in Kubernetes 1.25: on the target version the 2 PodSecurityPolicies of this set (restricted, host-network) enforce nothing',
    );
    expect(r.findings.map((f) => f.ruleId)).toEqual(['enforcement-not-blocking']);
    expect(r.coverage.privileged.containers).toEqual([]);
  });

  it('next to other pod policies the set is judged without the PSPs', () => {
    const r = auditFiles({ ...files, 'p.yaml': CONTAINERS_ONLY }, { kubernetesVersion: '1.30' });
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([{ ruleId: 'hostprocess-unchecked', file: 'p.yaml', ...where(CONTAINERS_ONLY, '=(privileged)') }]);
    expect(located(r.findings, 'ephemeral-subresource-unmatched')).toEqual([]);
  });
});
