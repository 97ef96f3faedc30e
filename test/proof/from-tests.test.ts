/** Witnesses taken from the repository's own tests when the synthetic witness is left unconfirmed. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { audit } from '../../src/audit';
import { buildPolicySet } from '../../src/proof';
import { proveFromTests, TestMaterial } from '../../src/proof/from-tests';
import { reproducerFiles } from '../../src/proof/reproduce';

const FIXTURES = 'test/fixtures/proof-tests';
const testFile = (dir: string): string => `${FIXTURES}/${dir}/.kyverno-test/kyverno-test.yaml`;

describe('proof from the tests of the scanned repository', () => {
  it.each([
    {
      name: 'a registry allow-list denies the restricted pod: the base pod is the allowed pod of the test',
      dir: 'allow-list', ruleId: 'ephemeral-containers-unchecked', file: 'acme-images.yaml', line: 17, column: 13, verdict: 'confirmed',
      text: `kubectl debug adds container intruder of case \`acme-images/acme-only/bad-pod\` of ${testFile('allow-list')} as an ephemeral container, on the pod \`good-pod\` that ${testFile('allow-list')} admits`,
    },
    {
      name: 'a gator suite: the constraint allows one repository; the base pod and the privileged container come from its cases',
      dir: 'gator-repo', ruleId: 'ephemeral-update-skipped', file: 'template.yaml', line: 15, column: 11, verdict: 'confirmed',
      text: `kubectl debug adds container tool of case \`privileged-disallowed\` of ${FIXTURES}/gator-repo/suite.yaml as an ephemeral container, on the pod \`acme-app\` that ${FIXTURES}/gator-repo/suite.yaml admits`,
    },
    {
      name: 'the HostProcess pod is built from the allowed pod of the test',
      dir: 'allow-list', ruleId: 'hostprocess-unchecked', file: 'acme-images.yaml', line: 8, column: 13, verdict: 'confirmed',
      text: `a Windows HostProcess pod (pod-level flag, hostNetwork, Windows node) built from the pod \`good-pod\` that ${testFile('allow-list')} admits`,
    },
    {
      name: 'an env var check names no control: the violating container comes from the denied case',
      dir: 'env-vars', ruleId: 'ephemeral-subresource-unmatched', file: 'no-token-env.yaml', line: 12, column: 9, verdict: 'confirmed',
      text: `kubectl debug adds container leaky of case \`no-token-env//leaky-pod\` of ${testFile('env-vars')} as an ephemeral container`,
    },
    {
      name: 'a policy that reads a ConfigMap is evaluated with the values its test supplies, and says so',
      dir: 'configmap-registry', ruleId: 'ephemeral-containers-unchecked', file: 'registry-from-configmap.yaml', line: 21, column: 19, verdict: 'confirmed',
      text: `kubectl debug adds container miner of case \`registry-from-configmap/allowed-registry/untrusted-pod\` of ${testFile('configmap-registry')} as an ephemeral container, on the pod \`trusted-pod\` that ${testFile('configmap-registry')} admits, with the values of test registry-from-configmap`,
    },
    {
      name: 'a case that violates in the pod (a hostPath outside /data): the admitted pod of the test with its read-only mount made writable',
      dir: 'hostpath-readonly', ruleId: 'ephemeral-containers-unchecked', file: 'hostpath-readonly.yaml', line: 16, column: 87, verdict: 'confirmed',
      text: `kubectl debug adds container reader of the pod \`data-reader\` that ${testFile('hostpath-readonly')} admits, its read-only mounts made writable (case \`hostpath-readonly//etc-reader\` of ${testFile('hostpath-readonly')} violates in the pod, which kubectl debug cannot change) as an ephemeral container`,
    },
    {
      name: 'without test material the finding keeps the reason of the synthetic witness',
      dir: 'allow-list-untested', ruleId: 'ephemeral-containers-unchecked', file: 'acme-images.yaml', line: 17, column: 13, verdict: 'unconfirmed',
      text: 'no admitted base pod: a Pod Security restricted pod is denied by acme-images rule acme-only (kyverno)',
    },
  ])('$name', ({ dir, ruleId, file, line, column, verdict, text }) => {
    const r = audit({ paths: [path.join(FIXTURES, dir)], prove: true });
    const found = r.findings.filter((f) => f.ruleId === ruleId);
    expect(found.map((f) => ({ file: f.file, line: f.line, column: f.column, verdict: f.evidence?.verdict }))).toEqual([{ file: `${FIXTURES}/${dir}/${file}`, line, column, verdict }]);
    const e = found[0]!.evidence!;
    expect(verdict === 'confirmed' ? e.witness : e.reason).toBe(text);
    expect(r.refuted).toEqual([]);
  });

  it('without the values of the test, the witness is not decided: the values are what confirms it', () => {
    const r = audit({ paths: [path.join(FIXTURES, 'configmap-registry', 'registry-from-configmap.yaml')], prove: true });
    const e = r.findings.find((f) => f.ruleId === 'ephemeral-containers-unchecked')!.evidence!;
    expect(e).toMatchObject({ verdict: 'unconfirmed', reason: expect.stringMatching(/^the base pod is not decided: registry-from-configmap rule allowed-registry .*needs cluster data/) });
    expect(e.testData).toBeUndefined();
  });

  it('the reproducer of a witness evaluated with test values says the cluster must hold the same data', () => {
    const r = audit({ paths: [path.join(FIXTURES, 'configmap-registry')], prove: true });
    const [finding, requests] = [...r.witnesses!].find(([f]) => f.ruleId === 'ephemeral-containers-unchecked')!;
    expect(finding.evidence?.testData).toBe('the values of test registry-from-configmap');
    const sh = reproducerFiles(finding, requests)!['reproduce.sh']!;
    expect(sh).toContain('# polcov evaluated the policy with the values of test registry-from-configmap: the cluster must hold the same data');
  });

  it('a denied case whose violation is only in ports gives no ephemeral witness, and says so', () => {
    const dir = path.join(FIXTURES, 'host-port');
    const r = audit({ paths: [dir], prove: true });
    // As a template that skips UPDATE is reported: the policy's gap recast as an ephemeral one.
    const finding = { ...r.findings.find((f) => f.ruleId === 'init-containers-unchecked')!, ruleId: 'ephemeral-update-skipped', control: undefined, evidence: undefined };
    const file = path.join(dir, 'no-host-port.yaml');
    const set = buildPolicySet([{ engine: 'kyverno', object: parse(fs.readFileSync(file, 'utf8')), at: { file: finding.file, line: 1, column: 1 } }], []);
    const e = proveFromTests(finding, set, r.policies, new TestMaterial([testFile('host-port')]), { verdict: 'unconfirmed', reason: 'synthetic' });
    expect(e).toEqual({
      verdict: 'unconfirmed',
      reason: `the violation of web is in fields an ephemeral container cannot have (ports, probes, lifecycle, resources) (case \`no-host-port/host-port/host-port-pod\` of ${testFile('host-port')})`,
    });
  });

  it('a finding whose policy no test names gets nothing from the tests', () => {
    const r = audit({ paths: [path.join(FIXTURES, 'allow-list-untested')], prove: true });
    const finding = r.findings.find((f) => f.ruleId === 'ephemeral-containers-unchecked')!;
    const set = buildPolicySet([], []);
    expect(proveFromTests(finding, set, r.policies, new TestMaterial([testFile('allow-list')]), { verdict: 'unconfirmed', reason: 'synthetic' })).toBeUndefined();
  });
});
