/**
 * Rego helpers that define the pod (or its containers) several ways — several rule bodies or an
 * `else` chain over the bare Pod (`input.review.object`), a controller's `spec.template` and a
 * CronJob's `spec.jobTemplate.spec.template` — keep one fact per source: a check counts for Pods
 * when any definition reaches the bare Pod, so its ephemeral-container gap is reported.
 */
import { auditFiles, located } from '../../helpers';
import { lineCol, template } from './helpers';

const BODIES = (check: string, order: 'pod-first' | 'pod-last' = 'pod-first') => {
  const podDef = ['pod = input.review.object {', '    input.review.object.kind == "Pod"', '}'];
  const controllerDefs = [
    'pod = input.review.object.spec.template {',
    '    input.review.object.kind == "Deployment"',
    '}',
    '',
    'pod = input.review.object.spec.jobTemplate.spec.template {',
    '    input.review.object.kind == "CronJob"',
    '}',
  ];
  return [
    'package podhelper',
    '',
    'violation[{"msg": "privileged"}] {',
    `    c := ${check}`,
    '    c.securityContext.privileged',
    '}',
    '',
    ...(order === 'pod-first' ? [...podDef, '', ...controllerDefs] : [...controllerDefs, '', ...podDef]),
    '',
  ].join('\n');
};

const ELSE_CHAIN = (last: string) =>
  [
    'package podhelper',
    '',
    'violation[{"msg": "privileged"}] {',
    '    c := input_containers[_]',
    '    c.securityContext.privileged',
    '}',
    '',
    'input_containers := input.review.object.spec.template.spec.containers {',
    '    input.review.object.spec.template',
    '} else := input.review.object.spec.jobTemplate.spec.template.spec.containers {',
    '    input.review.object.spec.jobTemplate',
    `} else := ${last}`,
    '',
  ].join('\n');

const TEMPLATES_ONLY = [
  'package podhelper',
  '',
  'violation[{"msg": "privileged"}] {',
  '    c := pod.spec.containers[_]',
  '    c.securityContext.privileged',
  '}',
  '',
  'pod = input.review.object.spec.template {',
  '    input.review.object.kind == "Deployment"',
  '}',
  '',
  'pod = input.review.object.spec.jobTemplate.spec.template {',
  '    input.review.object.kind == "CronJob"',
  '}',
  '',
].join('\n');

const RULES = ['ephemeral-containers-unchecked', 'pod-kind-unmatched', 'policy-unanalyzable'];

describe('pod helpers defined several ways', () => {
  test.each([
    { name: 'several bodies, bare Pod first', rego: BODIES('pod.spec.containers[_]'), fires: [{ ruleId: 'ephemeral-containers-unchecked', needle: 'pod.spec.containers' }] },
    { name: 'several bodies, bare Pod last', rego: BODIES('pod.spec.containers[_]', 'pod-last'), fires: [{ ruleId: 'ephemeral-containers-unchecked', needle: 'pod.spec.containers' }] },
    {
      name: 'an else chain ending in the bare Pod',
      rego: ELSE_CHAIN('input.review.object.spec.containers'),
      fires: [{ ruleId: 'ephemeral-containers-unchecked', needle: '} else := input.review.object.spec.containers', offset: '} else := '.length }],
    },
    { name: 'several bodies reading every list: no gap', rego: BODIES('pod.spec[_][_]'), fires: [] },
    {
      name: 'an else chain ending in every list of the bare Pod: no gap',
      rego: ELSE_CHAIN('[c | c := input.review.object.spec[_][_]]'),
      fires: [],
    },
    { name: 'pod templates only: controllers, not Pods', rego: TEMPLATES_ONLY, fires: [{ ruleId: 'pod-kind-unmatched', needle: 'pod.spec.containers' }] },
  ])('$name', ({ rego, fires }) => {
    const text = template(rego);
    const result = auditFiles({ 'template.yaml': text });
    const expected = fires.map((f) => {
      const at = lineCol(text, f.needle);
      return { ruleId: f.ruleId, file: 'template.yaml', line: at.line, column: at.column + ((f as { offset?: number }).offset ?? 0) };
    });
    expect(located(result.findings).filter((f) => RULES.includes(f.ruleId))).toEqual(expected);
  });
});
