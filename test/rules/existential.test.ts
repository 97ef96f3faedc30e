/**
 * Existential rules constrain no single container (issue 9 item 7): a pod passes when some
 * container meets them, so an extra init or ephemeral container cannot violate them and no
 * list-gap finding applies. Their negations (`!containers.exists(…)`) hold for every container.
 */
import { runCase, vap, vapExpr, type Case } from '../engines/cel/fixtures';
import { denyPolicy, patternPolicy } from '../engines/kyverno/fixtures';

const LIST_RULES = ['ephemeral-containers-unchecked', 'init-containers-unchecked'];

const deny = (operator: string): string => denyPolicy('"{{ request.object.spec.containers[].image }}"', operator, '["registry.example/*"]');

const cases: Case[] = [
  {
    name: 'CEL containers.exists(…): some container suffices',
    files: { 'p.yaml': vapExpr('object.spec.containers.exists(c, c.image.startsWith("registry.example/"))') },
    fires: [],
    silent: LIST_RULES,
  },
  {
    name: 'CEL !containers.all(…) is existential too',
    files: { 'p.yaml': vapExpr('!object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false))') },
    fires: [],
    silent: LIST_RULES,
  },
  {
    name: 'CEL !containers.exists(…) holds for every container: a gap',
    files: { 'p.yaml': vapExpr('!object.spec.containers.exists(c, c.?securityContext.?privileged.orValue(false))') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', says: 'checks privileged in containers' }],
  },
  {
    name: 'CEL: a variable holding containers.exists(…), used negated, holds for every container',
    files: {
      'p.yaml': vap(`  variables:
    - name: anyPrivileged
      expression: 'object.spec.containers.exists(c, c.?securityContext.?privileged.orValue(false))'
  validations:
    - expression: '!variables.anyPrivileged'`),
    },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', says: 'checks privileged in containers' }],
  },
  {
    name: 'CEL: the same variable used as is stays existential',
    files: {
      'p.yaml': vap(`  variables:
    - name: anyPrivileged
      expression: 'object.spec.containers.exists(c, c.?securityContext.?privileged.orValue(false))'
  validations:
    - expression: 'variables.anyPrivileged'`),
    },
    fires: [],
    silent: LIST_RULES,
  },
  {
    name: 'CEL exists over a field of each container is no existential over containers',
    files: { 'p.yaml': vapExpr('object.spec.containers.all(c, !c.?securityContext.?capabilities.?add.orValue([]).exists(a, a == "SYS_ADMIN"))') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', says: 'checks capabilities_baseline' }],
  },
  {
    name: 'Kyverno ^(containers): some element must match',
    files: {
      'k.yaml': patternPolicy(`
          spec:
            ^(containers):
              - image: "registry.example/*"`),
    },
    fires: [],
    silent: LIST_RULES,
  },
  {
    name: 'Kyverno deny AllNotIn over containers[]: denies only when no container is allowed',
    files: { 'k.yaml': deny('AllNotIn') },
    fires: [],
    silent: LIST_RULES,
  },
  {
    name: 'Kyverno deny AnyNotIn over containers[]: every container is constrained',
    files: { 'k.yaml': deny('AnyNotIn') },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'key:', says: 'checks image in containers' },
      { ruleId: 'init-containers-unchecked', at: 'key:' },
    ],
  },
  {
    name: 'Kyverno deny AllIn with the containers on the value side constrains the pod as a whole: a gap',
    files: { 'k.yaml': denyPolicy('[SYS_ADMIN, NET_ADMIN]', 'AllIn', '"{{ request.object.spec.containers[].securityContext.capabilities.add[] }}"') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'key:', says: 'checks capabilities_baseline' }],
  },
];

describe('existential rules', () => {
  it.each(cases)('$name', (c) => runCase(c));
});
