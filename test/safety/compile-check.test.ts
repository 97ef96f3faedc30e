/**
 * Issue 14 item 2: Rego that OPA's compiler refuses enforces nothing (Gatekeeper rejects the
 * template). It is policy-unanalyzable where OPA would point, and covers nothing.
 */
import { auditFiles, located } from '../helpers';

/** A template and its constraint; `body` lines go into the violation body, `extra` lines after it (Rego, unindented). */
const template = (body: string, extra = '', imports = ''): string =>
  [
    'apiVersion: templates.gatekeeper.sh/v1',
    'kind: ConstraintTemplate',
    'metadata:',
    '  name: k8sprivileged',
    'spec:',
    '  crd:',
    '    spec:',
    '      names:',
    '        kind: K8sPrivileged',
    '  targets:',
    '    - target: admission.k8s.gatekeeper.sh',
    '      rego: |',
    ...['package k8sprivileged', ...(imports ? [imports] : []), 'violation[{"msg": msg}] {', '  c := input.review.object.spec[_][_]', ...body.split('\n').map((l) => `  ${l}`), '  msg := "privileged"', '}', ...(extra ? extra.split('\n') : [])].map((l) => `        ${l}`),
    '---',
    'apiVersion: constraints.gatekeeper.sh/v1beta1',
    'kind: K8sPrivileged',
    'metadata:',
    '  name: c',
    'spec:',
    '  match:',
    '    kinds:',
    '      - apiGroups: [""]',
    '        kinds: ["Pod"]',
    '',
  ].join('\n');

const CHECK = 'c.securityContext.privileged';

describe('Rego OPA refuses to compile', () => {
  test.each([
    ['an undefined function', `is_privilegd(c)\n${CHECK}`, '', 16, 11, /undefined function is_privilegd/],
    ['a builtin with the wrong arity', `startswith(c.image)\n${CHECK}`, '', 16, 11, /startswith takes 2 argument\(s\), not 1/],
    ['a user function with the wrong arity', `priv(c, 1, 2)`, 'priv(c) { c.securityContext.privileged }', 16, 11, /priv takes 1 argument\(s\), not 3/],
    ['an unbound variable', `${CHECK}\ncontainr.securityContext.privileged`, '', 17, 11, /var containr is unsafe/],
    ['two defaults of one rule', CHECK, 'default allowed = false\ndefault allowed = true', 20, 9, /multiple default rules allowed/],
    ['a rule both complete and partial', CHECK, 'p = 1 { true }\np[x] { x := 1 }', 20, 9, /rule p is defined as complete and partialSet/],
  ])('%s', (_name, body, extra, line, column, reason) => {
    const r = auditFiles({ 't.yaml': template(body, extra) });
    const found = r.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(located(found)).toEqual([{ ruleId: 'policy-unanalyzable', file: 't.yaml', line, column }]);
    expect(found[0]!.message).toMatch(reason);
    expect(r.coverage.privileged.containers).toEqual([]);
  });

  test.each([
    ['builtins with an output argument', `count(input.review.object.spec.containers, n)\nn > 0\n${CHECK}`],
    ['a key pattern that binds', `${CHECK}\nsome k\ninput.review.object.metadata.labels[k]`],
    ['a comprehension', `names := [x | x := input.review.object.spec.containers[_].name]\ncount(names) > 0\n${CHECK}`],
    ['every and some … in (v1 keywords imported)', `every x in [1] { x > 0 }\nsome y in [c]\ny.securityContext.privileged`],
  ])('%s compiles', (_name, body) => {
    const r = auditFiles({ 't.yaml': template(body, '', 'import future.keywords') });
    expect(r.findings.filter((f) => f.ruleId === 'policy-unanalyzable')).toEqual([]);
    expect(r.coverage.privileged.containers).toHaveLength(1);
  });
});
