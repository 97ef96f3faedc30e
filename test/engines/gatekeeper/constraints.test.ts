/**
 * Constraints linked to their template: the match decides whether Pods (and so kubectl debug)
 * reach the template's Rego, enforcementAction whether it blocks, parameters.exemptImages and
 * match.excludedNamespaces what it lets through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditFiles, located, type Expected } from '../../helpers';
import { celTemplate, constraint, lineCol, MATCH_POD, template } from './helpers';

const PRIVILEGED = `package privileged

violation[{"msg": msg}] {
    c := input.review.object.spec[_][_]
    not exempt(c.image)
    c.securityContext.privileged
    msg := sprintf("privileged container %v", [c.name])
}

exempt(image) {
    startswith(image, trim_suffix(input.parameters.exemptImages[_], "*"))
}
`;

const NO_EXEMPTION = `package privileged

violation[{"msg": "privileged"}] {
    input.review.object.spec[_][_].securityContext.privileged
}
`;

const TWO_LISTS = `package privileged

violation[{"msg": "privileged"}] {
    input.review.object.spec[list][_].securityContext.privileged
    list := ["containers", "initContainers"][_]
}
`;

interface Case {
  name: string;
  text: string;
  /** Expected findings, each located by a snippet of the file. */
  fires: { ruleId: string; needle: string }[];
  silent?: string[];
}

const withSpec = (spec: string, rego = PRIVILEGED): string => `${template(rego)}---\n${constraint({ spec })}`;

const cases: Case[] = [
  {
    name: 'enforcementAction: dryrun does not block',
    text: withSpec(`  enforcementAction: dryrun\n${MATCH_POD}`),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'enforcementAction' }],
  },
  {
    name: 'enforcementAction: warn does not block',
    text: withSpec(`  enforcementAction: warn\n${MATCH_POD}`),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'enforcementAction' }],
  },
  {
    name: 'enforcementAction: deny blocks',
    text: withSpec(`  enforcementAction: deny\n${MATCH_POD}`),
    fires: [],
    silent: ['enforcement-not-blocking', 'policy-unanalyzable'],
  },
  {
    name: 'scoped: deny in gator only, warn at the webhook, does not block',
    text: withSpec(
      [
        '  enforcementAction: scoped',
        '  scopedEnforcementActions:',
        '    - action: warn',
        '      enforcementPoints:',
        '        - name: validation.gatekeeper.sh',
        '    - action: deny',
        '      enforcementPoints:',
        '        - name: gator.gatekeeper.sh',
        MATCH_POD,
      ].join('\n'),
    ),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'scopedEnforcementActions' }],
  },
  {
    name: 'scoped: deny at validation.gatekeeper.sh blocks',
    text: withSpec(
      [
        '  enforcementAction: scoped',
        '  scopedEnforcementActions:',
        '    - action: deny',
        '      enforcementPoints:',
        '        - name: validation.gatekeeper.sh',
        MATCH_POD,
      ].join('\n'),
    ),
    fires: [],
    silent: ['enforcement-not-blocking'],
  },
  {
    name: 'enforcementAction: Deny is not a recognised action (case-sensitive) and does not block',
    text: withSpec(`  enforcementAction: Deny\n${MATCH_POD}`),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'enforcementAction' }],
  },
  {
    name: 'enforcementAction: DryRun is not recognised either',
    text: withSpec(`  enforcementAction: DryRun\n${MATCH_POD}`),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'enforcementAction' }],
  },
  {
    name: 'scoped with action: Deny at the webhook does not block, pointed at the action',
    text: withSpec(
      [
        '  enforcementAction: scoped',
        '  scopedEnforcementActions:',
        '    - action: Deny',
        '      enforcementPoints:',
        '        - name: validation.gatekeeper.sh',
        MATCH_POD,
      ].join('\n'),
    ),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'action: Deny' }],
  },
  {
    name: 'enforcementAction: Scoped is not recognised',
    text: withSpec(
      [
        '  enforcementAction: Scoped',
        '  scopedEnforcementActions:',
        '    - action: deny',
        '      enforcementPoints:',
        '        - name: validation.gatekeeper.sh',
        MATCH_POD,
      ].join('\n'),
    ),
    fires: [{ ruleId: 'enforcement-not-blocking', needle: 'enforcementAction' }],
  },
  {
    name: 'a constraint matching only Deployments',
    text: withSpec(['  match:', '    kinds:', '      - apiGroups: ["apps"]', '        kinds: ["Deployment"]'].join('\n')),
    fires: [{ ruleId: 'pod-kind-unmatched', needle: 'kinds: ["Deployment"]' }],
  },
  {
    name: 'Pods and Deployments',
    text: withSpec(`${MATCH_POD}\n      - apiGroups: ["apps"]\n        kinds: ["Deployment"]`),
    fires: [],
    silent: ['pod-kind-unmatched'],
  },
  {
    name: 'no match.kinds matches every kind, Pod included',
    text: withSpec('  enforcementAction: deny'),
    fires: [],
    silent: ['pod-kind-unmatched'],
  },
  {
    name: 'an UPDATE guard under a Deployment-only constraint is a pod-kind gap, not an update gap',
    text: withSpec(
      ['  match:', '    kinds:', '      - apiGroups: ["apps"]', '        kinds: ["Deployment"]'].join('\n'),
      NO_EXEMPTION.replace('violation[{"msg": "privileged"}] {', 'violation[{"msg": "privileged"}] {\n    input.review.operation == "CREATE"'),
    ),
    fires: [{ ruleId: 'pod-kind-unmatched', needle: 'kinds: ["Deployment"]' }],
    silent: ['ephemeral-update-skipped'],
  },
  {
    name: 'a kinds entry without apiGroups matches Pod (an empty list matches every group)',
    text: withSpec(
      ['  match:', '    kinds:', '      - kinds: ["Pod"]'].join('\n'),
      NO_EXEMPTION.replace('violation[{"msg": "privileged"}] {', 'violation[{"msg": "privileged"}] {\n    input.review.operation == "CREATE"'),
    ),
    fires: [{ ruleId: 'ephemeral-update-skipped', needle: 'input.review.operation' }],
    silent: ['pod-kind-unmatched'],
  },
  {
    name: 'exemptImages with a prefix lets debug images through',
    text: withSpec(`${MATCH_POD}\n  parameters:\n    exemptImages:\n      - "registry.example/debug/*"`),
    fires: [{ ruleId: 'exemption-admits-debug-images', needle: '"registry.example/debug/*"' }],
  },
  {
    name: 'exemptImages the template never reads is no exemption',
    text: withSpec(`${MATCH_POD}\n  parameters:\n    exemptImages: ["registry.example/debug/*"]`, NO_EXEMPTION),
    fires: [],
    silent: ['exemption-admits-debug-images'],
  },
  {
    name: 'excluded namespaces are exemptions',
    text: withSpec(`${MATCH_POD}\n    excludedNamespaces: ["kube-system"]`),
    fires: [{ ruleId: 'exemption-admits-debug-images', needle: '"kube-system"' }],
  },
  {
    name: 'the exemption test is not a check of the image',
    text: withSpec(MATCH_POD),
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'exemption-admits-debug-images'],
  },
];

function expectedFor(text: string, fires: Case['fires']): Expected[] {
  return fires.map((f) => ({ ruleId: f.ruleId, file: 'policy.yaml', ...lineCol(text, f.needle) }));
}

describe('Gatekeeper constraints', () => {
  it.each(cases)('$name', ({ text, fires, silent }) => {
    const result = auditFiles({ 'policy.yaml': text });
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    for (const f of expectedFor(text, fires)) expect(got).toContainEqual(f);
    for (const id of silent ?? []) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
  });

  test('each constraint is its own policy, with the template rules', () => {
    const text = `${template(TWO_LISTS)}---\n${constraint({ name: 'one' })}---\n${constraint({ name: 'two', spec: `  enforcementAction: dryrun\n${MATCH_POD}` })}`;
    const result = auditFiles({ 'policy.yaml': text });
    expect(result.policies.map((p) => `${p.policy.kind}/${p.policy.name}:${p.rules.map((r) => r.enforcement.blocking).join()}`)).toEqual([
      'TestKind/one:true',
      'TestKind/two:false',
    ]);
    const unchecked = result.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked');
    expect(unchecked.map((f) => f.policy.name)).toEqual(['one', 'two']);
  });

  test.each([
    { written: 'Deny', spec: '  enforcementAction: Deny' },
    { written: 'Deny', spec: '  enforcementAction: scoped\n  scopedEnforcementActions:\n    - action: Deny\n      enforcementPoints:\n        - name: "*"' },
  ])('an unrecognised action ($written) is shown as written and named as not recognised', ({ written, spec }) => {
    const result = auditFiles({ 'policy.yaml': withSpec(`${spec}\n${MATCH_POD}`) });
    const enforcement = result.policies.find((p) => p.policy.kind === 'TestKind')!.rules[0]!.enforcement;
    expect(enforcement.blocking).toBe(false);
    expect(enforcement.action).toContain(`${written}: not a recognised action`);
    const [f] = result.findings.filter((x) => x.ruleId === 'enforcement-not-blocking');
    expect(f!.message).toContain(`(${enforcement.action.startsWith('scoped') ? 'scoped: ' : ''}${written}: not a recognised action`);
  });

  test('a template without a constraint is analysed as if one matched Pods and denied', () => {
    const result = auditFiles({ 'policy.yaml': template(TWO_LISTS) });
    const [f] = result.findings.filter((x) => x.ruleId === 'ephemeral-containers-unchecked');
    expect(f).toMatchObject({ policy: { kind: 'ConstraintTemplate', name: 'testkind' }, rule: 'violation' });
    expect(result.policies[0]!.rules[0]!.enforcement.blocking).toBe(true);
  });

  test('a constraint whose template is not scanned contributes its exemptions only', () => {
    const text = constraint({ spec: `${MATCH_POD}\n  parameters:\n    exemptImages: ["registry.example/debug/*"]` });
    const result = auditFiles({ 'constraint.yaml': text });
    expect(result.errors).toEqual([]);
    expect(result.policies).toHaveLength(1);
    expect(result.policies[0]!.rules).toEqual([]);
    // Nothing known checks Pods, so no set-level verdict; the exemption is reported (fail closed),
    // and so is the constraint that has no template to enforce.
    expect(located(result.findings).map((f) => f.ruleId)).toEqual(['constraint-without-template', 'exemption-admits-debug-images']);
  });

  test('a constraint links to the template of its kind closest to it', () => {
    const result = auditFiles({
      'a/template.yaml': template(TWO_LISTS),
      'a/constraint.yaml': constraint({ name: 'in-a' }),
      'b/template.yaml': template(NO_EXEMPTION),
      'b/constraint.yaml': constraint({ name: 'in-b' }),
    });
    const unchecked = result.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked');
    expect(unchecked.map((f) => f.policy.name)).toEqual(['in-a']);
    expect(result.policies.map((p) => p.policy.name).sort()).toEqual(['in-a', 'in-b']);
  });

  test('a template with only K8sNativeValidation code goes through the CEL analysis', () => {
    const text = celTemplate(['              - expression: "!object.spec.containers.exists(c, c.securityContext.privileged)"'], { kind: 'CelOnly' });
    const result = auditFiles({ 'cel.yaml': text });
    expect(result.findings.filter((x) => x.ruleId === 'policy-unanalyzable')).toEqual([]);
    expect(located(result.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: 'cel.yaml', ...lineCol(text, 'object.spec.containers') },
    ]);
    expect(result.policies[0]!.rules.map((r) => r.name)).toEqual(['K8sNativeValidation']);
  });

  test('K8sNativeValidation next to Rego: both halves are analysed, nothing unanalyzable', () => {
    const text = template(NO_EXEMPTION).replace(
      '      rego: |',
      [
        '      code:',
        '        - engine: K8sNativeValidation',
        '          source:',
        '            validations:',
        '              - expression: "true"',
        '      rego: |',
      ].join('\n'),
    );
    const result = auditFiles({ 'both.yaml': text });
    expect(result.findings.filter((x) => x.ruleId === 'policy-unanalyzable')).toEqual([]);
    const halves = result.policies[0]!.rules.map((r) => ({ engine: r.codeEngine?.engine, active: r.codeEngine?.active, checks: r.checks.length > 0 }));
    expect(halves).toEqual([
      { engine: 'K8sNativeValidation', active: true, checks: false },
      { engine: 'Rego', active: false, checks: true },
    ]);
  });
});

describe('K8sNativeValidation templates', () => {
  const fixture = fs.readFileSync(path.join(__dirname, '../../fixtures/gatekeeper/cel-forbids-debug.yaml'), 'utf8');

  it('a CEL validation forbidding ephemeral containers covers them: a containers-only check is no gap', () => {
    const r = auditFiles({ 'template.yaml': fixture });
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([]);
    expect(r.coverage.privileged.ephemeralContainers.map((e) => e.policy.name)).toEqual(['k8snodebug']);
  });

  it('without the forbid, the containers-only check is reported', () => {
    const r = auditFiles({ 'template.yaml': fixture.replace(/ {14}- expression: "!has[^\n]*\n[^\n]*\n/, '') });
    expect(located(r.findings, 'ephemeral-containers-unchecked').map((f) => f.ruleId)).toEqual(['ephemeral-containers-unchecked']);
  });
});

describe('constraint scope', () => {
  const hostProcess = fs.readFileSync(path.join(__dirname, '../../../samples/gatekeeper/fixed/host-process.yaml'), 'utf8');
  const privileged = fs.readFileSync(path.join(__dirname, '../../../samples/gatekeeper/fixed/privileged-containers.yaml'), 'utf8');
  const scoped = (match: string): string => hostProcess.replace(/(\n {2}match:\n)/, `$1${match}`);
  const unchecked = (hp: string): string[] =>
    auditFiles({ 'hp.yaml': hp, 'privileged.yaml': privileged })
      .findings.filter((f) => f.ruleId === 'hostprocess-unchecked')
      .map((f) => f.message.replace(/ \(.*$/, ''));

  it('a constraint matching Pods everywhere covers the cluster', () => {
    expect(unchecked(hostProcess)).toEqual([]);
  });

  it('match.namespaces covers those namespaces only', () => {
    expect(unchecked(scoped('    namespaces: [prod]\n'))).toEqual([
      'In namespaces other than prod, no blocking policy stops Windows HostProcess containers',
    ]);
  });

  it('a labelSelector never counts as cluster-wide coverage', () => {
    expect(unchecked(scoped('    labelSelector:\n      matchLabels: { hardened: "true" }\n'))).toEqual([
      'No blocking policy in the scanned set stops Windows HostProcess containers',
    ]);
  });
});

describe('behind a webhook registration', () => {
  const hostProcess = fs.readFileSync(path.join(__dirname, '../../../samples/gatekeeper/fixed/host-process.yaml'), 'utf8');
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
      - apiGroups: ["${resources === 'deployments' ? 'apps' : ''}"]
        apiVersions: ["*"]
        operations: [CREATE, UPDATE]
        resources: [${resources}]
`;
  const unchecked = (resources: string): number =>
    auditFiles({ 'hp.yaml': hostProcess, 'webhook.yaml': webhook(resources) }).findings.filter((f) => f.ruleId === 'hostprocess-unchecked').length;

  it('a Gatekeeper constraint blocks HostProcess pods only if Gatekeeper\'s webhook receives pods', () => {
    expect(unchecked('pods, pods/ephemeralcontainers')).toBe(0);
    expect(unchecked('deployments')).toBe(1);
  });
});
