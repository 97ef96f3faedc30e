/**
 * A check limited to containers that set a field ephemeral containers cannot have (resources,
 * probes) never concerns a debug container: no ephemeral gap, while init containers (which can set
 * it) still have one. CEL `!has(c.f) || …` and filter `has(c.f) && …`; Kyverno foreach deny
 * conditions that also need a numeric comparison of such a field.
 */
import { yaml } from '../helpers';
import { runCase, vapExpr, type Case } from '../engines/cel/fixtures';

const REGISTRY = 'c.image.startsWith("registry.example.com/")';

/** A ClusterPolicy whose foreach denies a container when `gpuKey` > 0 and its image is not trusted. */
const kyvernoGpu = (gpuKey: string): string => yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: gpu-images
  spec:
    validationFailureAction: Enforce
    rules:
      - name: gpu-images
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          foreach:
            - list: request.object.spec.containers
              deny:
                conditions:
                  all:
                    - key: "{{ element.image }}"
                      operator: NotEquals
                      value: registry.example.com/cuda
                    - key: "${gpuKey}"
                      operator: GreaterThan
                      value: 0
`;

const cases: Case[] = [
  {
    name: 'CEL !has(c.resources.limits) || …: only containers with limits are checked',
    files: { 'p.yaml': vapExpr(`object.spec.containers.all(c, !has(c.resources.limits) || ${REGISTRY})`) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'CEL optional hasValue() on a probe field: the same',
    files: { 'p.yaml': vapExpr(`object.spec.containers.all(c, !c.?livenessProbe.?httpGet.hasValue() || ${REGISTRY})`) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'CEL filter has(c.resources.limits) && …: the bad elements are picked among containers with limits',
    files: { 'p.yaml': vapExpr(`size(object.spec.containers.filter(c, has(c.resources.limits) && !${REGISTRY})) == 0`) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'object.spec.containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'CEL without the guard: a debug container can break it',
    files: { 'p.yaml': vapExpr(`object.spec.containers.all(c, ${REGISTRY})`) },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' },
      { ruleId: 'init-containers-unchecked', at: 'object.spec.containers' },
    ],
  },
  {
    name: 'CEL guard on a field a debug container can set (securityContext): still a gap',
    files: { 'p.yaml': vapExpr('object.spec.containers.all(c, !has(c.securityContext.runAsUser) || c.securityContext.runAsUser != 0)') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
  {
    name: 'CEL guard over all lists, pods only: the subresource gap concerns no debug container',
    files: {
      'p.yaml': vapExpr(`(object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])).all(c, !has(c.resources.limits) || ${REGISTRY})`, { resources: '["pods"]' }),
    },
    fires: [],
    silent: ['ephemeral-subresource-unmatched'],
  },
  {
    name: 'Kyverno foreach deny that also needs resources.limits > 0',
    files: { 'k.yaml': kyvernoGpu(`{{ element.resources.limits.\\"nvidia.com/gpu\\" || '' }}`) },
    fires: [{ ruleId: 'init-containers-unchecked', at: 'request.object.spec.containers' }],
    silent: ['ephemeral-containers-unchecked'],
  },
  {
    name: 'Kyverno: a default that holds when the field is unset ("1") guards nothing',
    files: { 'k.yaml': kyvernoGpu(`{{ element.resources.limits.\\"nvidia.com/gpu\\" || '1' }}`) },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'request.object.spec.containers' },
      { ruleId: 'init-containers-unchecked', at: 'request.object.spec.containers' },
    ],
  },
];

describe('checks limited to containers that set a field debug containers cannot have', () => {
  it.each(cases)('$name', (c) => runCase(c));
});
