/**
 * What a CI job sees: reports into folders that do not exist yet, the summary on stderr when every
 * report goes to a file, colour on demand, a scan that finds no policy, the rules as JSON with their
 * pages, text findings that link their rule page, a capped PR comment and GitLab Code Quality.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MARKDOWN_LIMIT } from '../../src/report/markdown';
import { docFile, docUrl, RULES } from '../../src/rules';
import { wantsColor } from '../../src/scan';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const gap = (): string => tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });
const SUMMARY = 'polcov: 1 finding (1 error, 0 warnings, 0 notes) in 2 policies from 2 files.\n';

describe('reports in files', () => {
  it('creates the missing folders of -o', () => {
    const dir = gap();
    const file = path.join(dir, 'reports', 'ci', 'polcov.sarif');
    expect(runCli(['scan', dir, '-f', 'sarif', '-o', file]).code).toBe(1);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).runs[0].results).toHaveLength(1);
  });

  it('prints the summary on stderr when every report goes to a file, and only then', () => {
    const dir = gap();
    const files = runCli(['scan', dir, '-f', 'json', '-f', 'junit', '-o', `json=${path.join(dir, 'r.json')}`, '-o', `junit=${path.join(dir, 'r.xml')}`]);
    expect(files).toEqual({ code: 1, out: '', err: SUMMARY });
    expect(runCli(['scan', dir, '-f', 'json', '-f', 'junit', '-o', `junit=${path.join(dir, 'r.xml')}`]).err).toBe('');
  });
});

describe('colour', () => {
  test.each([
    ['--color on a pipe', true, false, {}, true],
    ['--no-color on a terminal', false, true, {}, false],
    ['FORCE_COLOR=1 on a pipe', undefined, false, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', undefined, true, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR over NO_COLOR', undefined, false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    ['NO_COLOR on a terminal', undefined, true, { NO_COLOR: '1' }, false],
    ['a terminal', undefined, true, {}, true],
    ['a pipe', undefined, false, {}, false],
  ])('%s', (_name, flag, tty, env, expected) => {
    expect(wantsColor(flag, tty, env)).toBe(expected);
  });

  it('--color colours text on a pipe', () => {
    expect(runCli(['scan', gap(), '--color']).out).toContain('\x1b[31merror');
    expect(runCli(['scan', gap()]).out).not.toContain('\x1b[');
  });
});

describe('a scan that finds no policy', () => {
  const empty = (): string => tempDir({ 'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n' });

  it('says so on stderr and exits 0 by default', () => {
    const dir = empty();
    const r = runCli(['scan', dir]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`polcov: no policies found in ${dir}\n`);
  });

  it('exits 2 with --fail-if-no-policies or failIfNoPolicies in .polcov.yaml', () => {
    expect(runCli(['scan', empty(), '--fail-if-no-policies']).code).toBe(2);
    const configured = empty();
    fs.writeFileSync(path.join(configured, '.polcov.yaml'), 'failIfNoPolicies: true\n');
    expect(runCli(['scan', configured]).code).toBe(2);
    expect(runCli(['scan', gap(), '--fail-if-no-policies']).code).toBe(1);
  });
});

describe('rule pages', () => {
  it('`polcov rules --format json` gives id, severity, summary, engines and the page', () => {
    const rules = JSON.parse(runCli(['rules', '--format', 'json']).out) as { id: string; severity: string; summary: string; engines: string[]; doc: string; docFile: string }[];
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [i, r] of rules.entries()) {
      expect(r).toMatchObject({ severity: RULES[i]!.meta.severity, summary: RULES[i]!.meta.summary, doc: `https://github.com/polcov/polcov/blob/main/docs/rules/${r.id}.md` });
      expect(fs.readFileSync(r.docFile, 'utf8')).toContain(`· Engines: ${r.engines.join(', ')}\n`);
    }
    expect(rules.find((r) => r.id === 'webhook-fail-open')!.engines).toEqual(['webhook']);
  });

  it('ends every text finding with its rule page', () => {
    const out = runCli(['scan', gap()]).out;
    expect(out).toMatch(/gap\.yaml:17:13 .*ephemeral-containers-unchecked .*\n {4}fix: .* https:\/\/github\.com\/polcov\/polcov\/blob\/main\/docs\/rules\/ephemeral-containers-unchecked\.md\n/);
    expect(docUrl('x')).toBe('https://github.com/polcov/polcov/blob/main/docs/rules/x.md');
    expect(fs.existsSync(docFile('ephemeral-containers-unchecked'))).toBe(true);
  });
});

describe('the Markdown PR comment', () => {
  // 200 policies with an ephemeral gap (errors) and 200 with an init gap (warnings), warnings first on disk.
  function many(): string {
    const files: Record<string, string> = { 'hp.yaml': HOST_PROCESS };
    for (let i = 0; i < 200; i++) {
      files[`a-init-${i}.yaml`] = privilegedPolicy(`init-gap-${i}-${'x'.repeat(60)}`, ['containers', 'ephemeralContainers']);
      files[`b-eph-${i}.yaml`] = privilegedPolicy(`eph-gap-${i}-${'x'.repeat(60)}`, NO_EPHEMERAL);
    }
    return tempDir(files);
  }

  it('fits a GitHub comment, errors first, and says how many findings it left out and where the rest is', () => {
    const dir = many();
    const out = runCli(['scan', dir, '-f', 'markdown', '-f', 'sarif', '-o', `sarif=${path.join(dir, 'polcov.sarif')}`]).out;
    expect(out.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(MARKDOWN_LIMIT).toBeLessThan(65_536);
    const rows = [...out.matchAll(/^\| (error|warning|note) \|/gm)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.slice(0, 200).every((s) => s === 'error')).toBe(true);
    const left = /^\*\*(\d+) findings left out\*\* to fit a comment; the full report is at (.+)\.$/m.exec(out);
    expect(left?.[2]).toBe(path.join(dir, 'polcov.sarif'));
    expect(Number(left![1]) + rows.length).toBe(400);
  });

  it('stays whole when it fits', () => {
    expect(runCli(['scan', gap(), '-f', 'markdown']).out).not.toContain('left out');
  });
});

describe('GitLab Code Quality', () => {
  it('writes the JSON array GitLab reads: description, check_name, fingerprint, severity, location', () => {
    const dir = gap();
    const issues = JSON.parse(runCli(['scan', dir, '-f', 'codequality']).out) as Record<string, unknown>[];
    expect(issues).toEqual([
      {
        description: expect.stringMatching(/^ClusterPolicy gap rule "privileged-containers" checks privileged .*\(fix: .*docs\/rules\/ephemeral-containers-unchecked\.md\)$/),
        check_name: 'ephemeral-containers-unchecked',
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}:1$/),
        severity: 'critical',
        location: { path: expect.stringMatching(/gap\.yaml$/), lines: { begin: 17 } },
      },
    ]);
  });

  it('gives paths relative to the repository root and reports input problems', () => {
    const repo = tempDir({ '.git/HEAD': 'x\n', 'deploy/gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'deploy/big.yaml': 'x'.repeat(300), 'deploy/hp.yaml': HOST_PROCESS });
    const issues = JSON.parse(runCli(['scan', path.join(repo, 'deploy'), '-f', 'codequality', '--max-file-size', '250']).out) as { check_name: string; severity: string; location: { path: string } }[];
    expect(issues.map((i) => [i.check_name, i.location.path])).toEqual(expect.arrayContaining([['polcov-input', 'deploy/big.yaml']]));
  });
});
