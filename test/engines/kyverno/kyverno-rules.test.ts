/**
 * Kyverno engine through the rules: table-driven cases that must fire (rule id, file, line, column)
 * and cases that must stay silent. Every fixture starts with the same 12-line header, so
 * `validate:` is on line 13 and its body starts on line 14.
 */
import { auditFiles, located, type Expected } from '../../helpers';

const MATCH_POD = `      match:
        any:
          - resources:
              kinds: [Pod]`;

function kyverno(validate: string, opts: { match?: string; action?: string; extra?: string } = {}): string {
  return [
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    '  name: p',
    'spec:',
    `  validationFailureAction: ${opts.action ?? 'Enforce'}`,
    '  rules:',
    '    - name: r',
    opts.match ?? MATCH_POD,
    '      validate:',
    validate.replace(/^\n/, '').replace(/\s+$/, ''),
    opts.extra ?? '',
  ].join('\n');
}

interface Case {
  name: string;
  text: string;
  fires: Omit<Expected, 'file'>[];
  /** Rule ids that must not fire at all. */
  silent?: string[];
}

const ALL_LISTS_PRIVILEGED = `
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

/** hostProcess checked at the pod level and in every container list. */
const HOST_PROCESS_EVERYWHERE = `
        pattern:
          spec:
            =(securityContext):
              =(windowsOptions):
                =(hostProcess): "false"
            =(ephemeralContainers):
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
            =(initContainers):
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
            containers:
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
`;

const cases: Case[] = [
  {
    name: 'pattern over containers and =(initContainers) without ephemeralContainers',
    text: kyverno(`
        pattern:
          spec:
            =(initContainers):
              - =(securityContext):
                  =(privileged): "false"
            containers:
              - =(securityContext):
                  =(privileged): "false"
`),
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 19, column: 13 }],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'the same pattern with =(ephemeralContainers) is clean',
    text: kyverno(ALL_LISTS_PRIVILEGED),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'ephemeral-update-skipped'],
  },
  {
    name: 'ephemeralContainers mentioned only in the message and a comment is not coverage',
    text: kyverno(`
        message: "privileged is forbidden in containers, initContainers and ephemeralContainers"
        pattern:
          spec:
            # ephemeralContainers: checked elsewhere
            containers:
              - =(securityContext):
                  =(privileged): "false"
`),
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', line: 18, column: 13 },
      { ruleId: 'init-containers-unchecked', line: 18, column: 13 },
    ],
  },
  {
    name: 'foreach over containers only fires both list rules at the list expression',
    text: kyverno(`
        foreach:
          - list: "request.object.spec.containers"
            deny:
              conditions:
                any:
                  - key: "{{ element.securityContext.privileged || false }}"
                    operator: Equals
                    value: true
`),
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', line: 15, column: 19 },
      { ruleId: 'init-containers-unchecked', line: 15, column: 19 },
    ],
  },
  {
    name: 'foreach over a multiselect of all three lists is clean',
    text: kyverno(`
        foreach:
          - list: "request.object.spec.[ephemeralContainers, initContainers, containers][]"
            deny:
              conditions:
                any:
                  - key: "{{ element.securityContext.privileged || false }}"
                    operator: Equals
                    value: true
`),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'foreach with a pattern rooted at the element',
    text: kyverno(`
        foreach:
          - list: "request.object.spec.initContainers"
            pattern:
              =(securityContext):
                =(privileged): "false"
`),
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 15, column: 19 }],
  },
  {
    name: 'deny keys over containers[] only fire both list rules',
    text: kyverno(`
        deny:
          conditions:
            any:
              - key: "{{ request.object.spec.containers[].securityContext.capabilities.add[] }}"
                operator: AnyIn
                value: [SYS_ADMIN, NET_ADMIN]
`),
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', line: 17, column: 17 },
      { ruleId: 'init-containers-unchecked', line: 17, column: 17 },
    ],
  },
  {
    name: 'deny keys over a multiselect of all lists are clean',
    text: kyverno(`
        deny:
          conditions:
            any:
              - key: "{{ request.object.spec.[containers, initContainers, ephemeralContainers][].securityContext.capabilities.add[] }}"
                operator: AnyIn
                value: [SYS_ADMIN, NET_ADMIN]
`),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'rule context variable over all lists is followed',
    text: kyverno(
      `
        deny:
          conditions:
            any:
              - key: "{{ allContainers[].securityContext.privileged }}"
                operator: AnyIn
                value: [true]
`,
      {
        match: `${MATCH_POD}
      context:
        - name: allContainers
          variable:
            jmesPath: "request.object.spec.[containers, initContainers, ephemeralContainers][]"`,
      },
    ),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'operations: [CREATE] fires ephemeral-update-skipped at the operations entry',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `      match:
        any:
          - resources:
              kinds: [Pod]
              operations: [CREATE]`,
    }).replace('validate:', 'validate:'),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 13, column: 28 }],
  },
  {
    name: 'operations: [CREATE, UPDATE] is clean',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `      match:
        any:
          - resources:
              kinds: [Pod]
              operations: [CREATE, UPDATE]`,
    }),
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a precondition requiring request.operation to be CREATE fires ephemeral-update-skipped',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        all:
          - key: "{{ request.operation }}"
            operator: Equals
            value: CREATE`,
    }),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 15, column: 13 }],
  },
  {
    name: "the common `request.operation || 'BACKGROUND'` AnyIn [CREATE, UPDATE] precondition is clean",
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        all:
          - key: "{{ request.operation || 'BACKGROUND' }}"
            operator: AnyIn
            value: [CREATE, UPDATE]`,
    }),
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a precondition that excludes UPDATE with NotEquals fires',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        any:
          - key: "{{ request.operation }}"
            operator: NotEquals
            value: UPDATE`,
    }),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 15, column: 13 }],
  },
  {
    name: 'kinds: [Deployment] only fires pod-kind-unmatched at the kinds key',
    text: kyverno(
      `
        pattern:
          spec:
            template:
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
`,
      { match: MATCH_POD.replace('[Pod]', '[Deployment]') },
    ),
    fires: [{ ruleId: 'pod-kind-unmatched', line: 12, column: 15 }],
    silent: ['ephemeral-containers-unchecked', 'ephemeral-subresource-unmatched'],
  },
  {
    name: 'anyPattern constrains a list only if every branch does',
    text: kyverno(`
        anyPattern:
          - spec:
              =(ephemeralContainers):
                - =(securityContext):
                    =(privileged): "false"
              containers:
                - =(securityContext):
                    =(privileged): "false"
          - spec:
              containers:
                - =(securityContext):
                    =(privileged): "false"
`),
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 19, column: 15 }],
  },
  {
    name: 'Audit policies fire enforcement-not-blocking at the action and are not coverage',
    text: kyverno(ALL_LISTS_PRIVILEGED, { action: 'Audit' }),
    fires: [{ ruleId: 'enforcement-not-blocking', line: 6, column: 3 }],
  },
  {
    name: 'a per-rule failureAction: Audit overrides Enforce',
    text: kyverno(`        failureAction: Audit\n${ALL_LISTS_PRIVILEGED.replace(/^\n/, '')}`),
    fires: [{ ruleId: 'enforcement-not-blocking', line: 14, column: 9 }],
  },
  {
    name: 'requiring resources on ephemeral containers fires ephemeral-field-not-settable',
    text: kyverno(`
        pattern:
          spec:
            =(ephemeralContainers):
              - resources:
                  limits:
                    memory: "?*"
            containers:
              - resources:
                  limits:
                    memory: "?*"
`),
    fires: [{ ruleId: 'ephemeral-field-not-settable', line: 19, column: 21 }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'requiring probes on ephemeral containers fires; a resources check on containers only does not fire ephemeral-containers-unchecked',
    text: kyverno(`
        pattern:
          spec:
            =(ephemeralContainers):
              - livenessProbe:
                  periodSeconds: ">0"
            containers:
              - resources:
                  limits:
                    cpu: "?*"
`),
    fires: [{ ruleId: 'ephemeral-field-not-settable', line: 18, column: 19 }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'hostProcess per container only (all lists) is partial: the pod level is missing',
    text: kyverno(`
        pattern:
          spec:
            =(ephemeralContainers):
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
            =(initContainers):
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
            containers:
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
`),
    fires: [{ ruleId: 'hostprocess-partial', line: 19, column: 21 }],
    silent: ['hostprocess-unchecked', 'hostprocess-indirect-only'],
  },
  {
    name: 'hostProcess at the pod level only is partial',
    text: kyverno(`
        pattern:
          spec:
            =(securityContext):
              =(windowsOptions):
                =(hostProcess): "false"
`),
    fires: [{ ruleId: 'hostprocess-partial', line: 18, column: 17 }],
  },
  {
    name: 'hostProcess at the pod level and in all three lists is complete',
    text: kyverno(HOST_PROCESS_EVERYWHERE),
    fires: [],
    silent: ['hostprocess-partial', 'hostprocess-unchecked', 'hostprocess-indirect-only'],
  },
  {
    name: 'a set that blocks only hostNetwork is indirect-only, at the hostNetwork key',
    text: kyverno(`
        pattern:
          spec:
            =(hostNetwork): "false"
`),
    fires: [{ ruleId: 'hostprocess-indirect-only', line: 16, column: 13 }],
    silent: ['hostprocess-unchecked'],
  },
  {
    name: 'a set with no hostProcess or hostNetwork control is unchecked, pointing at the privileged check',
    text: kyverno(ALL_LISTS_PRIVILEGED),
    fires: [{ ruleId: 'hostprocess-unchecked', line: 18, column: 19 }],
  },
  {
    name: 'podSecurity baseline covers every list and the pod level',
    text: kyverno(`
        podSecurity:
          level: baseline
          version: latest
`),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'hostprocess-unchecked', 'hostprocess-partial'],
  },
  {
    name: 'podSecurity excluding HostProcess leaves hostProcess unchecked',
    text: kyverno(`
        podSecurity:
          level: baseline
          version: latest
          exclude:
            - controlName: HostProcess
            - controlName: Host Namespaces
`),
    fires: [{ ruleId: 'hostprocess-unchecked', line: 15, column: 11 }],
  },
  {
    name: 'podSecurity image exclusions and excluded subjects are exemptions that reach debug containers',
    text: kyverno(
      `
        podSecurity:
          level: baseline
          version: latest
          exclude:
            - controlName: Capabilities
              images:
                - ghcr.io/tools/*
`,
      {
        match: `${MATCH_POD}
      exclude:
        any:
          - subjects:
              - kind: Group
                name: platform-admins`,
      },
    ),
    fires: [
      { ruleId: 'exemption-admits-debug-images', line: 16, column: 17 },
      { ruleId: 'exemption-admits-debug-images', line: 25, column: 19 },
    ],
  },
  {
    name: 'a condition on an ephemeral container name lets kubectl debug --container pick its way out',
    text: kyverno(`
        pattern:
          spec:
            =(ephemeralContainers):
              - (name): "!istio-*"
                =(securityContext):
                  =(privileged): "false"
            =(initContainers):
              - =(securityContext):
                  =(privileged): "false"
            containers:
              - =(securityContext):
                  =(privileged): "false"
`),
    fires: [{ ruleId: 'exemption-admits-debug-images', line: 17, column: 17 }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'nested {{ }} variables are resolved innermost first, as Kyverno does',
    text: kyverno(`
        foreach:
          - list: "request.object.spec.containers"
            deny:
              conditions:
                any:
                  - key: "{{ regex_match('^registry\\\\.corp\\\\.example/', '{{ element.image }}') }}"
                    operator: Equals
                    value: false
`),
    // The inner variable is read: the image check on containers alone is a gap for the other lists.
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 15, column: 19 }],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'an unterminated {{ is unanalyzable, not a silent plain string',
    text: kyverno(`
        deny:
          conditions:
            any:
              - key: "{{ request.object.spec.containers[].securityContext.privileged "
                operator: AnyIn
                value: [true]
`),
    fires: [{ ruleId: 'policy-unanalyzable', line: 17, column: 17 }],
  },
  {
    name: 'validationFailureActionOverrides to Audit in every namespace is not blocking',
    text: kyverno(ALL_LISTS_PRIVILEGED).replace(
      '  rules:',
      '  validationFailureActionOverrides:\n    - action: Audit\n      namespaces: ["*"]\n  rules:',
    ),
    fires: [{ ruleId: 'enforcement-not-blocking', line: 8, column: 7 }],
  },
  {
    name: 'validationFailureActionOverrides to Audit in some namespaces exempts them',
    text: kyverno(ALL_LISTS_PRIVILEGED).replace(
      '  rules:',
      '  validationFailureActionOverrides:\n    - action: Audit\n      namespaces: [dev]\n  rules:',
    ),
    fires: [{ ruleId: 'exemption-admits-debug-images', line: 8, column: 7 }],
    silent: ['enforcement-not-blocking'],
  },
  {
    name: 'a Deployment-only rule reading the pod template is pod-kind-unmatched, not ephemeral-containers-unchecked',
    text: kyverno(
      `
        pattern:
          spec:
            template:
              spec:
                containers:
                  - =(securityContext):
                      =(privileged): "false"
`,
      { match: MATCH_POD.replace('[Pod]', '[Deployment]') },
    ),
    fires: [
      { ruleId: 'pod-kind-unmatched', line: 12, column: 15 },
      { ruleId: 'init-containers-unchecked', line: 18, column: 17 },
    ],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'a hostNetwork rule with excluded namespaces is no indirect hostProcess coverage',
    text: kyverno(
      `
        pattern:
          spec:
            =(hostNetwork): "false"
`,
      {
        match: `${MATCH_POD}
      exclude:
        any:
          - resources:
              namespaces: [monitoring]`,
      },
    ),
    fires: [{ ruleId: 'hostprocess-unchecked', line: 2, column: 1 }],
    silent: ['hostprocess-indirect-only'],
  },
  {
    name: 'a namespaced Policy blocking hostProcess covers only its namespace: the cluster stays unchecked',
    text: kyverno(HOST_PROCESS_EVERYWHERE)
      .replace('kind: ClusterPolicy', 'kind: Policy')
      .replace('  name: p', '  name: p\n  namespace: windows')
      .concat(`---\n${kyverno(ALL_LISTS_PRIVILEGED)}`),
    // The ClusterPolicy (second document, 31 lines down) is all that applies elsewhere.
    fires: [{ ruleId: 'hostprocess-unchecked', line: 31 + 19, column: 19 }],
    silent: ['hostprocess-partial'],
  },
  {
    name: 'a PolicyException matching Pods exempts them from the policy, debug containers included',
    text: kyverno(ALL_LISTS_PRIVILEGED).concat(`---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: monitoring-privileged
  namespace: kyverno
spec:
  exceptions:
    - policyName: p
      ruleNames: [r]
  match:
    any:
      - resources:
          kinds: [Pod]
          namespaces: [monitoring]
`),
    fires: [{ ruleId: 'exemption-admits-debug-images', line: 33, column: 7 }],
  },
  {
    name: 'a PolicyException for Deployments only does not reach ephemeral containers',
    text: kyverno(ALL_LISTS_PRIVILEGED).concat(`---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: deployments-only
spec:
  exceptions:
    - policyName: p
      ruleNames: [r]
  match:
    any:
      - resources:
          kinds: [Deployment]
`),
    fires: [],
    silent: ['exemption-admits-debug-images'],
  },
  {
    name: 'a foreach over data from an apiCall context variable is unanalyzable, at the list',
    text: kyverno(
      `
        foreach:
          - list: livePod.ephemeralContainers
            deny:
              conditions:
                any:
                  - key: "{{ element.securityContext.privileged || false }}"
                    operator: Equals
                    value: true
`,
      {
        match: `${MATCH_POD}
      context:
        - name: livePod
          apiCall:
            urlPath: "/api/v1/namespaces/{{ request.namespace }}/pods/{{ request.object.metadata.name }}"
            jmesPath: spec`,
      },
    ),
    fires: [{ ruleId: 'policy-unanalyzable', line: 20, column: 19 }],
  },
  {
    name: 'webhookConfiguration.matchConditions that drop subresource requests hide kubectl debug',
    text: kyverno(ALL_LISTS_PRIVILEGED).replace(
      '  rules:',
      "  webhookConfiguration:\n    matchConditions:\n      - name: skip-subresources\n        expression: \"request.subResource == ''\"\n  rules:",
    ),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 10, column: 22 }],
  },
  {
    name: 'excluding the kind Pod/ephemeralcontainers skips every kubectl debug',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      exclude:
        any:
          - resources:
              kinds: ["Pod/ephemeralcontainers"]`,
    }),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 16, column: 23 }],
  },
  {
    name: 'a precondition on request.subResource that rejects ephemeralcontainers skips kubectl debug',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        all:
          - key: "{{ request.subResource || '' }}"
            operator: NotEquals
            value: ephemeralcontainers`,
    }),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 15, column: 13 }],
  },
  {
    name: 'the kyverno.io/v1 operator alias Equal is understood',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        all:
          - key: "{{ request.operation }}"
            operator: Equal
            value: CREATE`,
    }),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 15, column: 13 }],
  },
  {
    name: 'a precondition on request.operation that polcov cannot evaluate is reported, not assumed to pass',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        all:
          - key: "{{ request.operation == 'CREATE' }}"
            operator: Equals
            value: true`,
    }),
    fires: [{ ruleId: 'policy-unanalyzable', line: 15, column: 13 }],
  },
  {
    name: 'a precondition on the ephemeral container list itself fails closed',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `${MATCH_POD}
      preconditions:
        all:
          - key: "{{ request.object.spec.ephemeralContainers[] || \`[]\` | length(@) }}"
            operator: Equals
            value: 0`,
    }),
    fires: [{ ruleId: 'policy-unanalyzable', line: 15, column: 13 }],
  },
  {
    name: 'match.all allows only the operations every filter allows',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `      match:
        all:
          - resources:
              kinds: [Pod]
              operations: [CREATE, UPDATE]
          - resources:
              kinds: [Pod]
              operations: [CREATE]`,
    }),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 13, column: 28 }],
  },
  {
    name: 'podSecurity excluding a container control for images ["*"] lifts it everywhere',
    text: kyverno(`
        podSecurity:
          level: baseline
          version: latest
          exclude:
            - controlName: Privileged Containers
              images: ["*"]
              restrictedField: "spec.ephemeralContainers[*].securityContext.privileged"
              values: ["true"]
`),
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 15, column: 11 }],
  },
  {
    name: 'podSecurity exclusions whose values allow hostProcess and hostNetwork leave the pod level open',
    text: kyverno(`
        podSecurity:
          level: baseline
          version: latest
          exclude:
            - controlName: HostProcess
              restrictedField: spec.securityContext.windowsOptions.hostProcess
              values: ["true"]
            - controlName: Host Namespaces
              restrictedField: spec.hostNetwork
              values: ["true"]
`),
    fires: [{ ruleId: 'hostprocess-partial', line: 15, column: 11 }],
  },
  {
    name: 'a podSecurity restrictedField without values is rejected by Kyverno: unanalyzable',
    text: kyverno(`
        podSecurity:
          level: baseline
          version: latest
          exclude:
            - controlName: Privileged Containers
              images: ["*"]
              restrictedField: "spec.containers[*].securityContext.privileged"
`),
    fires: [{ ruleId: 'policy-unanalyzable', line: 18, column: 15 }],
  },
  {
    name: 'an unscoped PolicyException for UPDATE skips every kubectl debug',
    text: kyverno(ALL_LISTS_PRIVILEGED).concat(`---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: debug-everywhere
spec:
  exceptions:
    - policyName: p
      ruleNames: [r]
  match:
    any:
      - resources:
          kinds: [Pod]
          operations: [UPDATE]
`),
    fires: [{ ruleId: 'ephemeral-update-skipped', line: 32, column: 7 }],
  },
  {
    name: 'the existence anchor ^() on ephemeralContainers does not check every debug container',
    text: kyverno(ALL_LISTS_PRIVILEGED.replace('=(ephemeralContainers)', '^(ephemeralContainers)')),
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 22, column: 13 }],
  },
  {
    name: 'an index reads one container, not the list',
    text: kyverno(`
        deny:
          conditions:
            any:
              - key: "{{ request.object.spec.[containers, initContainers][].securityContext.privileged }}"
                operator: AnyIn
                value: [true]
              - key: "{{ request.object.spec.ephemeralContainers[0].securityContext.privileged || \`false\` }}"
                operator: Equals
                value: true
`),
    fires: [{ ruleId: 'ephemeral-containers-unchecked', line: 17, column: 17 }],
  },
  {
    name: 'a per-rule failureActionOverrides to Audit everywhere is not blocking',
    text: kyverno(`        failureActionOverrides:\n          - action: Audit\n            namespaces: ["*"]\n${ALL_LISTS_PRIVILEGED.replace(/^\n/, '')}`),
    fires: [{ ruleId: 'enforcement-not-blocking', line: 15, column: 13 }],
  },
  {
    name: 'X(ephemeralContainers) forbids debug containers: checking the other lists only is no gap',
    text: kyverno(`
        pattern:
          spec:
            X(ephemeralContainers): "null"
            =(initContainers):
              - =(securityContext):
                  =(privileged): "false"
            containers:
              - =(securityContext):
                  =(privileged): "false"
`),
    fires: [],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'checks split over two rules of one policy cover what their union covers',
    text: kyverno(
      `
        pattern:
          spec:
            =(initContainers):
              - =(securityContext):
                  =(privileged): "false"
            containers:
              - =(securityContext):
                  =(privileged): "false"
    - name: debug-containers
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
`,
    ),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'a context variable.value template is followed',
    text: kyverno(
      `
        deny:
          conditions:
            any:
              - key: "{{ allContainers[].securityContext.privileged }}"
                operator: AnyIn
                value: [true]
`,
      {
        match: `${MATCH_POD}
      context:
        - name: allContainers
          variable:
            value: "{{ request.object.spec.[ephemeralContainers, initContainers, containers][] }}"
            default: []`,
      },
    ),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'a name condition every container meets is no exemption',
    text: kyverno(ALL_LISTS_PRIVILEGED.replace('              - =(securityContext):\n                  =(privileged): "false"\n            =(initContainers)', '              - (name): "*"\n                =(securityContext):\n                  =(privileged): "false"\n            =(initContainers)')),
    fires: [],
    silent: ['exemption-admits-debug-images'],
  },
  {
    name: 'forbidding ephemeral containers does not stop a HostProcess pod from being created',
    text: kyverno(`
        pattern:
          spec:
            X(ephemeralContainers): "null"
            containers:
              - =(securityContext):
                  =(privileged): "false"
`),
    fires: [{ ruleId: 'hostprocess-unchecked', line: 19, column: 19 }],
  },
  {
    name: 'with debug containers forbidden set-wide, a CREATE-only rule skips nothing kubectl debug could add',
    text: kyverno(ALL_LISTS_PRIVILEGED, {
      match: `      match:
        any:
          - resources:
              kinds: [Pod]
              operations: [CREATE]`,
    }).concat(
      '---\n',
      kyverno(`
        pattern:
          spec:
            X(ephemeralContainers): "null"
`).replace('name: p', 'name: block-ephemeral-containers'),
    ),
    fires: [],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a rule matching some namespaces covers HostProcess there only',
    text: kyverno(HOST_PROCESS_EVERYWHERE, {
      match: `      match:
        any:
          - resources:
              kinds: [Pod]
              namespaces: [prod]`,
    }).concat('---\n', kyverno(ALL_LISTS_PRIVILEGED).replace('name: p', 'name: privileged')),
    // The privileged ClusterPolicy (second document, 32 lines down) is all that applies elsewhere.
    fires: [{ ruleId: 'hostprocess-unchecked', line: 32 + 18, column: 19 }],
  },
  {
    name: 'a rule limited by a selector never counts as cluster-wide HostProcess coverage',
    text: kyverno(HOST_PROCESS_EVERYWHERE, {
      match: `      match:
        any:
          - resources:
              kinds: [Pod]
              selector:
                matchLabels: { hardened: "true" }`,
    }).concat('---\n', kyverno(ALL_LISTS_PRIVILEGED).replace('name: p', 'name: privileged')),
    fires: [{ ruleId: 'hostprocess-unchecked', line: 33 + 18, column: 19 }],
  },
];

describe('Kyverno rules', () => {
  it.each(cases)('$name', ({ text, fires, silent }) => {
    const result = auditFiles({ 'policy.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of fires) expect(got).toContainEqual({ ...f, file: 'policy.yaml' });
    for (const id of silent ?? []) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
  });
});

describe('Kyverno PolicyExceptions in files of their own', () => {
  const exception = `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: monitoring-privileged
  namespace: kyverno
spec:
  exceptions:
    - policyName: p
      ruleNames: [r]
  match:
    any:
      - resources:
          kinds: [Pod]
          namespaces: [monitoring]
`;
  // Files are read in name order: the exception comes before or after the policy it amends.
  it.each([
    ['a-exception.yaml', 'b-policy.yaml'],
    ['b-exception.yaml', 'a-policy.yaml'],
  ])('%s amends the policy in %s', (exceptionFile, policyFile) => {
    const result = auditFiles({ [exceptionFile]: exception, [policyFile]: kyverno(ALL_LISTS_PRIVILEGED) });
    expect(result.errors).toEqual([]);
    expect(located(result.findings, 'exemption-admits-debug-images')).toEqual([{ ruleId: 'exemption-admits-debug-images', file: exceptionFile, line: 8, column: 7 }]);
    expect(result.policies.map((p) => p.exemptions.map((e) => e.value))).toEqual([[expect.stringContaining('PolicyException monitoring-privileged')]]);
  });
});
