/**
 * Security review, item 1: `cel.bind` binds its name to the value it is given (it used to drop
 * it, so a bound container list was never checked, fail-open), and a function polcov cannot follow
 * that is handed part of the Pod is unanalyzable at the call, never silently nothing.
 */
import { checked, runCase, vap, vapExpr, type Case } from './fixtures';

const NOT_PRIVILEGED = '!c.?securityContext.?privileged.orValue(false)';
const TWO_LISTS = 'object.spec.containers + object.spec.?initContainers.orValue([])';
const THREE_LISTS = `${TWO_LISTS} + object.spec.?ephemeralContainers.orValue([])`;

const cases: Case[] = [
  {
    name: 'cel.bind over containers and initContainers misses ephemeral containers',
    files: { 'p.yaml': vapExpr(`cel.bind(cs, ${TWO_LISTS}, cs.all(c, ${NOT_PRIVILEGED}))`) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', says: 'checks privileged in containers and initContainers' }],
    silent: ['init-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'cel.bind over the three lists is clean',
    files: { 'p.yaml': vapExpr(`cel.bind(cs, ${THREE_LISTS}, cs.all(c, ${NOT_PRIVILEGED}))`) },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'nested cel.bind: the inner name sees the outer one',
    files: {
      'p.yaml': vapExpr(`cel.bind(regular, object.spec.containers, cel.bind(cs, regular + object.spec.?ephemeralContainers.orValue([]), cs.all(c, ${NOT_PRIVILEGED})))`),
    },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['ephemeral-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'cel.bind of a list of list names selects those lists',
    files: { 'p.yaml': vapExpr(`cel.bind(names, ["containers", "initContainers"], names.all(l, object.spec[l].all(c, ${NOT_PRIVILEGED})))`) },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec[l]' }],
    silent: ['init-containers-unchecked'],
  },
  {
    name: 'cel.bind inside a variable',
    files: {
      'p.yaml': vap(`
  variables:
    - name: noPrivileged
      expression: cel.bind(cs, ${TWO_LISTS}, cs.all(c, ${NOT_PRIVILEGED}))
  validations:
    - expression: variables.noPrivileged
`),
    },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
  {
    name: 'an unknown library function handed the pod spec is unanalyzable at the call',
    files: { 'p.yaml': vapExpr('myext.noPrivileged(object.spec)') },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'myext.noPrivileged', says: 'myext.noPrivileged() is not one polcov can follow, and it is given object.spec' }],
  },
  {
    name: 'an unknown global function handed a container list is unanalyzable at the call',
    files: { 'p.yaml': vapExpr(`allUnprivileged(${THREE_LISTS})`) },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'allUnprivileged', says: '(object.spec.containers, object.spec.initContainers, object.spec.ephemeralContainers)' }],
  },
  {
    name: 'an unknown macro-like method on a container list is unanalyzable at the call',
    files: { 'p.yaml': vapExpr(`object.spec.containers.none(c, c.?securityContext.?privileged.orValue(false))`) },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'object.spec.containers.none', says: 'none()' }],
  },
  {
    name: 'an unknown method on a container field is unanalyzable at the call',
    files: { 'p.yaml': vapExpr(`(${THREE_LISTS}).all(c, c.image.isTrusted())`) },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'c.image.isTrusted', says: 'isTrusted() is not one polcov can follow, and it is given `c.image` (object.spec.containers.image' }],
  },
  {
    name: 'an unknown function handed only metadata.name is not unanalyzable',
    files: { 'p.yaml': vapExpr(`myext.allowed(object.metadata.name) || (${THREE_LISTS}).all(c, ${NOT_PRIVILEGED})`) },
    fires: [],
    silent: ['policy-unanalyzable', 'ephemeral-containers-unchecked'],
  },
  {
    name: 'known library functions on container fields are followed',
    files: {
      'p.yaml': vapExpr(
        `(${THREE_LISTS}).all(c, sets.contains(["NET_BIND_SERVICE"], c.?securityContext.?capabilities.?add.orValue([])) && c.image.lowerAscii().matches("^r/") && !c.image.split("@")[0].endsWith(":latest"))`,
      ),
    },
    fires: [],
    silent: ['policy-unanalyzable', 'ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
];

describe('cel.bind and functions polcov cannot follow', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('cel.bind records the checks of the bound lists', () => {
    expect(checked({ 'p.yaml': vapExpr(`cel.bind(cs, ${TWO_LISTS}, cs.all(c, ${NOT_PRIVILEGED}))`) })).toEqual(['privileged@containers', 'privileged@initContainers']);
  });

  it('sortBy orders, it does not check: the key is not a read, the list still is', () => {
    expect(checked({ 'p.yaml': vapExpr(`object.spec.containers.sortBy(c, c.image).all(c, ${NOT_PRIVILEGED})`) })).toEqual(['privileged@containers']);
  });

  it('optMap binds its variable to the optional value', () => {
    expect(checked({ 'p.yaml': vapExpr('object.spec.?securityContext.optMap(s, s.?runAsNonRoot.orValue(false)).orValue(false) == true') })).toEqual([
      'runAsNonRoot@pod',
    ]);
  });
});
