/**
 * Issue 14 item 2: fields the API server prunes or rejects. A typo in a key leaves a policy that
 * does not do what the file says: reported at the key (policy-unanalyzable) and never counted.
 */
import { ALL_LISTS, privilegedPolicy } from '../ci-fixtures';
import { vapExpr } from '../engines/cel/fixtures';
import { auditFiles, located, yaml } from '../helpers';
import { privilegedTemplate } from './fixtures';

const kyverno = (validate: string): string => privilegedPolicy('p', ALL_LISTS).replace('      validate:', `      ${validate}:`);

const vap = (validations: string): string => vapExpr('object.spec.containers.all(c, c.securityContext.privileged != true)').replace('  validations:', `  ${validations}:`);

const template = (regoKey: string): string => privilegedTemplate({ regoKey });

const psp = (key: string): string => yaml`
  apiVersion: policy/v1beta1
  kind: PodSecurityPolicy
  metadata:
    name: restricted
  spec:
    ${key}: false
    seLinux:
      rule: RunAsAny
`;

const psaConfig = (key: string): string => yaml`
  apiVersion: pod-security.admission.config.k8s.io/v1
  kind: PodSecurityConfiguration
  defaults:
    ${key}: restricted
`;

describe('fields the API server drops or rejects', () => {
  test.each([
    ['Kyverno validat', { 'p.yaml': kyverno('validat') }, 13, 7, /`validat` is not a field there/],
    ['VAP validation', { 'p.yaml': vap('validation') }, 12, 3, /`validation` is not a field there/],
    ['ConstraintTemplate regoo', { 'p.yaml': template('regoo') }, 12, 7, /`regoo` is not a field there/],
    ['PSP privilegd', { 'p.yaml': psp('privilegd') }, 6, 3, /`privilegd` is not a field there/],
    ['PodSecurityConfiguration enforc', { 'p.yaml': psaConfig('enforc') }, 4, 3, /`enforc` is not a field there/],
  ])('%s', (_name, files, line, column, reason) => {
    const r = auditFiles(files);
    const found = r.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(located(found)).toEqual([{ ruleId: 'policy-unanalyzable', file: 'p.yaml', line, column }]);
    expect(found[0]!.message).toMatch(reason);
    expect(r.coverage.privileged.containers).toEqual([]);
  });

  test.each([
    ['Kyverno', kyverno('validate')],
    ['VAP', vap('validations')],
    ['ConstraintTemplate', template('rego')],
    ['PSP', psp('privileged')],
    ['PodSecurityConfiguration', psaConfig('enforce')],
    // An alias stands for its anchor's value, not for an object with a `source` key.
    ['Kyverno with a YAML alias', `${privilegedPolicy('p', ALL_LISTS).replace('      match:', '      match: &m')}    - name: again\n      match: *m\n      validate:\n        pattern:\n          spec:\n            =(initContainers):\n              - =(securityContext):\n                  =(privileged): "false"\n`],
  ])('the correct %s raises nothing of the kind', (_name, text) => {
    const r = auditFiles({ 'p.yaml': text });
    expect(r.findings.filter((f) => f.ruleId === 'policy-unanalyzable')).toEqual([]);
  });
});
