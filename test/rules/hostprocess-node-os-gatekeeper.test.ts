/**
 * A Gatekeeper host-network check that leaves out Windows pods (by nodeSelector or `spec.os`) lets
 * exactly the HostProcess pods through: no indirect HostProcess coverage, in Rego and in CEL.
 */
import { auditFiles, located } from '../helpers';
import { celTemplate, constraint, MATCH_POD, template } from '../engines/gatekeeper/helpers';
import { where } from '../engines/cel/fixtures';

const REGO_ALL = `package testkind
violation[{"msg": msg}] {
  input.review.object.spec.hostNetwork
  msg := "no host network"
}
`;
const REGO_LINUX_ONLY = `package testkind
violation[{"msg": msg}] {
  input.review.object.spec.hostNetwork
  not input.review.object.spec.nodeSelector["kubernetes.io/os"] == "windows"
  msg := "no host network"
}
`;

const celHostNetwork = (expression: string): string =>
  celTemplate([`              - expression: '${expression}'`, '                message: no host network']);

const cases: { name: string; text: string; fires: string; silent: string }[] = [
  { name: 'Rego, every pod: indirect coverage', text: template(REGO_ALL), fires: 'hostprocess-indirect-only', silent: 'hostprocess-unchecked' },
  { name: 'Rego, Windows pods skipped: none', text: template(REGO_LINUX_ONLY), fires: 'hostprocess-unchecked', silent: 'hostprocess-indirect-only' },
  { name: 'CEL, every pod: indirect coverage', text: celHostNetwork('!object.spec.?hostNetwork.orValue(false)'), fires: 'hostprocess-indirect-only', silent: 'hostprocess-unchecked' },
  {
    name: 'CEL, Windows pods skipped: none',
    text: celHostNetwork('object.spec.?os.?name.orValue("linux") == "windows" || !object.spec.?hostNetwork.orValue(false)'),
    fires: 'hostprocess-unchecked',
    silent: 'hostprocess-indirect-only',
  },
];

describe('Gatekeeper host-network checks and Windows pods', () => {
  it.each(cases)('$name', ({ text, fires, silent }) => {
    const files = { 't.yaml': text, 'c.yaml': constraint({ spec: MATCH_POD }) };
    const result = auditFiles(files);
    expect(result.errors).toEqual([]);
    const got = located(result.findings);
    expect(got.filter((g) => g.ruleId === silent)).toEqual([]);
    const hit = got.filter((g) => g.ruleId === fires);
    expect(hit).toHaveLength(1);
    // Indirect coverage points at the host-network check; the set-level gap at the constraint that enforces it.
    if (fires === 'hostprocess-indirect-only') {
      expect(hit[0]).toMatchObject({ file: 't.yaml', ...where(text, text.includes('rego: |') ? 'input.review.object.spec.hostNetwork' : 'object.spec.?hostNetwork') });
    } else {
      expect(hit[0]!.file).toBe('c.yaml');
    }
  });
});
