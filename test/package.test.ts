/**
 * The package as it is installed and run: what `npm pack` ships (a license matching package.json,
 * every rule page, no source map pointing at unshipped sources), and the built CLI in a pipeline
 * whose reader stops early (`polcov … | head`), which is a normal end, not a crash.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { docsPath, RULES } from '../src/rules';
import { HOMEPAGE } from '../src/version';
import { runCli } from './ci-fixtures';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;

// The built CLI, as `npm run build` (and `prepare`, on install from git) makes it.
beforeAll(() => execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' }), 120_000);

describe('the package', () => {
  it('has a LICENSE with the license package.json names, and its repository, homepage and bugs', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${HOMEPAGE}.git` });
    expect(pkg.homepage).toBe(`${HOMEPAGE}#readme`);
    expect(pkg.bugs).toEqual({ url: `${HOMEPAGE}/issues` });
  });

  it('ships the CLI, the license and every rule page, and no source map', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as { files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'dist/cli.js', 'dist/index.js', ...RULES.map((r) => docsPath(r.meta.id))]));
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/'))).toEqual([]);
    expect(fs.readFileSync(path.join(ROOT, 'dist', 'cli.js'), 'utf8')).not.toContain('sourceMappingURL');
  });
});

describe('the CLI in a pipeline whose reader stops early', () => {
  // `head -n 0` exits at once, before polcov writes: every write meets a closed pipe.
  const piped = (args: string): { status: number | null; stderr: string } => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; node dist/cli.js ${args} | head -n 0`], { cwd: ROOT, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  };

  it('ends `polcov rules | head` with exit 0 and no stack trace', () => {
    expect(piped('rules')).toEqual({ status: 0, stderr: '' });
  });

  it('ends `polcov scan … | head` with the exit code of the findings and no stack trace', () => {
    const expected = runCli(['scan', 'samples/']).code;
    expect(expected).toBe(1);
    const r = piped('scan samples/');
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(r.status).toBe(expected);
  });
});
