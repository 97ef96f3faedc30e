/**
 * The bundled samples, proved (issue: every error in a vulnerable/ folder is confirmed, nothing in fixed/
 * is), and their reproducers: the AdmissionReview written for a Kyverno, a Gatekeeper and a
 * ValidatingAdmissionPolicy finding, evaluated again on the sample's policy set, is admitted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AdmissionRequest, KubeObject } from '../../src/admission';
import type { EngineId, Finding } from '../../src/facts';
import { buildPolicySet, evaluateSet } from '../../src/proof';
import { runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const SAMPLES = path.join(__dirname, '..', '..', 'samples');
const out = path.join(tempDir({}), 'repro');
const run = runCli(['scan', SAMPLES, '--prove', '--reproduce', out, '--format', 'json', '--fail-on', 'never']);
const findings = (JSON.parse(run.out) as { findings: Finding[] }).findings;
const rel = (f: Finding) => path.relative(SAMPLES, path.resolve(f.file));

describe('samples/ proved', () => {
  it('runs cleanly and writes the reproducers', () => {
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/wrote \d+ reproducers/);
  });

  it('every error-level finding in a vulnerable/ folder is confirmed', () => {
    const errors = findings.filter((f) => f.severity === 'error' && rel(f).split(path.sep)[1] === 'vulnerable');
    expect(errors.length).toBeGreaterThanOrEqual(20);
    expect(errors.filter((f) => f.evidence?.verdict !== 'confirmed').map((f) => `${rel(f)}:${f.line} ${f.ruleId}: ${f.evidence?.reason}`)).toEqual([]);
  });

  it('nothing in a fixed/ folder is confirmed', () => {
    expect(findings.filter((f) => rel(f).split(path.sep)[1] === 'fixed' && f.evidence?.verdict === 'confirmed').map(rel)).toEqual([]);
  });

  it('a policy that opts pods out by label is bypassed with that label, and says so', () => {
    const f = findings.find((x) => rel(x) === path.join('vap', 'vulnerable', 'disallow-privileged-pods-only.yaml') && x.ruleId === 'ephemeral-subresource-unmatched');
    expect(f?.evidence).toEqual({ verdict: 'confirmed', witness: expect.stringMatching(/on a pod labelled policy\.example\.com\/skip=true\)$/) });
  });

  it('a webhook registration is proved by the API server never sending it the kubectl debug request', () => {
    const f = findings.find((x) => rel(x) === path.join('webhook', 'vulnerable', 'policy-engine-pods-only.yaml'));
    expect(f).toMatchObject({ ruleId: 'ephemeral-subresource-unmatched', evidence: { verdict: 'confirmed', witness: expect.stringContaining('never sends it to pods.validate.policy-engine.example.com') } });
  });
});

describe.each<[string, EngineId, string, string]>([
  ['kyverno', 'kyverno', 'ephemeral-containers-unchecked', 'disallow-privileged-containers'],
  ['gatekeeper', 'gatekeeper', 'ephemeral-update-skipped', 'disallow-privileged'],
  ['vap', 'vap', 'ephemeral-containers-unchecked', 'restrict-capabilities'],
])('samples/%s/vulnerable reproducer', (folder, engine, ruleId, policy) => {
  const dir = path.join(SAMPLES, folder, 'vulnerable');
  const docs = fs.readdirSync(dir).flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => ({ engine, object: d.toJS() as KubeObject, at: { file, line: 1, column: 1 } })),
  );
  const set = buildPolicySet(docs, []);
  const written = fs.existsSync(out) ? fs.readdirSync(out).find((n) => n.endsWith(`-${ruleId}-${policy}`)) : undefined;
  const request = (file: string) => (JSON.parse(fs.readFileSync(path.join(out, written!, file), 'utf8')) as { request: AdmissionRequest }).request;

  it(`the ${ruleId} gap AdmissionReview, evaluated again, is admitted; its contrast is denied`, () => {
    expect(written).toBeDefined();
    const gap = request('admission-review-gap.json');
    expect(gap).toMatchObject({ operation: 'UPDATE', subResource: 'ephemeralcontainers' });
    const verdicts = evaluateSet(set, gap).map((d) => d.verdict);
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.filter((v) => v !== 'admit' && v !== 'not-evaluated')).toEqual([]);
    expect(evaluateSet(set, request('admission-review-contrast.json')).map((d) => d.verdict)).toContain('deny');
  });
});
