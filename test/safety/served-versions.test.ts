/**
 * Issue 14 item 2: an object of an apiVersion the API server does not serve enforces nothing. It
 * is reported (policy-unanalyzable at its apiVersion) and never counted as coverage.
 */
import { ALL_LISTS, privilegedPolicy } from '../ci-fixtures';
import { vapExpr } from '../engines/cel/fixtures';
import { auditFiles, located } from '../helpers';
import { privilegedConstraint, privilegedTemplate } from './fixtures';

/** The same policy under another apiVersion. */
const kyverno = (apiVersion: string): string => privilegedPolicy('p', ALL_LISTS).replace('apiVersion: kyverno.io/v1', `apiVersion: ${apiVersion}`);
const template = (apiVersion: string): string => privilegedTemplate({ apiVersion });
const constraint = privilegedConstraint;

const vap = (apiVersion: string): string =>
  vapExpr('object.spec.containers.all(c, c.securityContext.privileged != true)').replace('apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n', `apiVersion: ${apiVersion}\nkind: ValidatingAdmissionPolicy\n`);

describe('unserved API versions', () => {
  test.each([
    ['kyverno.io/v9', { 'p.yaml': kyverno('kyverno.io/v9') }, 'p.yaml'],
    ['kyverno.io/v2 (served for PolicyException only)', { 'p.yaml': kyverno('kyverno.io/v2') }, 'p.yaml'],
    // (The template alone still counts as if a constraint used it: that is the template-without-constraint finding's business.)
    ['constraints.gatekeeper.sh/v9', { 'c.yaml': constraint('constraints.gatekeeper.sh/v9') }, 'c.yaml'],
    ['templates.gatekeeper.sh/v2', { 't.yaml': template('templates.gatekeeper.sh/v2'), 'c.yaml': constraint('constraints.gatekeeper.sh/v1beta1') }, 't.yaml'],
    ['admissionregistration.k8s.io/v2', { 'v.yaml': vap('admissionregistration.k8s.io/v2') }, 'v.yaml'],
  ])('%s is reported at its apiVersion and covers nothing', (_apiVersion, files, file) => {
    const r = auditFiles(files);
    const found = r.findings.filter((f) => f.ruleId === 'policy-unanalyzable' && f.message.includes('is not served'));
    expect(located(found)).toEqual([{ ruleId: 'policy-unanalyzable', file, line: 1, column: 13 }]);
    expect(r.coverage.privileged.ephemeralContainers).toEqual([]);
    expect(r.coverage.privileged.containers).toEqual([]);
  });

  test.each([['kyverno.io/v1'], ['kyverno.io/v2beta1']])('%s is served and covers', (apiVersion) => {
    const r = auditFiles({ 'p.yaml': kyverno(apiVersion) });
    expect(r.findings.filter((f) => f.ruleId === 'policy-unanalyzable')).toEqual([]);
    expect(r.coverage.privileged.ephemeralContainers).toHaveLength(1);
  });
});
