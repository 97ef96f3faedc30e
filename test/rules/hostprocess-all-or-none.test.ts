/**
 * HostProcess is all or none (DOMAIN.md §2): rejecting the flag at the pod level and on `containers`
 * blocks every HostProcess pod, so `hostprocess-partial` fires exactly when one can still be created,
 * and the list-gap and UPDATE rules never fire for windowsHostProcess. A hostNetwork rule that skips
 * Windows pods is no indirect HostProcess coverage.
 */
import { runCase, vap, vapExpr, type Case } from '../engines/cel/fixtures';
import { clusterPolicy, patternPolicy } from '../engines/kyverno/fixtures';

const POD = 'object.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false) == false';
const own = (list: string): string => `object.spec.?${list}.orValue([]).all(c, c.?securityContext.?windowsOptions.?hostProcess.orValue(false) == false)`;
const LIST_RULES = ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'ephemeral-update-skipped', 'ephemeral-subresource-unmatched'];

const cases: Case[] = [
  {
    name: 'pod level only: containers that set the flag themselves make a HostProcess pod',
    files: { 'p.yaml': vapExpr(POD) },
    fires: [{ ruleId: 'hostprocess-partial', at: 'object.spec.?securityContext', says: 'at the pod level only' }],
  },
  {
    name: 'containers only without the pod level: containers inherit the pod-level flag',
    files: { 'p.yaml': vapExpr(own('containers')) },
    fires: [{ ruleId: 'hostprocess-partial', at: 'c.?securityContext', says: 'does not check the pod level' }],
    silent: LIST_RULES,
  },
  {
    name: 'all three lists without the pod level is still partial',
    files: { 'p.yaml': vapExpr(`${own('containers')} && ${own('initContainers')} && ${own('ephemeralContainers')}`) },
    fires: [{ ruleId: 'hostprocess-partial', at: 'c.?securityContext', says: 'does not check the pod level' }],
  },
  {
    name: 'init and ephemeral containers only: a HostProcess pod has none of them',
    files: { 'p.yaml': vapExpr(`${own('initContainers')} && ${own('ephemeralContainers')}`) },
    fires: [{ ruleId: 'hostprocess-partial', at: 'c.?securityContext', says: 'only in initContainers or ephemeralContainers' }],
  },
  {
    name: 'pod level and containers: complete, and leaving out init/ephemeral is no gap',
    files: { 'p.yaml': vapExpr(`${POD} && ${own('containers')}`) },
    fires: [],
    silent: ['hostprocess-partial', 'hostprocess-unchecked', ...LIST_RULES],
  },
  {
    name: "each container's effective value (its own, else the pod's) is complete",
    files: {
      'p.yaml': vapExpr(
        'object.spec.containers.all(c, c.?securityContext.?windowsOptions.?hostProcess.orValue(object.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false)) == false)',
      ),
    },
    fires: [],
    silent: ['hostprocess-partial', 'hostprocess-unchecked', ...LIST_RULES],
  },
  {
    name: 'registered for pods only and CREATE only: no ephemeral gap for a HostProcess-only policy',
    files: { 'p.yaml': vapExpr(`${POD} && ${own('containers')}`, { resources: '["pods"]', operations: '["CREATE"]' }) },
    fires: [],
    silent: ['hostprocess-partial', ...LIST_RULES],
  },
  {
    name: 'Kyverno: pod level and containers pattern is complete',
    files: {
      'k.yaml': patternPolicy(`
          spec:
            =(securityContext):
              =(windowsOptions):
                =(hostProcess): "false"
            containers:
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
`, { operations: '[CREATE]' }),
    },
    fires: [],
    silent: ['hostprocess-partial', 'hostprocess-unchecked', ...LIST_RULES],
  },
  {
    name: 'Kyverno: containers pattern only is partial',
    files: {
      'k.yaml': patternPolicy(`
          spec:
            containers:
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): "false"
`),
    },
    fires: [{ ruleId: 'hostprocess-partial', at: '=(hostProcess)' }],
    silent: LIST_RULES,
  },
];

/** A blocking Kyverno rule that forbids hostNetwork; `selection` decides which pods it reaches. */
const hostNetworkRule = (selection: string): string =>
  clusterPolicy(`${selection.replace(/^\n/, '')}\n      validate:\n        pattern:\n          spec:\n            =(hostNetwork): "false"`, { name: 'no-host-network' });

const windowsCases: Case[] = [
  {
    name: 'a hostNetwork rule for every pod is indirect HostProcess coverage',
    files: { 'k.yaml': hostNetworkRule('') },
    fires: [{ ruleId: 'hostprocess-indirect-only', at: '=(hostNetwork)' }],
    silent: ['hostprocess-unchecked'],
  },
  {
    name: 'a hostNetwork rule that excludes pods with nodeSelector kubernetes.io/os: windows is none',
    files: {
      'k.yaml': hostNetworkRule(`
      preconditions:
        all:
          - key: "{{ request.object.spec.nodeSelector.\\"kubernetes.io/os\\" || '' }}"
            operator: NotEquals
            value: windows`),
    },
    fires: [{ ruleId: 'hostprocess-unchecked', at: 'kind: ClusterPolicy' }],
    silent: ['hostprocess-indirect-only'],
  },
  {
    name: 'a hostNetwork rule that skips pods tolerating Windows nodes is none',
    files: {
      'k.yaml': hostNetworkRule(`
      preconditions:
        all:
          - key: "{{ request.object.spec.tolerations[?value=='windows'] || \`[]\` | length(@) }}"
            operator: Equals
            value: 0`),
    },
    fires: [{ ruleId: 'hostprocess-unchecked', at: 'kind: ClusterPolicy' }],
    silent: ['hostprocess-indirect-only'],
  },
  {
    name: 'a VAP whose match condition leaves out Windows pods is none',
    files: {
      'v.yaml': vap(`  matchConditions:
    - name: linux-only
      expression: 'object.spec.?nodeSelector[?"kubernetes.io/os"].orValue("linux") == "linux"'
  validations:
    - expression: '!object.spec.?hostNetwork.orValue(false)'`),
    },
    fires: [{ ruleId: 'hostprocess-unchecked', at: 'kind: ValidatingAdmissionPolicy' }],
    silent: ['hostprocess-indirect-only'],
  },
];

describe('HostProcess all or none', () => {
  it.each(cases)('$name', (c) => runCase(c));
});

describe('hostNetwork rules that skip Windows pods', () => {
  it.each(windowsCases)('$name', (c) => runCase(c));
});
