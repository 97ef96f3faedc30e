/**
 * Issue 14 item 9: --diff-base reads a repository it does not trust. Commands the repository's
 * own configuration names (fsmonitor, filters, external diff) never run, and nothing is written
 * into `.git`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_LISTS, HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { gitRepo } from '../git-fixtures';

/** Every file under `.git` with its size and modification time. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} ${fs.statSync(p).size} ${fs.statSync(p).mtimeMs}`);
    }
  };
  walk(path.join(dir, '.git'));
  return out.sort();
}

describe('--diff-base on a hostile repository', () => {
  test.each([
    ['core.fsmonitor', (marker: string) => [['core.fsmonitor', `touch ${marker}`]]],
    ['a clean filter on policy files', (marker: string) => [['filter.evil.clean', `sh -c 'touch ${marker}; cat'`], ['filter.evil.required', 'true']]],
    ['an external diff', (marker: string) => [['diff.external', `sh -c 'touch ${marker}'`]]],
  ])('%s never runs', (_name, settings) => {
    const repo = gitRepo({ 'policies/gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'policies/hp.yaml': HOST_PROCESS, '.gitattributes': '*.yaml filter=evil\n' });
    const marker = path.join(repo.dir, '..', `${path.basename(repo.dir)}-ran`);
    for (const [k, v] of settings(marker)) execFileSync('git', ['config', k!, v!], { cwd: repo.dir });
    // A working-tree change, an untracked (renamed) file: what made polcov ask git about the working tree.
    fs.writeFileSync(path.join(repo.dir, 'policies/gap.yaml'), privilegedPolicy('gap', ALL_LISTS));
    fs.renameSync(path.join(repo.dir, 'policies/hp.yaml'), path.join(repo.dir, 'policies/hp2.yaml'));
    const r = runCli(['scan', repo.dir, '--diff-base', 'HEAD', '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).summary.diff).toEqual({ base: 'HEAD', preexisting: 0, fixed: 1 });
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('nothing is written into .git, untracked files included', () => {
    const repo = gitRepo({ 'policies/a.yaml': privilegedPolicy('a', NO_EPHEMERAL), 'policies/hp.yaml': HOST_PROCESS });
    fs.renameSync(path.join(repo.dir, 'policies/a.yaml'), path.join(repo.dir, 'policies/b.yaml'));
    fs.writeFileSync(path.join(repo.dir, 'policies/empty.yaml'), '');
    const before = snapshot(repo.dir);
    const r = runCli(['scan', repo.dir, '--diff-base', 'HEAD', '-f', 'json']);
    expect(JSON.parse(r.out).summary.diff).toEqual({ base: 'HEAD', preexisting: 1, fixed: 0 });
    expect(snapshot(repo.dir)).toEqual(before);
  });
});
