/** The Gatekeeper samples: every vulnerable one shows its gap, the fixed set is clean. */
import * as path from 'node:path';
import { audit } from '../../../src/audit';

const SAMPLES = path.join(__dirname, '../../../samples/gatekeeper');

describe('Gatekeeper samples', () => {
  test('the fixed variants yield no error or warning', () => {
    const result = audit({ paths: [path.join(SAMPLES, 'fixed')] });
    expect(result.errors).toEqual([]);
    expect(result.findings.filter((f) => f.severity !== 'note')).toEqual([]);
    expect(result.policies.length).toBe(6);
  });

  test('each vulnerable sample shows its gap', () => {
    const result = audit({ paths: [path.join(SAMPLES, 'vulnerable')] });
    expect(result.errors).toEqual([]);
    const got = result.findings.map((f) => `${path.basename(f.file)} ${f.ruleId} ${f.line}:${f.column}`);
    expect(got).toEqual([
      'allow-privilege-escalation-v1.yaml ephemeral-containers-unchecked 29:58',
      'constraint-kind-typo.yaml template-without-constraint 12:15',
      'constraint-kind-typo.yaml constraint-without-template 23:7',
      'host-namespaces-dryrun.yaml enforcement-not-blocking 28:3',
      'host-process.yaml hostprocess-partial 19:13',
      'privileged-containers.yaml ephemeral-update-skipped 30:13',
      'read-only-root-filesystem-deployments.yaml pod-kind-unmatched 51:9',
      'seccomp-exempt-images.yaml exemption-admits-debug-images 56:9',
    ]);
  });
});
