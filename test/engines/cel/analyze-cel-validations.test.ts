/**
 * The entry point other engines call for embedded CEL blocks (Gatekeeper K8sNativeValidation,
 * Kyverno validate.cel): one merged result for a map with variables, validations and match conditions.
 */
import type { Node } from 'yaml';
import { loadYaml, type YamlDoc } from '../../../src/discover/yaml-doc';
import { analyzeCelValidations } from '../../../src/engines/cel';
import type { ScanError } from '../../../src/facts';
import { yaml } from '../../helpers';
import { where } from './fixtures';

function source(text: string): { y: YamlDoc; node: Node } {
  const errors: ScanError[] = [];
  const [y] = loadYaml({ path: 'template.yaml', text }, errors);
  expect(errors).toEqual([]);
  const code = y!.items(y!.at(y!.root, 'spec', 'targets'))[0];
  return { y: y!, node: y!.at(y!.items(y!.get(code, 'code'))[0], 'source')! };
}

const TEMPLATE = yaml`
  apiVersion: templates.gatekeeper.sh/v1
  kind: ConstraintTemplate
  metadata:
    name: k8sdisallowprivileged
  spec:
    targets:
      - target: admission.k8s.gatekeeper.sh
        code:
          - engine: K8sNativeValidation
            source:
              variables:
                - name: containers
                  expression: 'variables.anyObject.spec.containers + variables.anyObject.spec.?initContainers.orValue([])'
              validations:
                - expression: 'variables.containers.all(c, !c.?securityContext.?privileged.orValue(false))'
                  message: privileged
                - expression: 'request.operation == "UPDATE" || object.spec.?ephemeralContainers.orValue([]).all(c, c.image.startsWith("r/"))'
                - expression: 'object.spec.containers.all(c,'
`;

describe('analyzeCelValidations', () => {
  const { y, node } = source(TEMPLATE);
  const facts = analyzeCelValidations(y, node);
  const at = (needle: string, nth = 1) => ({ file: 'template.yaml', ...where(TEMPLATE, needle, nth) });

  it('records checks per list, through variables.anyObject, at the field read', () => {
    const summary = [...new Set(facts.checks.map((c) => `${c.control}@${c.location}`))].sort();
    expect(summary).toEqual(['image@ephemeralContainers', 'privileged@containers', 'privileged@initContainers']);
    expect(facts.checks.find((c) => c.control === 'privileged')!.at).toEqual(at('c.?securityContext.?privileged'));
  });

  it('records where each list is named', () => {
    expect(facts.listRefs).toEqual({
      containers: at('variables.anyObject.spec.containers'),
      initContainers: at('variables.anyObject.spec.?initContainers'),
      ephemeralContainers: at('object.spec.?ephemeralContainers'),
    });
  });

  it('reports the UPDATE guard of a validation that checks containers', () => {
    expect(facts.updateSkipped).toEqual({
      at: at('request.operation'),
      reason: '`request.operation == "UPDATE"` passes every UPDATE on pods/ephemeralcontainers',
    });
  });

  it('reports invalid CEL at the expression and keeps the rest', () => {
    expect(facts.unanalyzable).toEqual([{ reason: expect.stringMatching(/^invalid CEL: /), at: at('object.spec.containers.all(c,') }]);
  });

  it('records no forbid when no validation rejects ephemeral containers', () => {
    expect(facts.forbidsEphemeral).toBeUndefined();
  });

  it('records a validation that rejects every Pod with ephemeral containers, at that expression', () => {
    const forbid = "size(variables.anyObject.spec.?ephemeralContainers.orValue([])) == 0";
    const text = TEMPLATE.replace('object.spec.containers.all(c,', forbid);
    const s = source(text);
    expect(analyzeCelValidations(s.y, s.node).forbidsEphemeral).toEqual({ file: 'template.yaml', ...where(text, forbid) });
  });

  it('reports a guard on request.operation it cannot evaluate', () => {
    const text = TEMPLATE.replace('request.operation == "UPDATE"', 'request.operation.substring(0, 1) == "U"');
    const s = source(text);
    expect(analyzeCelValidations(s.y, s.node).unanalyzable).toContainEqual({
      reason: 'guard on request.operation that polcov cannot evaluate: `request.operation.substring(0, 1) == "U"`',
      at: { file: 'template.yaml', ...where(text, 'request.operation.substring') },
    });
  });

  it('ignores a guard in a validation that checks only the pod level', () => {
    const text = TEMPLATE.replace('object.spec.?ephemeralContainers.orValue([]).all(c, c.image.startsWith("r/"))', '!object.spec.?hostPID.orValue(false)');
    const s = source(text);
    expect(analyzeCelValidations(s.y, s.node).updateSkipped).toBeUndefined();
  });
});
