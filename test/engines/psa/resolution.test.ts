/**
 * How a Namespace's Pod Security policy resolves (upstream `api.PolicyToEvaluate`): it starts from the
 * configured defaults, each label replaces only its own level or version, and a label that does not
 * parse fails closed for enforce (restricted, latest) instead of making the namespace unanalyzable.
 */
import type { ControlId } from '../../../src/catalog/controls';
import { parseLevel, parseVersion } from '../../../src/engines/psa/modes';
import { auditFiles } from '../../helpers';
import { runCase, type Case } from '../cel/fixtures';
import { config, defaults, namespace } from './fixtures';

/** Blocking coverage of a control in the containers list, as "Kind/name" per entry, for one namespace's own policy. */
function coveredBy(files: Record<string, string>, control: ControlId): string[] {
  return auditFiles(files)
    .coverage[control].containers.map((e) => `${e.policy.kind}/${e.policy.name}${e.namespaces ? '@' + e.namespaces.join(',') : ''}`)
    .sort();
}

describe('a Namespace inherits the defaults part by part', () => {
  // [name, files, control, policies that block it on containers]
  const table: [string, Record<string, string>, ControlId, string[]][] = [
    [
      'level label over a default version: restricted at v1.22 leaves runAsUser (1.23) uncounted',
      { 'config.yaml': config(defaults({ enforce: 'baseline', 'enforce-version': 'v1.22' })), 'ns.yaml': namespace('x', { enforce: 'restricted' }) },
      'runAsUser',
      [],
    ],
    [
      'level label over a default version: restricted at v1.22 still counts capabilities_restricted (1.22)',
      { 'config.yaml': config(defaults({ enforce: 'baseline', 'enforce-version': 'v1.22' })), 'ns.yaml': namespace('x', { enforce: 'restricted' }) },
      'capabilities_restricted',
      ['Namespace/x@x'],
    ],
    [
      'version label over a default level: restricted (latest default) pinned to v1.22 in the namespace',
      { 'config.yaml': config(defaults({ enforce: 'restricted' })), 'ns.yaml': namespace('x', { 'enforce-version': 'v1.22' }) },
      'runAsUser',
      ['AdmissionConfiguration/PodSecurity'],
    ],
    [
      'version label over a default level: the pinned namespace still enforces restricted v1.22 controls',
      { 'config.yaml': config(defaults({ enforce: 'restricted' })), 'ns.yaml': namespace('x', { 'enforce-version': 'v1.22' }) },
      'runAsNonRoot',
      ['AdmissionConfiguration/PodSecurity', 'Namespace/x@x'],
    ],
    [
      'no configuration: a version label alone enforces privileged (the upstream default level)',
      { 'ns.yaml': namespace('x', { 'enforce-version': 'v1.22' }) },
      'privileged',
      [],
    ],
    [
      'both labels written: the defaults do not matter',
      { 'config.yaml': config(defaults({ enforce: 'privileged', 'enforce-version': 'v1.22' })), 'ns.yaml': namespace('x', { enforce: 'restricted', 'enforce-version': 'latest' }) },
      'runAsUser',
      ['Namespace/x@x'],
    ],
  ];
  it.each(table)('%s', (_name, files, control, expected) => expect(coveredBy(files, control)).toEqual(expected));

  it('a namespace that writes only the enforce version is no longer held to the defaults there', () => {
    const result = auditFiles({ 'config.yaml': config(defaults({ enforce: 'restricted' })), 'ns.yaml': namespace('x', { 'enforce-version': 'v1.22' }) });
    const cfg = result.policies.find((p) => p.policy.kind === 'AdmissionConfiguration')!;
    expect(cfg.excludedNamespaces).toEqual(['x']);
    const ns = result.policies.find((p) => p.policy.name === 'x')!;
    expect(ns.rules.map((r) => [r.name, r.enforcement.blocking, r.enforcement.action])).toEqual([['pod-security.kubernetes.io/enforce', true, 'enforce: restricted v1.22']]);
  });

  const findings: Case[] = [
    {
      name: 'a version label alone over privileged defaults: the gap points at the version label',
      files: { 'ns.yaml': namespace('x', { 'enforce-version': 'v1.30' }), 'config.yaml': config(defaults({ enforce: 'privileged' })) },
      fires: [{ ruleId: 'hostprocess-unchecked', at: 'pod-security.kubernetes.io/enforce-version', says: 'In namespace x, no blocking policy stops Windows HostProcess containers (it enforces privileged v1.30)' }],
    },
    {
      name: 'a version label alone over baseline defaults keeps baseline: no HostProcess gap there',
      files: { 'ns.yaml': namespace('x', { 'enforce-version': 'v1.22' }), 'config.yaml': config(defaults({ enforce: 'baseline' })) },
      fires: [],
      silent: ['hostprocess-unchecked', 'policy-unanalyzable', 'enforcement-not-blocking'],
    },
    {
      name: 'warn stricter than the inherited enforce level is reported at the warn label',
      files: { 'ns.yaml': namespace('x', { 'enforce-version': 'v1.22', warn: 'restricted' }), 'config.yaml': config(defaults({ enforce: 'baseline' })) },
      fires: [{ ruleId: 'enforcement-not-blocking', at: 'pod-security.kubernetes.io/warn' }],
      silent: ['hostprocess-unchecked'],
    },
  ];
  it.each(findings)('$name', (c) => runCase(c));
});

describe('invalid Pod Security labels fail closed', () => {
  const findings: Case[] = [
    {
      name: 'an enforce level with a capital letter is evaluated as restricted: no gap, not unanalyzable',
      files: { 'ns.yaml': namespace('x', { enforce: 'Baseline' }) },
      fires: [],
      silent: ['policy-unanalyzable', 'hostprocess-unchecked', 'enforcement-not-blocking'],
    },
    {
      name: 'an enforce level "privileged " typo over privileged defaults is still evaluated as restricted',
      files: { 'ns.yaml': namespace('x', { enforce: 'Privileged' }), 'config.yaml': config(defaults({ enforce: 'privileged' })) },
      fires: [{ ruleId: 'hostprocess-unchecked', at: 'enforce: privileged', file: 'config.yaml', says: 'In namespaces other than x' }],
      silent: ['policy-unanalyzable'],
    },
    {
      name: 'a version without the v is evaluated as latest: not unanalyzable',
      files: { 'ns.yaml': namespace('x', { enforce: 'baseline', 'enforce-version': '1.30' }) },
      fires: [],
      silent: ['policy-unanalyzable', 'hostprocess-unchecked'],
    },
    {
      name: 'an invalid audit level fails open (privileged) upstream: nothing is reported for it',
      files: { 'ns.yaml': namespace('x', { enforce: 'baseline', audit: 'Restricted' }) },
      fires: [],
      silent: ['policy-unanalyzable', 'enforcement-not-blocking', 'hostprocess-unchecked'],
    },
    {
      name: 'an invalid level in the configuration defaults stays unanalyzable (the API server does not start)',
      files: { 'config.yaml': config(defaults({ enforce: 'Baseline' })) },
      fires: [{ ruleId: 'policy-unanalyzable', at: 'enforce:', says: 'the API server does not start with it' }],
    },
    {
      name: 'an invalid version in the configuration defaults stays unanalyzable',
      files: { 'config.yaml': config(defaults({ enforce: 'baseline', 'enforce-version': 'v1.022' })) },
      fires: [{ ruleId: 'policy-unanalyzable', at: 'enforce-version:' }],
    },
  ];
  it.each(findings)('$name', (c) => runCase(c));

  it.each<[string, Record<string, string>, ControlId, number]>([
    ['invalid level → restricted', { enforce: 'Baseline' }, 'runAsNonRoot', 1],
    ['invalid version → latest (host probes, 1.34)', { enforce: 'baseline', 'enforce-version': 'v1.030' }, 'hostProbesAndHostLifecycle', 1],
    ['valid old version keeps host probes out', { enforce: 'baseline', 'enforce-version': 'v1.30' }, 'hostProbesAndHostLifecycle', 0],
  ])('coverage: %s', (_name, labels, control, count) => {
    expect(auditFiles({ 'ns.yaml': namespace('x', labels) }).coverage[control].containers).toHaveLength(count);
  });

  it('says in the enforce action what was evaluated and why', () => {
    const result = auditFiles({ 'ns.yaml': namespace('x', { enforce: 'Baseline', 'enforce-version': 'v1.22.0' }) });
    const [rule] = result.policies[0]!.rules;
    expect(rule!.enforcement).toMatchObject({ blocking: true });
    expect(rule!.enforcement.action).toBe(
      'enforce: restricted (invalid level "Baseline" is evaluated as restricted; invalid version "v1.22.0" is evaluated as latest; the API server rejects the label on Namespace create and update)',
    );
    expect(result.policies[0]!.unanalyzable).toEqual([]);
  });

  it.each<[string, string | number | undefined]>([
    ['latest', 'latest'],
    ['v1.0', 0],
    ['v1.9', 9],
    ['v1.22', 22],
    ['v1.123', 123],
    ['v1.022', undefined],
    ['v1.00', undefined],
    ['1.22', undefined],
    ['V1.22', undefined],
    ['v2.1', undefined],
    ['v1.22.0', undefined],
    ['Latest', undefined],
    ['v1.', undefined],
    ['v1.-1', undefined],
  ])('parseVersion(%p) = %p', (text, expected) => expect(parseVersion(text)).toBe(expected));

  it.each<[string, string | undefined]>([
    ['privileged', 'privileged'],
    ['baseline', 'baseline'],
    ['restricted', 'restricted'],
    ['Baseline', undefined],
    ['RESTRICTED', undefined],
    [' baseline', undefined],
    ['', undefined],
  ])('parseLevel(%p) = %p', (text, expected) => expect(parseLevel(text)).toBe(expected));
});
