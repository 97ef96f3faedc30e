/** --diff-base: only findings a change introduces fail the run; the base revision is read from git objects. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sourcesAtRef } from '../../src/diff';
import { ALL_LISTS, HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { gitRepo } from '../git-fixtures';
import { tempDir } from '../helpers';

const json = (args: string[]): { code: number; doc: { findings: { ruleId: string; policy: { name: string } }[]; summary: Record<string, unknown> } } => {
  const r = runCli([...args, '-f', 'json']);
  return { code: r.code, doc: JSON.parse(r.out) };
};

describe('--diff-base', () => {
  it('fails on a commit that adds a policy without ephemeral coverage, reporting only that', () => {
    const repo = gitRepo({ 'policies/clean.yaml': privilegedPolicy('clean', ALL_LISTS), 'policies/hp.yaml': HOST_PROCESS });
    repo.commit({ 'policies/new.yaml': privilegedPolicy('new', NO_EPHEMERAL) }, 'add a policy');
    const { code, doc } = json(['scan', repo.dir, '--diff-base', 'HEAD~1']);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => `${f.ruleId} ${f.policy.name}`)).toEqual(['ephemeral-containers-unchecked new']);
    expect(doc.summary.diff).toEqual({ base: 'HEAD~1', preexisting: 0, fixed: 0 });
    expect(runCli(['scan', repo.dir, '--diff-base', 'HEAD~1']).out.trim().split('\n').pop()).toBe(
      '1 new finding (1 error, 0 warnings, 0 notes) in 3 policies from 3 files; 0 already at HEAD~1, 0 fixed since HEAD~1.',
    );
  });

  it('passes a commit that touches only a clean policy, even when lines move in the old gap', () => {
    const gap = privilegedPolicy('old-gap', NO_EPHEMERAL);
    const repo = gitRepo({ 'policies/gap.yaml': gap, 'policies/clean.yaml': privilegedPolicy('clean', ALL_LISTS), 'policies/hp.yaml': HOST_PROCESS });
    repo.commit(
      { 'policies/clean.yaml': `# reviewed\n${privilegedPolicy('clean', ALL_LISTS).replace('Privileged mode is not allowed.', 'No privileged pods.')}`, 'policies/gap.yaml': `\n\n${gap}` },
      'touch',
    );
    const { code, doc } = json(['scan', repo.dir, '--diff-base', 'HEAD~1']);
    expect(code).toBe(0);
    expect(doc.findings).toEqual([]);
    expect(doc.summary.diff).toEqual({ base: 'HEAD~1', preexisting: 1, fixed: 0 });
  });

  it('treats deleting the only hostProcess control as a new finding', () => {
    const repo = gitRepo({ 'policies/clean.yaml': privilegedPolicy('clean', ALL_LISTS), 'policies/hp.yaml': HOST_PROCESS });
    repo.commit({ 'policies/hp.yaml': null }, 'drop hostProcess policy');
    const { code, doc } = json(['scan', repo.dir, '--diff-base', 'HEAD~1']);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => f.ruleId)).toEqual(['hostprocess-unchecked']);
  });

  it('does not blame a change for a set-level gap that was already there', () => {
    // Without a hostProcess policy, hostprocess-unchecked points at a privileged check: adding one moves it.
    const repo = gitRepo({ 'policies/m.yaml': privilegedPolicy('m', ALL_LISTS) });
    repo.commit({ 'policies/a.yaml': privilegedPolicy('a', ALL_LISTS) }, 'another clean policy');
    const { code, doc } = json(['scan', repo.dir, '--diff-base', 'HEAD~1']);
    expect(code).toBe(0);
    expect(doc.summary.diff).toMatchObject({ preexisting: 1 });
  });

  describe('follows renames', () => {
    const setUp = (): ReturnType<typeof gitRepo> =>
      gitRepo({ 'policies/a.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'policies/hp.yaml': HOST_PROCESS });
    const status = (dir: string): string => execFileSync('git', ['status', '--porcelain'], { cwd: dir }).toString();

    it('a committed git mv reports nothing new', () => {
      const repo = setUp();
      execFileSync('git', ['mv', 'policies/a.yaml', 'policies/b.yaml'], { cwd: repo.dir });
      repo.commit({}, 'rename');
      const { code, doc } = json(['scan', repo.dir, '--diff-base', 'HEAD~1']);
      expect(code).toBe(0);
      expect(doc.findings).toEqual([]);
      expect(doc.summary.diff).toEqual({ base: 'HEAD~1', preexisting: 1, fixed: 0 });
    });

    it('a rename with small edits, into a subfolder, reports nothing new', () => {
      const repo = setUp();
      const edited = `# moved\n${privilegedPolicy('gap', NO_EPHEMERAL).replace('Privileged mode is not allowed.', 'No privileged pods.')}`;
      repo.commit({ 'policies/a.yaml': null, 'policies/kyverno/renamed.yaml': edited }, 'move and edit');
      const { code, doc } = json(['scan', path.join(repo.dir, 'policies'), '--diff-base', 'HEAD~1']);
      expect(code).toBe(0);
      expect(doc.summary.diff).toEqual({ base: 'HEAD~1', preexisting: 1, fixed: 0 });
    });

    it('an uncommitted rename to an untracked file reports nothing new, and leaves the index alone', () => {
      const repo = setUp();
      fs.renameSync(path.join(repo.dir, 'policies/a.yaml'), path.join(repo.dir, 'policies/b.yaml'));
      const before = status(repo.dir);
      expect(before).toContain('?? policies/b.yaml');
      for (const scanned of [repo.dir, path.join(repo.dir, 'policies')]) {
        const { code, doc } = json(['scan', scanned, '--diff-base', 'HEAD']);
        expect(code).toBe(0);
        expect(doc.summary.diff).toEqual({ base: 'HEAD', preexisting: 1, fixed: 0 });
      }
      expect(status(repo.dir)).toBe(before);
    });

    it('a renamed file named on the command line is compared with its old name', () => {
      const repo = setUp();
      execFileSync('git', ['mv', 'policies/a.yaml', 'policies/b.yaml'], { cwd: repo.dir });
      repo.commit({}, 'rename');
      const { code, doc } = json(['scan', path.join(repo.dir, 'policies/b.yaml'), path.join(repo.dir, 'policies/hp.yaml'), '--diff-base', 'HEAD~1']);
      expect(code).toBe(0);
      expect(doc.summary.diff).toEqual({ base: 'HEAD~1', preexisting: 1, fixed: 0 });
    });

    it('a new gap in a renamed file is still new', () => {
      const repo = setUp();
      repo.commit({ 'policies/a.yaml': null, 'policies/b.yaml': privilegedPolicy('gap', ['containers']) }, 'rename and drop initContainers');
      const { code, doc } = json(['scan', repo.dir, '--diff-base', 'HEAD~1', '--fail-on', 'warning']);
      expect(code).toBe(1);
      expect(doc.findings.map((f) => f.ruleId)).toEqual(['init-containers-unchecked']);
      expect(doc.summary.diff).toEqual({ base: 'HEAD~1', preexisting: 1, fixed: 0 });
    });
  });

  it('compares uncommitted working-tree changes and counts fixes', () => {
    const repo = gitRepo({ 'policies/gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'policies/hp.yaml': HOST_PROCESS });
    fs.writeFileSync(path.join(repo.dir, 'policies/gap.yaml'), privilegedPolicy('gap', ALL_LISTS));
    const { code, doc } = json(['scan', path.join(repo.dir, 'policies'), '--diff-base', 'HEAD']);
    expect(code).toBe(0);
    expect(doc.summary.diff).toEqual({ base: 'HEAD', preexisting: 0, fixed: 1 });
  });

  it('reads the base revision without touching the working tree', () => {
    const repo = gitRepo({ 'p/a.yaml': 'a: 1\n', 'p/b.rego': 'package b\n', 'p/readme.md': '# no\n', 'p/node_modules/x.yaml': 'x: 1\n' });
    fs.writeFileSync(path.join(repo.dir, 'p/a.yaml'), 'a: 2\n');
    const sources = sourcesAtRef('HEAD', [path.join(repo.dir, 'p')]);
    expect(sources.map((s) => [path.relative(repo.dir, s.path), s.text])).toEqual([
      ['p/a.yaml', 'a: 1\n'],
      ['p/b.rego', 'package b\n'],
    ]);
    expect(fs.readFileSync(path.join(repo.dir, 'p/a.yaml'), 'utf8')).toBe('a: 2\n');
  });

  it('exits 2 on an unknown revision, outside a repository, and with stdin', () => {
    const repo = gitRepo({ 'p.yaml': privilegedPolicy('gap', ALL_LISTS) });
    const bad = runCli(['scan', repo.dir, '--diff-base', 'no-such-branch']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^polcov: --diff-base: git rev-parse failed: /);
    expect(() => sourcesAtRef('--output=/tmp/x', [repo.dir])).toThrow('--diff-base: "--output=/tmp/x" is not a git revision');
    expect(runCli(['scan', tempDir({}), '--diff-base', 'HEAD']).code).toBe(2);
    expect(runCli(['scan', '-', '--diff-base', 'HEAD'], { stdin: 'a: 1\n' }).err).toBe('polcov: --diff-base compares files in git: it cannot read stdin\n');
  });
});
