/**
 * Issue 14 item 12: reports and baselines are written atomically, only once every output is known
 * to be writable, never two to one file; SARIF fingerprints do not depend on the current folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { toSarif } from '../../src/report/sarif';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const policies = (): string => tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });

describe('writing outputs', () => {
  test('an output that cannot be written fails the run before any other is written', () => {
    const dir = policies();
    const json = path.join(dir, 'out', 'report.json');
    fs.mkdirSync(path.dirname(json));
    const bad = path.join(dir, 'gap.yaml', 'report.sarif');
    const r = runCli(['scan', dir, '-f', 'json', '-f', 'sarif', '-o', `json=${json}`, '-o', `sarif=${bad}`]);
    expect(r).toEqual({ code: 2, out: '', err: `polcov: cannot use ${bad}: a parent is not a directory\n` });
    expect(fs.existsSync(json)).toBe(false);
  });

  test('a report replaces the old file by rename: a reader of the old file never sees a mix', () => {
    const dir = policies();
    const report = path.join(dir, 'out', 'report.json');
    fs.mkdirSync(path.dirname(report));
    fs.writeFileSync(report, 'old report\n');
    const reader = path.join(dir, 'out', 'reader');
    fs.linkSync(report, reader); // a second name for the old file's contents, as an open reader holds them
    expect(runCli(['scan', dir, '-f', 'json', '-o', report]).code).toBe(1);
    expect(JSON.parse(fs.readFileSync(report, 'utf8')).summary.policies).toBe(2);
    expect(fs.readFileSync(reader, 'utf8')).toBe('old report\n');
    expect(fs.readdirSync(path.dirname(report)).sort()).toEqual(['reader', 'report.json']);
  });

  test.each([
    ['a report and the baseline written', (d: string) => ['-f', 'json', '-o', path.join(d, 'x.json'), '--write-baseline', path.join(d, 'x.json')], '--output json and --write-baseline'],
    ['a report and the baseline read', (d: string) => ['-f', 'json', '-o', path.join(d, 'b.json'), '--baseline', path.join(d, 'b.json')], '--baseline and --output json'],
    ['two reports through a symlink', (d: string) => ['-f', 'json', '-f', 'sarif', '-o', `json=${path.join(d, 'x.json')}`, '-o', `sarif=${path.join(d, 'link', 'x.json')}`], 'json and sarif'],
  ])('refuses one file for %s', (_name, args, both) => {
    const dir = policies();
    fs.writeFileSync(path.join(dir, 'b.json'), '{"version":1,"entries":[]}\n');
    fs.symlinkSync(dir, path.join(dir, 'link'));
    const r = runCli(['scan', dir, ...args(dir)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`given to both ${both}`));
    expect(fs.existsSync(path.join(dir, 'x.json'))).toBe(false);
  });
});

describe('SARIF fingerprints', () => {
  test('are the same from any current folder', () => {
    const repo = tempDir({ '.git/HEAD': 'x\n', 'deploy/policies/gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL) });
    const from = (cwd: string): string[] => {
      const before = process.cwd();
      process.chdir(cwd);
      try {
        const log = toSarif(audit({ paths: [path.join(repo, 'deploy', 'policies')] }), cwd);
        return log.runs[0]!.results!.map((r) => r.partialFingerprints!['polcovFinding/v1']!);
      } finally {
        process.chdir(before);
      }
    };
    const atRoot = from(repo);
    expect(atRoot.length).toBeGreaterThan(0);
    expect(from(path.join(repo, 'deploy'))).toEqual(atRoot);
    expect(from(path.join(repo, 'deploy', 'policies'))).toEqual(atRoot);
  });
});
