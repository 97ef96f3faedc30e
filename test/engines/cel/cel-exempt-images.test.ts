/**
 * An `exemptImages` parameter read in CEL is the exemption test, not a check of the image: a
 * template whose only container checks are ones an ephemeral container cannot violate (host ports)
 * has no ephemeral gap, even when it compares images with its exemption list.
 */
import { checked, runCase, vap, type Case } from './fixtures';

/** A Gatekeeper template whose CEL half exempts images by parameter and checks `offence` on the rest. */
function exemptingTemplate(offence: string): string {
  return `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: exemptingcheck
spec:
  crd:
    spec:
      names:
        kind: ExemptingCheck
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            variables:
              - name: every
                expression: 'object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])'
              - name: prefixes
                expression: 'variables.params.?exemptImages.orValue([]).filter(i, i.endsWith("*")).map(i, i.replace("*", ""))'
              - name: exempted
                expression: 'variables.every.filter(c, c.image in variables.params.?exemptImages.orValue([]) || variables.prefixes.exists(p, c.image.startsWith(p))).map(c, c.image)'
              - name: offenders
                expression: 'variables.every.filter(c, !(c.image in variables.exempted) && ${offence})'
            validations:
              - expression: 'request.operation == "UPDATE" || size(variables.offenders) == 0'
`;
}

const HOST_PORTS = exemptingTemplate('c.?ports.orValue([]).exists(p, p.?hostPort.orValue(0) != 0)');
const PRIVILEGED = exemptingTemplate('c.?securityContext.?privileged.orValue(false)');
/** A VAP that checks the registry of `containers` only and exempts images named by its parameters. */
const REGISTRY = vap(`  validations:
    - expression: 'object.spec.containers.all(c, c.image in params.exemptImages || c.image.startsWith("registry.example.com/"))'`);

const cases: Case[] = [
  {
    name: 'host ports behind an image exemption: no control a debug container can break, no UPDATE gap',
    files: { 't.yaml': HOST_PORTS },
    fires: [],
    silent: ['ephemeral-update-skipped', 'ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'privileged behind the same exemption: the UPDATE guard still hides kubectl debug',
    files: { 't.yaml': PRIVILEGED },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'request.operation' }],
  },
  {
    name: 'an image compared with the exemption list and checked for its registry: the registry check counts',
    files: { 'p.yaml': REGISTRY },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' },
      { ruleId: 'init-containers-unchecked', at: 'object.spec.containers' },
    ],
  },
];

describe('CEL exemptImages reads', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('reads the exemption test as no image check and keeps the checks of the other containers', () => {
    expect(checked({ 't.yaml': HOST_PORTS })).toEqual([
      'hostPorts@containers', 'hostPorts@ephemeralContainers', 'hostPorts@initContainers',
      'ports@containers', 'ports@ephemeralContainers', 'ports@initContainers',
    ]);
    expect(checked({ 't.yaml': PRIVILEGED })).toEqual(['privileged@containers', 'privileged@ephemeralContainers', 'privileged@initContainers']);
  });
});
