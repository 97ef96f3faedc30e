/** Throwaway git repositories for the --diff-base tests. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';

/** A throwaway repository in the temp folder with its own identity, so no global git config is needed. */
export function gitRepo(files: Record<string, string>): { dir: string; commit(files: Record<string, string | null>, message: string): void; head(): string } {
  const dir = tempDir({});
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  git('init', '-q', '--initial-branch=main');
  git('config', 'user.name', 'polcov test');
  git('config', 'user.email', 'test@polcov.invalid');
  git('config', 'commit.gpgsign', 'false');
  const commit = (changes: Record<string, string | null>, message: string): void => {
    for (const [name, text] of Object.entries(changes)) {
      const p = path.join(dir, name);
      if (text === null) fs.rmSync(p);
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, text);
      }
    }
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  commit(files, 'base');
  return { dir, commit, head: () => git('rev-parse', 'HEAD').trim() };
}

