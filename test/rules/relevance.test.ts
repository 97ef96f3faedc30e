/**
 * Per-policy findings and notes concern only rules that reach Pods (or pod templates) and check a
 * catalogued control; set-level findings need a set with a policy that checks Pods and point at one.
 */
import { runCase, where, type Case } from '../engines/cel/fixtures';
import { runCli } from '../ci-fixtures';
import { auditFiles, located, yaml } from '../helpers';

const kyverno = (name: string, kinds: string, body: string, extra = '', action = 'Audit'): string => yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: ${name}
  spec:
    validationFailureAction: ${action}
    rules:
      - name: ${name}-rule
        match:
          any:
            - resources:
                kinds: ${kinds}
${extra}
        validate:
          message: m
${body}
`;

const PRIVILEGED = `          pattern:
            spec:
              =(ephemeralContainers):
                - =(securityContext):
                    =(privileged): "false"
              =(initContainers):
                - =(securityContext):
                    =(privileged): "false"
              containers:
                - =(securityContext):
                    =(privileged): "false"`;

const RESOURCES = `          pattern:
            spec:
              =(ephemeralContainers):
                - =(resources): {}
              =(initContainers):
                - resources:
                    limits:
                      memory: "?*"
              containers:
                - resources:
                    limits:
                      memory: "?*"`;

const LABELS = `          pattern:
            metadata:
              labels:
                team: "?*"`;

const NODE_TAINTS = `          deny:
            conditions:
              any:
                - key: "{{ request.object.spec.taints }}"
                  operator: NotEquals
                  value: "{{ request.oldObject.spec.taints }}"`;

const EXCLUDE_ADMIN = `        exclude:
          any:
            - clusterRoles: [cluster-admin]`;

const ARGO = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: argo-application-project
  spec:
    validationFailureAction: Enforce
    rules:
      - name: default-project
        match:
          any:
            - resources:
                kinds: [Application]
        validate:
          message: Applications must not use the default project.
          pattern:
            spec:
              project: "!default"
`;

const INGRESS = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: disallow-empty-ingress-host
  spec:
    validationFailureAction: Audit
    rules:
      - name: host-required
        match:
          any:
            - resources:
                kinds: [Ingress]
        validate:
          message: Ingress rules need a host.
          foreach:
            - list: request.object.spec.rules
              deny:
                conditions:
                  all:
                    - key: "{{ element.host || '' }}"
                      operator: Equals
                      value: ""
`;

const DEPLOYMENT_ONLY = kyverno('replicas', '[Deployment]', `          pattern:
            spec:
              replicas: ">1"`);

const exception = (policy: string, rule: string): string => yaml`
  apiVersion: kyverno.io/v2
  kind: PolicyException
  metadata:
    name: allow-${policy}
    namespace: kyverno
  spec:
    exceptions:
      - policyName: ${policy}
        ruleNames: [${rule}]
    match:
      any:
        - resources:
            kinds: [Pod, Deployment]
            namespaces: [tools]
`;

/** A rule iterating a list fetched by an apiCall; `condition` reads its elements. */
const apiCallForeach = (name: string, kinds: string, key: string, operator: string, value: string): string => yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: ${name}
  spec:
    validationFailureAction: Audit
    rules:
      - name: ${name}-rule
        match:
          any:
            - resources:
                kinds: ${kinds}
        context:
          - name: fetched
            apiCall:
              urlPath: "/apis/policy/v1/namespaces/{{request.namespace}}/poddisruptionbudgets"
              jmesPath: items
        validate:
          message: m
          foreach:
            - list: fetched
              deny:
                conditions:
                  all:
                    - key: "${key}"
                      operator: ${operator}
                      value: ${value}
`;

const PDB_APICALL = apiCallForeach('replicas-above-pdb', '[Deployment]', '{{ request.object.spec.replicas }}', 'LessThanOrEquals', '"{{ element.spec.minAvailable }}"');
/** The same shape, but the fetched elements are read as containers: what they hold could decide a control. */
const CONTAINERS_APICALL = apiCallForeach('fetched-containers', '[Pod]', '{{ element.securityContext.privileged }}', 'Equals', 'true');

const SERVICE_BAD_JMESPATH = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: unique-service-selector
  spec:
    validationFailureAction: Audit
    rules:
      - name: check-service-selector
        match:
          any:
            - resources:
                kinds: [Service]
        context:
          - name: service_count
            variable:
              jmesPath: "length(@"
        validate:
          message: m
          deny:
            conditions:
              any:
                - key: "{{ service_count }}"
                  operator: GreaterThan
                  value: 1
`;

const secretPrecondition = (name: string, body: string): string => yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: ${name}
  spec:
    validationFailureAction: Audit
    rules:
      - name: secrets-from-env
        match:
          any:
            - resources:
                kinds: [Pod]
        preconditions:
          all:
            - key: "{{ request.object.spec.[containers, initContainers, ephemeralContainers][].env[].valueFrom.secretKeyRef || '' | length(@) }}"
              operator: GreaterThanOrEquals
              value: 1
        validate:
          message: m
${body}
`;

const SECRET_PRECONDITION = secretPrecondition('restrict-secrets', LABELS);
/** The same precondition in front of a privileged check: which debug containers are checked cannot be told. */
const SECRET_PRECONDITION_PRIVILEGED = secretPrecondition('restrict-privileged', PRIVILEGED);

const cases: Case[] = [
  {
    name: 'exclusion on a Node policy: no exemption note, no enforcement note',
    files: { 'node.yaml': kyverno('protect-node-taints', '[Node]', NODE_TAINTS, EXCLUDE_ADMIN) },
    fires: [],
    silent: ['exemption-admits-debug-images', 'enforcement-not-blocking', 'hostprocess-unchecked'],
  },
  {
    name: 'the same exclusion on a Pod rule that checks privileged is a debug exemption',
    files: { 'pod.yaml': kyverno('no-privileged', '[Pod]', PRIVILEGED, EXCLUDE_ADMIN) },
    fires: [
      { ruleId: 'exemption-admits-debug-images', at: 'cluster-admin', says: 'ClusterRole:cluster-admin' },
      { ruleId: 'enforcement-not-blocking', at: 'validationFailureAction' },
    ],
  },
  {
    name: 'an exclusion of a Pod rule that only checks resources (ephemeral containers cannot set them)',
    files: { 'pod.yaml': kyverno('limits', '[Pod]', RESOURCES, EXCLUDE_ADMIN) },
    fires: [{ ruleId: 'enforcement-not-blocking', at: 'validationFailureAction' }],
    silent: ['exemption-admits-debug-images'],
  },
  {
    name: 'an Audit policy that checks only labels of Pods: no enforcement note',
    files: { 'labels.yaml': kyverno('require-team', '[Pod]', LABELS) },
    fires: [],
    silent: ['enforcement-not-blocking'],
  },
  {
    name: 'a PolicyException naming a Deployment-only policy exempts nothing a debug container meets',
    files: { 'policy.yaml': DEPLOYMENT_ONLY, 'exception.yaml': exception('replicas', 'replicas-rule') },
    fires: [],
    silent: ['exemption-admits-debug-images', 'enforcement-not-blocking'],
  },
  {
    name: 'the same PolicyException naming a Pod policy that checks privileged',
    files: { 'policy.yaml': kyverno('no-privileged', '[Pod]', PRIVILEGED), 'exception.yaml': exception('no-privileged', 'no-privileged-rule') },
    fires: [{ ruleId: 'exemption-admits-debug-images', at: 'policyName', file: 'exception.yaml', says: 'tools (PolicyException allow-no-privileged, no-privileged-rule)' }],
  },
  {
    name: 'a PolicyException naming only the other rule of a policy exempts nothing here',
    files: { 'policy.yaml': kyverno('no-privileged', '[Pod]', PRIVILEGED), 'exception.yaml': exception('no-privileged', 'another-rule') },
    fires: [],
    silent: ['exemption-admits-debug-images'],
  },
  {
    name: 'a replica policy iterating PodDisruptionBudgets from an apiCall',
    files: { 'pdb.yaml': PDB_APICALL },
    fires: [],
    silent: ['policy-unanalyzable', 'enforcement-not-blocking'],
  },
  {
    name: 'an apiCall list whose elements are read as containers stays unanalyzable (fail closed)',
    files: { 'fetched.yaml': CONTAINERS_APICALL },
    fires: [
      { ruleId: 'policy-unanalyzable', at: 'fetched', nth: 4, says: 'built from context variable fetched (apiCall)' },
      { ruleId: 'enforcement-not-blocking', at: 'validationFailureAction' },
    ],
  },
  {
    name: 'a Service policy with invalid JMESPath',
    files: { 'service.yaml': SERVICE_BAD_JMESPATH },
    fires: [],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'a secret-reference precondition in front of a label check',
    files: { 'secrets.yaml': SECRET_PRECONDITION },
    fires: [],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'the same precondition in front of a privileged check',
    files: { 'secrets.yaml': SECRET_PRECONDITION_PRIVILEGED },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'key: "{{ request.object.spec.[containers', says: 'preconditions test the ephemeral containers themselves' }],
  },
];

describe('relevance of per-policy findings', () => {
  it.each(cases)('$name', (c) => runCase(c));
});

describe('set-level findings', () => {
  it.each([
    ['an Argo policy', { 'argo.yaml': ARGO }],
    ['an Ingress policy', { 'ingress.yaml': INGRESS }],
    ['both', { 'argo.yaml': ARGO, 'ingress.yaml': INGRESS }],
    ['a Node policy with an exclusion', { 'node.yaml': kyverno('protect-node-taints', '[Node]', NODE_TAINTS, EXCLUDE_ADMIN) }],
  ])('%s scanned alone: no finding at all', (_name, files) => {
    const r = auditFiles(files);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(runCli(['scan', r.dir, '--fail-on', 'note']).code).toBe(0);
  });

  it('never points at a policy that does not touch Pods, even when it sorts first', () => {
    const privileged = kyverno('no-privileged', '[Pod]', PRIVILEGED, '', 'Enforce');
    const r = auditFiles({ 'a-argo.yaml': ARGO, 'b-ingress.yaml': INGRESS, 'z-privileged.yaml': privileged });
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([
      { ruleId: 'hostprocess-unchecked', file: 'z-privileged.yaml', ...where(privileged, '=(privileged)') },
    ]);
    expect(r.findings.find((f) => f.ruleId === 'hostprocess-unchecked')!.message).toContain('blocking privileged does not block hostProcess');
  });

  it('without a privileged check, points at the policy that checks containers, not at the first file', () => {
    const audited = kyverno('limits', '[Pod]', RESOURCES);
    const r = auditFiles({ 'a-argo.yaml': ARGO, 'z-limits.yaml': audited });
    expect(located(r.findings, 'hostprocess-unchecked')).toEqual([{ ruleId: 'hostprocess-unchecked', file: 'z-limits.yaml', ...where(audited, 'limits-rule') }]);
  });

  it('namespaced policies that add no HostProcess check fold into the one cluster-wide finding', () => {
    const cluster = kyverno('no-privileged', '[Pod]', PRIVILEGED, '', 'Enforce');
    const namespaced = (ns: string): string =>
      kyverno(`limits-${ns}`, '[Pod]', RESOURCES, '', 'Enforce').replace('kind: ClusterPolicy', 'kind: Policy').replace(`name: limits-${ns}`, `name: limits-${ns}\n  namespace: ${ns}`);
    const psaPrivileged = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ops\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n';
    const r = auditFiles({ 'cluster.yaml': cluster, 'team-a.yaml': namespaced('team-a'), 'team-b.yaml': namespaced('team-b'), 'ops.yaml': psaPrivileged });
    const found = r.findings.filter((f) => f.ruleId === 'hostprocess-unchecked');
    expect(located(found)).toEqual([
      { ruleId: 'hostprocess-unchecked', file: 'cluster.yaml', ...where(cluster, '=(privileged)') },
      { ruleId: 'hostprocess-unchecked', file: 'ops.yaml', ...where(psaPrivileged, 'pod-security.kubernetes.io/enforce') },
    ]);
    // team-a and team-b share the cluster-wide gap; only ops, opened by its own label, is apart.
    expect(found[0]!.message).toMatch(/^In namespaces other than ops, no blocking policy stops Windows HostProcess containers/);
    expect(found[1]!.message).toMatch(/^In namespace ops, no blocking policy stops Windows HostProcess containers \(it enforces privileged\)/);
  });

  it('a namespaced non-pod Policy names no namespace in the message', () => {
    const namespaced = ARGO.replace('kind: ClusterPolicy', 'kind: Policy').replace('name: argo-application-project', 'name: argo-apps\n  namespace: argocd');
    const privileged = kyverno('no-privileged', '[Pod]', PRIVILEGED, '', 'Enforce');
    const r = auditFiles({ 'argo.yaml': namespaced, 'privileged.yaml': privileged });
    const messages = r.findings.filter((f) => f.ruleId === 'hostprocess-unchecked').map((f) => f.message);
    expect(messages).toEqual([expect.stringMatching(/^No blocking policy in the scanned set stops Windows HostProcess containers/)]);
  });
});
