/**
 * Rego positions map back to the YAML file: literal blocks (exact, by indentation), libs, Rego v1
 * `code[]` sources, and JSON templates whose Rego is an escaped string.
 */
import { auditFiles, located } from '../../helpers';
import { lineCol } from './helpers';

/** The CRD kind, written after the targets so that the Rego keeps its lines. */
const crd = (kind: string): string => ['  crd:', '    spec:', '      names:', `        kind: ${kind}`, ''].join('\n');

const BROKEN_TARGETS = [
  'apiVersion: templates.gatekeeper.sh/v1',
  'kind: ConstraintTemplate',
  'metadata:',
  '  name: broken',
  'spec:',
  '  targets:',
  '    - target: admission.k8s.gatekeeper.sh',
  '      rego: |',
  '        package broken', // line 9: Rego line 1
  '',
  '        violation[{"msg": msg} {', // line 11: Rego line 3, the "{" at Rego column 24
  '          msg := "x"',
  '        }',
  '',
].join('\n');
const BROKEN = BROKEN_TARGETS + crd('Broken');

const VALID_GAP = [
  'apiVersion: templates.gatekeeper.sh/v1beta1',
  'kind: ConstraintTemplate',
  'metadata:',
  '  name: gap',
  'spec:',
  '  crd:',
  '    spec:',
  '      names:',
  '        kind: Gap',
  '  targets:',
  '    - target: admission.k8s.gatekeeper.sh',
  '      rego: |-',
  '        package gap',
  '        violation[{"msg": "privileged"}] {',
  '          input.review.object.spec.containers[_].securityContext.privileged',
  '        }',
  '',
].join('\n');

describe('Rego positions in ConstraintTemplates', () => {
  test('a syntax error on Rego line 3 of a block starting on line 9 is reported at line 11, and the scan goes on', () => {
    const result = auditFiles({ 'a-broken.yaml': BROKEN, 'b-gap.yaml': VALID_GAP });
    expect(located(result.findings, 'policy-unanalyzable')).toEqual([
      { ruleId: 'policy-unanalyzable', file: 'a-broken.yaml', line: 11, column: 8 + 24 },
    ]);
    expect(result.findings.find((f) => f.ruleId === 'policy-unanalyzable')!.message).toContain('invalid Rego: expected "]" but found "{"');
    expect(located(result.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: 'b-gap.yaml', line: 15, column: 11 },
    ]);
  });

  test('a syntax error in a lib points into the lib', () => {
    const text = BROKEN_TARGETS.replace('violation[{"msg": msg} {', 'violation[{"msg": msg}] {').concat(
      ['      libs:', '        - |', '          package lib.x', '', '          f(x) {', '            x ==', '          }', ''].join('\n'),
      crd('Broken'),
    );
    const result = auditFiles({ 'lib.yaml': text });
    // Lib line 5 ("}") is file line 20, the lib is indented by 10.
    expect(located(result.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 'lib.yaml', line: 20, column: 11 }]);
    expect(result.findings.find((f) => f.ruleId === 'policy-unanalyzable')!.message).toContain('invalid Rego in libs[0]');
  });

  test('a Rego v1 source under code[] with v0 syntax is a syntax error at its line', () => {
    const text = [
      'apiVersion: templates.gatekeeper.sh/v1',
      'kind: ConstraintTemplate',
      'metadata:',
      '  name: v1',
      'spec:',
      '  targets:',
      '    - target: admission.k8s.gatekeeper.sh',
      '      code:',
      '        - engine: Rego',
      '          source:',
      '            version: "v1"',
      '            rego: |',
      '              package v1',
      '              violation[{"msg": "x"}] {',
      '                input.review.object.spec.hostNetwork',
      '              }',
      '',
    ].join('\n') + crd('V1');
    // Rego line 2, column 25 (the "{" that needs an "if"); the block is indented by 14.
    expect(located(auditFiles({ 'v1.yaml': text }).findings, 'policy-unanalyzable')).toEqual([
      { ruleId: 'policy-unanalyzable', file: 'v1.yaml', line: 14, column: 14 + 25 },
    ]);
  });

  test('a JSON template: escaped Rego maps back into the string', () => {
    const rego = 'package gap\n\nviolation[{"msg": "privileged"}] {\n  c := input.review.object.spec.initContainers[_]\n  c.securityContext.privileged\n}\n';
    const json = JSON.stringify(
      {
        apiVersion: 'templates.gatekeeper.sh/v1',
        kind: 'ConstraintTemplate',
        metadata: { name: 'gap' },
        spec: { crd: { spec: { names: { kind: 'Gap' } } }, targets: [{ target: 'admission.k8s.gatekeeper.sh', rego }] },
      },
      null,
      2,
    );
    const result = auditFiles({ 'gap.json': json });
    const expected = lineCol(json, 'input.review.object.spec.initContainers');
    expect(located(result.findings, 'ephemeral-containers-unchecked')).toEqual([{ ruleId: 'ephemeral-containers-unchecked', file: 'gap.json', ...expected }]);
  });

  test('a double-quoted YAML string with escapes', () => {
    const text = [
      'apiVersion: templates.gatekeeper.sh/v1',
      'kind: ConstraintTemplate',
      'metadata:',
      '  name: quoted',
      'spec:',
      '  targets:',
      '    - target: admission.k8s.gatekeeper.sh',
      '      rego: "package q\\nviolation[{\\"msg\\": \\"x\\"}] {\\n  input.review.object.spec.containers[_].securityContext.privileged\\n}"',
      '',
    ].join('\n');
    const result = auditFiles({ 'quoted.yaml': text });
    const expected = lineCol(text, 'input.review.object.spec.containers');
    expect(located(result.findings, 'ephemeral-containers-unchecked')).toEqual([{ ruleId: 'ephemeral-containers-unchecked', file: 'quoted.yaml', ...expected }]);
  });
});
