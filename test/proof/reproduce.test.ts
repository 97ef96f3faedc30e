/** --reproduce: the written AdmissionReview, evaluated again on the same policies, is admitted. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AdmissionRequest, KubeObject } from '../../src/admission';
import { main } from '../../src/cli';
import type { EngineId } from '../../src/facts';
import { buildPolicySet, evaluateSet } from '../../src/proof';
import { slug } from '../../src/proof/reproduce';
import { PRIVILEGED_POLICY, tempDir } from '../helpers';
import { GATEKEEPER_UPDATE_GUARD, VAP_CONTAINERS_ONLY } from './fixtures';

function run(args: string[]): { code: number; stderr: string } {
  let stderr = '';
  const code = main(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, stdin: 0 });
  return { code, stderr };
}

const readJson = (file: string): KubeObject => JSON.parse(fs.readFileSync(file, 'utf8')) as KubeObject;

describe.each<[string, EngineId, string, string]>([
  ['Kyverno', 'kyverno', PRIVILEGED_POLICY, 'ephemeral-containers-unchecked'],
  ['Gatekeeper', 'gatekeeper', GATEKEEPER_UPDATE_GUARD, 'ephemeral-update-skipped'],
  ['ValidatingAdmissionPolicy', 'vap', VAP_CONTAINERS_ONLY, 'ephemeral-containers-unchecked'],
])('%s reproducer', (_name, engine, policy, ruleId) => {
  const dir = tempDir({ 'policy.yaml': policy });
  const out = path.join(dir, 'repro');
  const { code, stderr } = run(['scan', path.join(dir, 'policy.yaml'), '--reproduce', out, '-f', 'json']);
  const folders = fs.existsSync(out) ? fs.readdirSync(out) : [];
  const folder = folders.find((f) => f.includes(ruleId));

  it('writes one folder per confirmed finding, with the manifests, the requests and reproduce.sh', () => {
    expect(code).toBe(1);
    expect(stderr).toMatch(/wrote \d+ reproducers? \(confirmed findings\)/);
    expect(folder).toMatch(new RegExp(`^\\d{3}-${ruleId}-[a-z0-9-]+$`));
    expect(fs.readdirSync(path.join(out, folder!)).sort()).toEqual(
      ['admission-review-base.json', 'admission-review-contrast.json', 'admission-review-gap.json', 'base-pod.json', 'ephemeral-containers.json', 'reproduce.sh'],
    );
    const sh = fs.readFileSync(path.join(out, folder!, 'reproduce.sh'), 'utf8');
    expect(sh).toMatch(/^#!\/bin\/sh\n/);
    expect(sh).toContain('FOR A TEST CLUSTER ONLY');
    expect(sh).toContain('kubectl replace --raw "/api/v1/namespaces/default/pods/polcov-witness/ephemeralcontainers?dryRun=All" -f ephemeral-containers.json');
  });

  it('the gap AdmissionReview, evaluated again, is admitted; the contrast is denied', () => {
    const docs = parseAllDocuments(policy).map((d) => ({ engine, object: d.toJS() as KubeObject, at: { file: 'policy.yaml', line: 1, column: 1 } }));
    const set = buildPolicySet(docs, []);
    const request = (file: string) => readJson(path.join(out, folder!, file)).request as AdmissionRequest;
    const gap = request('admission-review-gap.json');
    expect(gap).toMatchObject({ operation: 'UPDATE', subResource: 'ephemeralcontainers' });
    expect(evaluateSet(set, gap).filter((d) => d.verdict !== 'not-evaluated').map((d) => d.verdict)).toEqual([expect.stringMatching(/^admit$/)]);
    expect(evaluateSet(set, request('admission-review-contrast.json')).map((d) => d.verdict)).toContain('deny');
  });
});

describe('--reproduce safety', () => {
  it('refuses an existing folder and writes nothing', () => {
    const dir = tempDir({ 'policy.yaml': PRIVILEGED_POLICY, 'repro/keep.txt': 'x' });
    const { code, stderr } = run(['scan', path.join(dir, 'policy.yaml'), '--reproduce', path.join(dir, 'repro')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/already exists/);
    expect(fs.readdirSync(path.join(dir, 'repro'))).toEqual(['keep.txt']);
    expect(fs.readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it.each([
    ['../../etc/passwd', 'etc-passwd'],
    ['Restrict Images/*', 'restrict-images'],
    ['..', 'policy'],
  ])('a policy name %j becomes the safe name %s', (name, expected) => {
    expect(slug(name)).toBe(expected);
  });
});
