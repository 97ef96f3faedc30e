/**
 * The policy-set coverage matrix over a mixed set (Kyverno, VAP, Kyverno ValidatingPolicy, PSA,
 * a webhook), cell by cell; the regimes it is judged under; and its text rendering.
 */
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { admissionRegimes, type Coverage } from '../../src/coverage/matrix';
import { coverageRows } from '../../src/coverage/table';
import { main } from '../../src/cli';
import type { Location } from '../../src/facts';
import { REPORTERS } from '../../src/report';
import { auditFiles, tempDir, yaml } from '../helpers';

const KYVERNO = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: disallow-privileged
  spec:
    validationFailureAction: Enforce
    rules:
      - name: privileged
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          pattern:
            spec:
              =(ephemeralContainers):
                - =(securityContext):
                    =(privileged): "false"
              =(initContainers):
                - =(securityContext):
                    =(privileged): "false"
              containers:
                - =(securityContext):
                    =(privileged): "false"
`;

/** Blocks, but never receives pods/ephemeralcontainers: its ephemeral checks do not count. */
const VAP = yaml`
  apiVersion: admissionregistration.k8s.io/v1
  kind: ValidatingAdmissionPolicy
  metadata:
    name: host-process
  spec:
    matchConstraints:
      resourceRules:
        - apiGroups: [""]
          apiVersions: ["v1"]
          operations: ["CREATE", "UPDATE"]
          resources: ["pods"]
    variables:
      - name: all
        expression: 'object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])'
    validations:
      - expression: '!object.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false) && variables.all.all(c, !c.?securityContext.?windowsOptions.?hostProcess.orValue(false))'
      - expression: 'object.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))'
  ---
  apiVersion: admissionregistration.k8s.io/v1
  kind: ValidatingAdmissionPolicyBinding
  metadata:
    name: host-process
  spec:
    policyName: host-process
    validationActions: [Deny]
`;

/** Audit only: counted nowhere. */
const VPOL = yaml`
  apiVersion: policies.kyverno.io/v1
  kind: ValidatingPolicy
  metadata:
    name: registries
  spec:
    validationActions: [Audit]
    matchConstraints:
      resourceRules:
        - apiGroups: [""]
          apiVersions: ["v1"]
          operations: ["CREATE", "UPDATE"]
          resources: ["pods", "pods/ephemeralcontainers"]
    validations:
      - expression: 'object.spec.containers.all(c, c.image.startsWith("r/"))'
`;

const PSA = yaml`
  apiVersion: v1
  kind: Namespace
  metadata:
    name: windows
    labels:
      pod-security.kubernetes.io/enforce: baseline
      pod-security.kubernetes.io/enforce-version: v1.33
`;

const WEBHOOK = yaml`
  apiVersion: admissionregistration.k8s.io/v1
  kind: ValidatingWebhookConfiguration
  metadata:
    name: kyverno-resource-validating-webhook-cfg
  webhooks:
    - name: validate.kyverno.svc-fail
      admissionReviewVersions: ["v1"]
      sideEffects: None
      clientConfig:
        service: { name: kyverno-svc, namespace: kyverno, path: /validate/fail }
      rules:
        - apiGroups: [""]
          apiVersions: ["v1"]
          operations: ["CREATE", "UPDATE"]
          resources: ["pods", "pods/ephemeralcontainers"]
`;

const FILES = { 'kyverno.yaml': KYVERNO, 'vap.yaml': VAP, 'vpol.yaml': VPOL, 'psa.yaml': PSA, 'webhook.yaml': WEBHOOK };

const K = 'ClusterPolicy/disallow-privileged';
const V = 'ValidatingAdmissionPolicy/host-process';
const N = 'Namespace/windows@windows';

function cells(cov: Coverage, control: keyof Coverage): Record<Location, string[]> {
  const show = (loc: Location): string[] =>
    cov[control][loc].map((e) => `${e.policy.kind}/${e.policy.name}${e.namespaces ? `@${e.namespaces.join(',')}` : ''}`).sort();
  return { pod: show('pod'), containers: show('containers'), initContainers: show('initContainers'), ephemeralContainers: show('ephemeralContainers') };
}

describe('coverage matrix of a mixed policy set', () => {
  const result = auditFiles(FILES);

  it('reads every policy without input problems', () => {
    expect(result.errors).toEqual([]);
    expect(result.policies.map((p) => p.engine).sort()).toEqual(['kyverno', 'kyverno-cel', 'psa', 'vap', 'webhook']);
  });

  it.each<[keyof Coverage, Record<Location, string[]>]>([
    ['windowsHostProcess', { pod: [N, V], containers: [N, V], initContainers: [N, V], ephemeralContainers: [N] }],
    ['privileged', { pod: [], containers: [K, N], initContainers: [K, N], ephemeralContainers: [K, N] }],
    ['hostNamespaces', { pod: [N], containers: [], initContainers: [], ephemeralContainers: [] }],
    ['capabilities_baseline', { pod: [], containers: [N], initContainers: [N], ephemeralContainers: [N] }],
    ['runAsNonRoot', { pod: [], containers: [V], initContainers: [], ephemeralContainers: [] }],
    ['image', { pod: [], containers: [], initContainers: [], ephemeralContainers: [] }],
    ['hostProbesAndHostLifecycle', { pod: [], containers: [], initContainers: [], ephemeralContainers: [] }],
    ['allowPrivilegeEscalation', { pod: [], containers: [], initContainers: [], ephemeralContainers: [] }],
  ])('%s', (control, expected) => {
    expect(cells(result.coverage, control)).toEqual(expected);
  });

  it('counts blocking policies per cell, cluster-wide and namespace-scoped apart', () => {
    const rows = Object.fromEntries(coverageRows(result.coverage).map((r) => [r.control, r.cells]));
    expect(rows.windowsHostProcess).toEqual({
      pod: { clusterWide: 1, namespaced: 1 },
      containers: { clusterWide: 1, namespaced: 1 },
      initContainers: { clusterWide: 1, namespaced: 1 },
      ephemeralContainers: { clusterWide: 0, namespaced: 1 },
    });
    expect(rows.hostNamespaces).toEqual({ pod: { clusterWide: 0, namespaced: 1 }, containers: undefined, initContainers: undefined, ephemeralContainers: undefined });
    expect(rows.hostPorts!.ephemeralContainers).toBeUndefined();
    expect(rows.image!.containers).toEqual({ clusterWide: 0, namespaced: 0 });
  });

  it('judges hostProcess cluster-wide and in the labelled namespace separately', () => {
    const rs = admissionRegimes(result.policies);
    expect(rs.map((r) => [r.namespace ?? '*', r.policies.map((p) => p.policy.name).sort()])).toEqual([
      ['*', ['disallow-privileged', 'host-process', 'kyverno-resource-validating-webhook-cfg', 'registries']],
      ['windows', ['disallow-privileged', 'host-process', 'kyverno-resource-validating-webhook-cfg', 'registries', 'windows']],
    ]);
    // The VAP blocks hostProcess at the pod level cluster-wide, so no set-level gap anywhere.
    expect(result.findings.filter((f) => f.ruleId === 'hostprocess-unchecked')).toEqual([]);
  });

  it('renders a compact table in text output', () => {
    const out = REPORTERS.text!(result, { color: false });
    const table = out.slice(out.indexOf('Coverage\n'));
    const line = (control: string): string => table.split('\n').find((l) => l.startsWith(`${control} `))!.replace(/\s+/g, ' ');
    expect(table.split('\n')[1]!.replace(/\s+/g, ' ')).toBe('control pod containers init ephemeral');
    expect(line('windowsHostProcess')).toBe('windowsHostProcess 1+1ns 1+1ns 1+1ns 0+1ns');
    expect(line('privileged')).toBe('privileged 1+1ns 1+1ns 1+1ns');
    expect(line('runAsNonRoot')).toBe('runAsNonRoot - 1 - -');
    expect(line('hostNamespaces')).toBe('hostNamespaces 0+1ns');
  });
});

describe('--coverage in the text output', () => {
  const run = (args: string[]): string => {
    let text = '';
    main(args, { stdout: { write: (s: string) => (text += s), isTTY: false }, stderr: { write: () => true }, stdin: 0 });
    return text;
  };
  const many = tempDir({ 'kyverno.yaml': KYVERNO, 'psa.yaml': PSA });
  const one = tempDir({ 'kyverno.yaml': KYVERNO });

  it.each([
    ['more than one policy, by default', [many], true],
    ['more than one policy, --no-coverage', [many, '--no-coverage'], false],
    ['one policy, by default', [one], false],
    ['one policy, --coverage', [one, '--coverage'], true],
  ])('%s', (_name, args, shown) => {
    expect(run(['scan', ...(args as string[]), '--fail-on', 'never']).includes('\nCoverage\n')).toBe(shown);
  });
});

describe('webhook registrations in front of a policy engine', () => {
  const gatekeeper = path.join(__dirname, '../../samples/gatekeeper/fixed');
  const webhook = (resources: string): string => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: gatekeeper-validating-webhook-configuration
webhooks:
  - name: validation.gatekeeper.sh
    admissionReviewVersions: [v1]
    sideEffects: None
    clientConfig:
      service: { name: gatekeeper-webhook-service, namespace: gatekeeper-system }
    rules:
      - apiGroups: ["*"]
        apiVersions: ["*"]
        operations: [CREATE, UPDATE]
        resources: ${resources}
`;
  const ephemeralPrivileged = (resources?: string): string[] => {
    const dir = resources ? tempDir({ 'webhook.yaml': webhook(resources) }) : undefined;
    const r = audit({ paths: [gatekeeper, ...(dir ? [dir] : [])] });
    return r.coverage.privileged.ephemeralContainers.map((e) => `${e.engine}/${e.policy.name}`);
  };

  it('a Gatekeeper webhook that never sends pods/ephemeralcontainers leaves its constraints blind to kubectl debug', () => {
    expect(ephemeralPrivileged()).toEqual(['gatekeeper/disallow-privileged']);
    expect(ephemeralPrivileged('["pods"]')).toEqual([]);
    expect(ephemeralPrivileged('["pods", "pods/ephemeralcontainers"]')).toEqual(['gatekeeper/disallow-privileged']);
  });
});

describe('checks through a controller pod template', () => {
  const vap = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: deployments-privileged
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: ["", "apps"]
        apiVersions: ["v1"]
        operations: [CREATE, UPDATE]
        resources: [pods, pods/ephemeralcontainers, deployments]
  validations:
    - expression: "object.kind != 'Deployment' || object.spec.template.spec.containers.all(c, !c.?securityContext.?privileged.orValue(false))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: deployments-privileged
spec:
  policyName: deployments-privileged
  validationActions: [Deny]
`;

  it('cover controllers, not Pods, and say nothing about ephemeral containers', () => {
    const r = auditFiles({ 'vap.yaml': vap });
    expect(r.coverage.privileged.containers).toEqual([]);
    expect(r.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked')).toEqual([]);
  });
});
