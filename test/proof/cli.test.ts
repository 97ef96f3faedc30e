/** --prove in the reports and --require-proof in the exit code. */
import * as path from 'node:path';
import { main } from '../../src/cli';
import { PRIVILEGED_POLICY, tempDir } from '../helpers';
import { REQUIRE_TEAM_LABEL } from './fixtures';

function run(args: string[]): { code: number; stdout: string } {
  let stdout = '';
  const code = main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, stdin: 0 });
  return { code, stdout };
}

describe('--prove in the reports', () => {
  const dir = tempDir({ 'p.yaml': PRIVILEGED_POLICY });
  const file = path.join(dir, 'p.yaml');

  it('text marks the confirmed finding and the summary counts the verdicts', () => {
    const { stdout } = run(['scan', file, '--prove', '--no-color']);
    expect(stdout).toMatch(/ephemeral-containers-unchecked .*\n.*fix: .*\n {4}CONFIRMED: kubectl debug adds an ephemeral container with privileged: true is admitted\n/);
    expect(stdout).toMatch(/Proof: \d+ confirmed, 0 refuted \(not reported\), \d+ unconfirmed\./);
  });

  it('JSON gives findings evidence and lists refuted findings; without --prove neither appears', () => {
    const proved = JSON.parse(run(['scan', file, '--prove', '-f', 'json']).stdout);
    const gap = proved.findings.find((f: { ruleId: string }) => f.ruleId === 'ephemeral-containers-unchecked');
    expect(gap.evidence).toEqual({ verdict: 'confirmed', witness: 'kubectl debug adds an ephemeral container with privileged: true' });
    expect(proved.refuted).toEqual([]);
    expect(proved.summary.proof).toEqual({ confirmed: expect.any(Number), refuted: 0, unconfirmed: expect.any(Number) });
    const plain = JSON.parse(run(['scan', file, '-f', 'json']).stdout);
    expect(plain.refuted).toBeUndefined();
    expect(plain.findings.some((f: { evidence?: unknown }) => f.evidence)).toBe(false);
  });

  it('SARIF carries the evidence in the result property bag', () => {
    const sarif = JSON.parse(run(['scan', file, '--prove', '-f', 'sarif']).stdout);
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'ephemeral-containers-unchecked');
    expect(result.properties.evidence).toMatchObject({ verdict: 'confirmed' });
  });
});

describe('--require-proof', () => {
  it('fails on a confirmed gap', () => {
    const dir = tempDir({ 'p.yaml': PRIVILEGED_POLICY });
    expect(run(['scan', path.join(dir, 'p.yaml'), '--require-proof', '--fail-on', 'warning']).code).toBe(1);
  });

  it('passes when no finding is confirmed (no base pod is admitted), though findings remain', () => {
    const dir = tempDir({ 'p.yaml': PRIVILEGED_POLICY, 'team.yaml': REQUIRE_TEAM_LABEL });
    expect(run(['scan', dir, '-f', 'json']).code).toBe(1);
    const { code, stdout } = run(['scan', dir, '--require-proof', '-f', 'json']);
    expect(JSON.parse(stdout).findings.filter((f: { severity: string }) => f.severity === 'error').length).toBeGreaterThan(0);
    expect(code).toBe(0);
  });
});
