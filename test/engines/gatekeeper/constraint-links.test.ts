/**
 * Constraints decide enforcement (DOMAIN.md §6): a ConstraintTemplate alone enforces nothing, each
 * constraint runs the template with its own parameters, and a constraint whose kind no template
 * defines enforces nothing. A set with no constraint at all (a template library) is judged as if
 * each template were enforced with default (empty) parameters, said once in the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../../src/audit';
import type { PolicyFacts } from '../../../src/facts';
import { REPORTERS } from '../../../src/report';
import { auditFiles, located } from '../../helpers';
import { constraint, lineCol, MATCH_POD, template as regoTemplate } from './helpers';

/** A template of kind `kind` whose Rego starts on its own lines (indented by 8). */
const template = (kind: string, rego: string[]): string => regoTemplate(rego.join('\n'), { kind });

function constraintOf(kind: string, parameters: string[] = []): string {
  const params = parameters.length ? ['  parameters:', ...parameters.map((l) => `    ${l}`)] : [];
  return constraint({ kind, name: `${kind.toLowerCase()}-pods`, spec: [MATCH_POD, ...params].join('\n') });
}

const HOST_PROCESS = template('NoHostProcess', [
  'package nohostprocess',
  '',
  'violation[{"msg": "HostProcess pods are not allowed"}] {',
  '    input.review.object.spec.securityContext.windowsOptions.hostProcess',
  '}',
  '',
  'violation[{"msg": "HostProcess containers are not allowed"}] {',
  '    c := input.review.object.spec[_][_]',
  '    c.securityContext.windowsOptions.hostProcess',
  '}',
]);

const PRIVILEGED = template('NoPrivileged', [
  'package noprivileged',
  '',
  'violation[{"msg": "privileged"}] {',
  '    c := input.review.object.spec[_][_]',
  '    not exempt(c.image)',
  '    c.securityContext.privileged',
  '}',
  '',
  'exempt(image) {',
  '    pattern := input.parameters.exemptImages[_]',
  '    endswith(pattern, "*")',
  '    startswith(image, trim_suffix(pattern, "*"))',
  '}',
  '',
  'exempt(image) {',
  '    input.parameters.exemptImages[_] == image',
  '}',
]);

/** The host network is forbidden unless the constraint allows it (`hostNetwork: true`). */
const HOST_NETWORK_REGO = template('HostNet', [
  'package hostnet',
  '',
  'violation[{"msg": "the host network is not allowed"}] {',
  '    not input.parameters.hostNetwork',
  '    input.review.object.spec.hostNetwork',
  '}',
]);

const HOST_NETWORK_CEL = [
  'apiVersion: templates.gatekeeper.sh/v1',
  'kind: ConstraintTemplate',
  'metadata:',
  '  name: hostnet',
  'spec:',
  '  crd:',
  '    spec:',
  '      names:',
  '        kind: HostNet',
  '  targets:',
  '    - target: admission.k8s.gatekeeper.sh',
  '      code:',
  '        - engine: K8sNativeValidation',
  '          source:',
  '            variables:',
  '              - name: allowed',
  '                expression: has(variables.params.hostNetwork) && variables.params.hostNetwork',
  '            validations:',
  '              - expression: variables.allowed || !has(variables.anyObject.spec.hostNetwork) || !variables.anyObject.spec.hostNetwork',
  '',
].join('\n');

const docs = (...parts: string[]): string => parts.join('---\n');

describe('templates and constraints', () => {
  const cases = [
    {
      name: 'a template library without constraints: judged as if enforced, no link finding',
      text: docs(HOST_PROCESS, PRIVILEGED),
      fires: [] as { ruleId: string; needle: string; nth?: number }[],
      hostProcessCovered: true,
      assumed: 2,
    },
    {
      name: 'constraints for some templates: the one without covers nothing (a note at its kind)',
      text: docs(HOST_PROCESS, PRIVILEGED, constraintOf('NoPrivileged')),
      fires: [{ ruleId: 'template-without-constraint', needle: 'NoHostProcess' }],
      hostProcessCovered: false,
      assumed: 0,
    },
    {
      name: 'a constraint kind typo: the constraint enforces nothing, and neither does its template',
      text: docs(HOST_PROCESS, constraintOf('NoHostProces'), PRIVILEGED, constraintOf('NoPrivileged')),
      fires: [
        { ruleId: 'template-without-constraint', needle: 'NoHostProcess' },
        { ruleId: 'constraint-without-template', needle: 'NoHostProces', nth: 1 },
      ],
      hostProcessCovered: false,
      assumed: 0,
    },
    {
      name: 'every template has its constraint: nothing to report',
      text: docs(HOST_PROCESS, constraintOf('NoHostProcess'), PRIVILEGED, constraintOf('NoPrivileged')),
      fires: [],
      hostProcessCovered: true,
      assumed: 0,
    },
  ];

  test.each(cases)('$name', ({ text, fires, hostProcessCovered, assumed }) => {
    const result = auditFiles({ 'set.yaml': text });
    const links = located(result.findings).filter((f) => f.ruleId.endsWith('-without-template') || f.ruleId.endsWith('-without-constraint'));
    expect(links).toEqual(fires.map((f) => ({ ruleId: f.ruleId, file: 'set.yaml', ...lineCol(text, f.needle, f.nth ?? 0) })));
    expect(result.coverage.windowsHostProcess.pod.length > 0).toBe(hostProcessCovered);
    expect(result.findings.some((f) => f.ruleId === 'hostprocess-unchecked')).toBe(!hostProcessCovered);
    expect(result.summary.gatekeeper?.templatesAssumedEnforced).toBe(assumed);
  });

  test('a typo names the kind it is likely meant to be', () => {
    const result = auditFiles({ 'set.yaml': docs(HOST_PROCESS, constraintOf('NoHostProces')) });
    const f = result.findings.find((x) => x.ruleId === 'constraint-without-template')!;
    expect(f.message).toContain('did you mean NoHostProcess?');
    expect(f.hint).toBe('set kind: NoHostProcess (the kind the template defines in spec.crd.spec.names.kind)');
  });

  test('a constraint scanned without any template: polcov cannot tell what it checks', () => {
    const text = constraintOf('NoHostProcess');
    const result = auditFiles({ 'c.yaml': text });
    expect(located(result.findings, 'constraint-without-template')).toEqual([{ ruleId: 'constraint-without-template', file: 'c.yaml', ...lineCol(text, 'NoHostProcess') }]);
    expect(result.findings[0]!.message).toContain('no ConstraintTemplate is in the scanned files');
  });

  test('the template-library assumption is said once, in the report header', () => {
    const result = auditFiles({ 'set.yaml': docs(HOST_PROCESS, PRIVILEGED) });
    const text = REPORTERS.text!(result, { color: false });
    expect(text.match(/No Gatekeeper constraint in the scanned files/g)).toHaveLength(1);
    expect(text).toContain('2 ConstraintTemplates judged as if a constraint with default (empty) parameters matched Pods and denied');
  });
});

describe('constraint parameters are known values', () => {
  const hostNetworkCovered = (text: string): boolean => auditFiles({ 'set.yaml': text }).coverage.hostNamespaces.pod.length > 0;

  test.each([
    { engine: 'Rego', template: HOST_NETWORK_REGO, parameters: ['hostNetwork: true'], covered: false },
    { engine: 'Rego', template: HOST_NETWORK_REGO, parameters: ['hostNetwork: false'], covered: true },
    { engine: 'Rego', template: HOST_NETWORK_REGO, parameters: [], covered: true },
    { engine: 'CEL', template: HOST_NETWORK_CEL, parameters: ['hostNetwork: true'], covered: false },
    { engine: 'CEL', template: HOST_NETWORK_CEL, parameters: ['hostNetwork: false'], covered: true },
    { engine: 'CEL', template: HOST_NETWORK_CEL, parameters: [], covered: true },
  ])('$engine with parameters $parameters: the host network is forbidden: $covered', ({ template: t, parameters, covered }) => {
    expect(hostNetworkCovered(docs(t, constraintOf('HostNet', parameters)))).toBe(covered);
  });

  test('two constraints of one template: each is judged with its own parameters', () => {
    const text = docs(HOST_NETWORK_REGO, constraintOf('HostNet', ['hostNetwork: true']), constraintOf('HostNet', ['hostNetwork: false']).replace('hostnet-pods', 'strict'));
    const result = auditFiles({ 'set.yaml': text });
    expect(result.coverage.hostNamespaces.pod.map((e) => e.policy.name)).toEqual(['strict']);
  });

  test.each([
    { exempt: '["*"]', covered: false },
    { exempt: '["registry.example.com/*"]', covered: true },
    { exempt: '[]', covered: true },
  ])('exemptImages: $exempt — privileged containers covered: $covered', ({ exempt, covered }) => {
    const result = auditFiles({ 'set.yaml': docs(PRIVILEGED, constraintOf('NoPrivileged', [`exemptImages: ${exempt}`])) });
    expect(result.coverage.privileged.containers.length > 0).toBe(covered);
    expect(result.coverage.privileged.ephemeralContainers.length > 0).toBe(covered);
  });
});

test('exemptImages ["*"] is reported even though the checks it exempts are gone', () => {
  const text = docs(PRIVILEGED, constraintOf('NoPrivileged', ['exemptImages: ["*"]']));
  const result = auditFiles({ 'set.yaml': text }, { gatekeeperVersion: '3.16' });
  const at = lineCol(text, 'exemptImages: ["*"]');
  expect(located(result.findings, 'exemption-admits-debug-images')).toEqual([
    { ruleId: 'exemption-admits-debug-images', file: 'set.yaml', line: at.line, column: at.column + 'exemptImages: ['.length },
  ]);
});

describe('an image exemption admits only the images it names', () => {
  // Host ports, with the exempt images filtered out by comparing each image: ports cannot be set on
  // an ephemeral container, and the image comparison is no check an exemption could bypass.
  const HOST_PORTS_CEL = [
    'apiVersion: templates.gatekeeper.sh/v1',
    'kind: ConstraintTemplate',
    'metadata:',
    '  name: hostports',
    'spec:',
    '  crd:',
    '    spec:',
    '      names:',
    '        kind: HostPorts',
    '  targets:',
    '    - target: admission.k8s.gatekeeper.sh',
    '      code:',
    '        - engine: K8sNativeValidation',
    '          source:',
    '            variables:',
    '              - name: checked',
    '                expression: object.spec.containers.filter(c, !(has(variables.params.exemptImages) && c.image in variables.params.exemptImages))',
    '            validations:',
    '              - expression: variables.checked.all(c, !has(c.ports) || c.ports.all(p, !has(p.hostPort)))',
    '',
  ].join('\n');

  test.each([
    { name: 'host ports only: no note', text: docs(HOST_PORTS_CEL, constraintOf('HostPorts', ['exemptImages: ["registry.example.com/tools"]'])), fires: false },
    { name: 'privileged: the note', text: docs(PRIVILEGED, constraintOf('NoPrivileged', ['exemptImages: ["registry.example.com/tools"]'])), fires: true },
  ])('$name', ({ text, fires }) => {
    const at = lineCol(text, 'exemptImages: [');
    expect(located(auditFiles({ 'set.yaml': text }).findings, 'exemption-admits-debug-images')).toEqual(
      fires ? [{ ruleId: 'exemption-admits-debug-images', file: 'set.yaml', line: at.line, column: at.column + 'exemptImages: ['.length }] : [],
    );
  });
});

const LIBRARY = path.join(__dirname, '../../../../shared/corpus/gatekeeper-library/library/pod-security-policy');
const libraryTest = fs.existsSync(LIBRARY) ? test : test.skip;
if (!fs.existsSync(LIBRARY)) console.warn(`skipping the gatekeeper-library parameter checks: ${LIBRARY} is absent`);

describe('gatekeeper-library constraints with their parameters', () => {
  const hostNetworkChecked = (p: PolicyFacts): boolean => p.rules.some((r) => r.checks.some((c) => c.field === 'spec.hostNetwork'));

  libraryTest.each(['3.22', '3.16'])('host-network-ports on Gatekeeper %s: hostNetwork: true forbids nothing of the host network', (gatekeeperVersion) => {
    const dir = path.join(LIBRARY, 'host-network-ports');
    const result = audit({ paths: [path.join(dir, 'template.yaml'), path.join(dir, 'samples/psp-host-network-ports/constraint.yaml'), path.join(dir, 'samples/port_range_block_host_network/constraint.yaml')], gatekeeperVersion });
    const byFile = (f: string) => result.policies.find((p) => p.at.file.endsWith(f))!;
    const active = (p: PolicyFacts): PolicyFacts => ({ ...p, rules: p.rules.filter((r) => r.codeEngine?.active !== false) });
    expect(hostNetworkChecked(active(byFile('psp-host-network-ports/constraint.yaml')))).toBe(false);
    expect(hostNetworkChecked(active(byFile('port_range_block_host_network/constraint.yaml')))).toBe(true);
  });

  libraryTest('read-only-root-filesystem with exemptImages ["*"]: no coverage, the exemption reported', () => {
    const dir = path.join(LIBRARY, 'read-only-root-filesystem');
    const constraintFile = path.join(dir, 'samples/full_wildcard/constraint.yaml');
    const result = audit({ paths: [path.join(dir, 'template.yaml'), constraintFile] });
    expect(result.coverage.readOnlyRootFilesystem.containers).toEqual([]);
    const text = fs.readFileSync(constraintFile, 'utf8');
    const at = lineCol(text, '"*"');
    expect(located(result.findings, 'exemption-admits-debug-images')).toEqual([{ ruleId: 'exemption-admits-debug-images', file: 'constraint.yaml', ...at }]);
  });
});

describe('templates are read as their files are, whichever comes first', () => {
  // The template is let go of once read; a constraint read after it, with parameters of its own,
  // has it read again from its text. Either order must give the same judgement.
  const asListItem = (text: string): string => ['apiVersion: v1', 'kind: List', 'items:', ...text.trimEnd().split('\n').map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)), ''].join('\n');

  test.each<{ order: string; files: Record<string, string> }>([
    { order: 'template file first', files: { 'a-template.yaml': HOST_NETWORK_REGO, 'b-constraint.yaml': constraintOf('HostNet', ['hostNetwork: true']) } },
    { order: 'constraint file first', files: { 'b-template.yaml': HOST_NETWORK_REGO, 'a-constraint.yaml': constraintOf('HostNet', ['hostNetwork: true']) } },
    { order: 'template first, as an item of a List', files: { 'a-template.yaml': asListItem(HOST_NETWORK_REGO), 'b-constraint.yaml': constraintOf('HostNet', ['hostNetwork: true']) } },
  ])('$order: hostNetwork: true lets the host network through, false forbids it', ({ files }) => {
    const strict = constraintOf('HostNet', ['hostNetwork: false']).replace('hostnet-pods', 'strict');
    const result = auditFiles({ ...files, 'c-strict.yaml': strict });
    const [file, text] = Object.entries(files).find(([f]) => f.endsWith('template.yaml'))!;
    // The check is located in the template's Rego, wherever the template was read from.
    const check = lineCol(text, 'input.review.object.spec.hostNetwork');
    expect(result.coverage.hostNamespaces.pod.map((e) => ({ name: e.policy.name, file: path.basename(e.at.file), line: e.at.line, column: e.at.column }))).toEqual([
      { name: 'strict', file, ...check },
    ]);
    expect(located(result.findings, 'template-without-constraint')).toEqual([]);
    expect(result.errors).toEqual([]);
  });
});
