/**
 * The pre-commit hook as a user installs it: the real `pre-commit` (Debian package pre-commit) clones
 * this repository at a commit, installs it as a node hook (npm builds dist/ in `prepare`), and runs
 * `polcov scan` on a project with a gap. Skipped, saying so, when pre-commit is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOST_PROCESS, itWithTool, NO_EPHEMERAL, privilegedPolicy } from './ci-fixtures';
import { gitRepo } from './git-fixtures';
import { tempDir } from './helpers';

const ROOT = path.join(__dirname, '..');
/** This working tree as a plain git checkout (what a user's `rev:` points at): its files, no node_modules, no dist. */
function hookRepository(): { dir: string; rev: string } {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
  const files = Object.fromEntries(listed.filter((f) => f && fs.existsSync(path.join(ROOT, f))).map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
  expect(Object.keys(files).some((f) => f.startsWith('dist/'))).toBe(false);
  const repo = gitRepo(files);
  return { dir: repo.dir, rev: repo.head() };
}

itWithTool('pre-commit', 'pre-commit')(
  'pre-commit installs the hook from a local clone and reports polcov`s findings',
  () => {
    const hook = hookRepository();
    const project = gitRepo({
      '.pre-commit-config.yaml': `repos:\n  - repo: ${hook.dir}\n    rev: ${hook.rev}\n    hooks:\n      - id: polcov\n`,
      'policies/gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL),
      'policies/hp.yaml': HOST_PROCESS,
    });
    const r = spawnSync('pre-commit', ['run', '--all-files'], {
      cwd: project.dir,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: path.join(tempDir({}), 'cache'), npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    const output = r.stdout + r.stderr;
    expect(output).not.toMatch(/Executable `polcov` not found/);
    expect(output).toMatch(/policies\/gap\.yaml:17:13 +error +ephemeral-containers-unchecked/);
    expect(output).toMatch(/^polcov\.+Failed$/m);
    expect(r.status).toBe(1);
  },
  600_000,
);
