/**
 * What the CEL analysis records as read, control by control and location by location: the forms
 * policies use to reach container lists (concatenation, optionals, variables, macros, indexes)
 * and the reads that must not count as checks (has() guards, iteration alone, oldObject).
 */
import { checked, vapExpr } from './fixtures';

const ALL = (control: string): string[] =>
  ['containers', 'ephemeralContainers', 'initContainers'].map((l) => `${control}@${l}`);

interface ReadCase {
  name: string;
  expression: string;
  reads: string[];
}

const cases: ReadCase[] = [
  {
    name: 'containers only',
    expression: 'object.spec.containers.all(c, c.securityContext.privileged != true)',
    reads: ['privileged@containers'],
  },
  {
    name: 'concatenation with optional selection',
    expression:
      '(object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])).all(c, c.?securityContext.?privileged.orValue(false) == false)',
    reads: ALL('privileged'),
  },
  {
    name: 'optional index form',
    expression: 'object.spec[?"ephemeralContainers"].orValue([]).all(c, !c.?securityContext.?privileged.orValue(false))',
    reads: ['privileged@ephemeralContainers'],
  },
  {
    name: 'string index',
    expression: 'object.spec["initContainers"].all(c, c.image.startsWith("r/"))',
    reads: ['image@initContainers'],
  },
  {
    name: 'iterating a list of list names selects those lists',
    expression: '["containers", "initContainers"].all(l, object.spec[l].all(c, c.securityContext.privileged != true))',
    reads: ['privileged@containers', 'privileged@initContainers'],
  },
  {
    name: 'a list literal of lists, then nested all',
    expression:
      '[object.spec.containers, object.spec.?ephemeralContainers.orValue([])].all(l, l.all(c, !c.?securityContext.?privileged.orValue(false)))',
    reads: ['privileged@containers', 'privileged@ephemeralContainers'],
  },
  {
    name: 'exists and exists_one read through the iteration variable',
    expression:
      '!object.spec.containers.exists(c, c.securityContext.privileged == true) && object.spec.?initContainers.orValue([]).exists_one(c, c.image == "x")',
    reads: ['image@initContainers', 'privileged@containers'],
  },
  {
    name: 'map then all: the mapped value is the field',
    expression: 'object.spec.ephemeralContainers.map(c, c.image).all(i, i.startsWith("r/"))',
    reads: ['image@ephemeralContainers'],
  },
  {
    name: 'map with a filter reads both',
    expression: 'object.spec.containers.map(c, has(c.securityContext.procMount), c.securityContext.procMount).all(p, p == "Default")',
    reads: ['procMount@containers'],
  },
  {
    name: 'filter keeps the elements',
    expression: 'object.spec.containers.filter(c, c.name != "sidecar").all(c, c.securityContext.runAsNonRoot == true)',
    reads: ['runAsNonRoot@containers'],
  },
  {
    name: 'ternary reads both branches and the condition',
    expression:
      'has(object.spec.hostNetwork) ? object.spec.hostNetwork == false : object.spec.containers.all(c, c.securityContext.allowPrivilegeEscalation == false)',
    reads: ['allowPrivilegeEscalation@containers', 'hostNamespaces@pod'],
  },
  {
    name: 'has() on a parent object is a guard, not a check',
    expression: 'object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.capabilities) || c.securityContext.privileged != true)',
    reads: ['privileged@containers'],
  },
  {
    name: 'has() on a control field is a check',
    expression: 'object.spec.?volumes.orValue([]).all(v, !has(v.hostPath))',
    reads: ['hostPathVolumes@pod', 'restrictedVolumes@pod'],
  },
  {
    name: 'hasValue() on a control field is a check',
    expression: '!object.spec.?hostPID.hasValue()',
    reads: ['hostNamespaces@pod'],
  },
  {
    name: 'iterating a list alone checks nothing',
    expression: 'object.spec.containers.all(c, c.name != "")',
    reads: [],
  },
  {
    name: 'oldObject is not the admitted pod',
    expression: 'oldObject == null || oldObject.spec.containers.all(c, c.securityContext.privileged != true)',
    reads: [],
  },
  {
    name: 'pod-level securityContext through optionals',
    expression: 'object.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false) == false',
    reads: ['windowsHostProcess@pod'],
  },
  {
    name: 'a default taken from the pod level reads both levels',
    expression:
      'object.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(object.spec.?securityContext.?runAsNonRoot.orValue(false)))',
    reads: ['runAsNonRoot@containers', 'runAsNonRoot@pod'],
  },
  {
    name: 'size() of a list field constrains it',
    expression: 'object.spec.containers.all(c, size(c.?securityContext.?capabilities.?add.orValue([])) == 0)',
    reads: ['capabilities_baseline@containers', 'capabilities_restricted@containers'],
  },
  {
    name: 'a pod template (Deployment) is classified like a pod',
    expression: 'object.spec.template.spec.containers.all(c, c.securityContext.privileged != true)',
    reads: ['privileged@containers'],
  },
];

describe('CEL reads', () => {
  it.each(cases)('$name', ({ expression, reads }) => {
    expect(checked({ 'policy.yaml': vapExpr(expression) })).toEqual([...reads].sort());
  });

  it('follows variables into variables, and a variable joining the three lists covers all three', () => {
    const text = vapExpr('variables.all.all(c, c.securityContext.privileged != true)').replace(
      '  validations:',
      [
        '  variables:',
        '    - name: regular',
        '      expression: object.spec.containers',
        '    - name: withInit',
        '      expression: variables.regular + object.spec.?initContainers.orValue([])',
        '    - name: all',
        '      expression: variables.withInit + object.spec.?ephemeralContainers.orValue([])',
        '  validations:',
      ].join('\n'),
    );
    expect(checked({ 'policy.yaml': text })).toEqual(ALL('privileged').sort());
  });

  it('reads inside a variable count where the variable is used', () => {
    const text = vapExpr('!variables.anyPrivileged').replace(
      '  validations:',
      [
        '  variables:',
        '    - name: anyPrivileged',
        '      expression: object.spec.containers.exists(c, c.?securityContext.?privileged.orValue(false))',
        '  validations:',
      ].join('\n'),
    );
    expect(checked({ 'policy.yaml': text })).toEqual(['privileged@containers']);
  });
});
