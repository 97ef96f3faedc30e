/**
 * The package as it is installed and run: what `npm pack` ships (a license matching package.json,
 * every rule page, no source map pointing at unshipped sources), the built CLI in a pipeline whose
 * reader stops early (`polcov … | head`, a normal end, not a crash), and the GitHub Action's scan
 * step running the built CLI of its own checkout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { docsPath, RULES } from '../src/rules';
import { HOMEPAGE } from '../src/version';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from './ci-fixtures';
import { gitRepo } from './git-fixtures';
import { tempDir } from './helpers';

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

describe('the GitHub Action`s scan step, run as the runner runs it', () => {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { runs: { steps: { name?: string; run?: string }[] } };
  const script = action.runs.steps.find((s) => s.name === 'polcov scan')!.run!;

  /** A repository whose base commit has one gap (old) and whose working tree adds another (new). */
  function pullRequest(): string {
    const repo = gitRepo({ 'policies/old.yaml': privilegedPolicy('old', NO_EPHEMERAL), 'policies/hp.yaml': HOST_PROCESS });
    fs.writeFileSync(path.join(repo.dir, 'policies', 'new.yaml'), privilegedPolicy('new', NO_EPHEMERAL));
    return repo.dir;
  }

  function runStep(dir: string, inputs: Record<string, string>): { status: number | null; log: string; output: string; sarifPolicies: string[] } {
    const output = path.join(tempDir({}), 'github-output');
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: output, POLCOV_PATHS: 'policies/', POLCOV_SARIF: 'polcov.sarif', POLCOV_FAIL_ON: '', POLCOV_DIFF_BASE: '', POLCOV_ARGS: '', ...inputs },
    });
    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'polcov.sarif'), 'utf8')) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const sarifPolicies = sarif.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri).sort();
    return { status: r.status, log: r.stdout, output: fs.readFileSync(output, 'utf8'), sarifPolicies };
  }

  it('annotates every finding and writes them all to the SARIF report', () => {
    const r = runStep(pullRequest(), {});
    expect(r.status).toBe(0); // the step records the exit code; the result step fails the job after the upload
    expect(r.output).toBe('exit-code=1\n');
    expect(r.log.match(/^::error file=policies\/(old|new)\.yaml/gm)).toHaveLength(2);
    expect(r.sarifPolicies).toEqual(['policies/new.yaml', 'policies/old.yaml']);
  });

  it('with diff-base, annotates only what the change adds but keeps the SARIF whole, so code scanning keeps its alerts', () => {
    const r = runStep(pullRequest(), { POLCOV_DIFF_BASE: 'HEAD' });
    expect(r.output).toBe('exit-code=1\n');
    expect(r.log.match(/^::error file=[^,]+/gm)).toEqual(['::error file=policies/new.yaml']);
    expect(r.sarifPolicies).toEqual(['policies/new.yaml', 'policies/old.yaml']);
  });
});

describe('what a one-file scan loads (the start-up a pre-commit hook pays)', () => {
  // Printed at exit by a preloaded script: every module the process loaded.
  const loaded = (args: string[], files: Record<string, string>): string[] => {
    const dir = tempDir({ ...files, 'trace.js': "process.on('exit', () => process.stderr.write(`LOADED ${JSON.stringify(Object.keys(require.cache))}\\n`));" });
    const r = spawnSync('node', ['-r', path.join(dir, 'trace.js'), path.join(ROOT, 'dist', 'cli.js'), ...args.map((a) => a.replace('{dir}', dir))], { cwd: dir, encoding: 'utf8' });
    return JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)![1]!) as string[];
  };
  // ajv's small runtime helpers serve the validators compiled at build time; its compiler must not load.
  const HEAVY = /node_modules\/(@marcbachmann\/cel-js|@jmespath-community)\/|node_modules\/ajv\/dist\/(ajv|core|compile)|dist\/proof\/(?!reproduce)|dist\/eval\/(?!gatekeeper\/newest)|dist\/testing\/run/;
  const heavy = (mods: string[]) => mods.filter((m) => HEAVY.test(m)).map((m) => path.relative(ROOT, m));
  const policy = fs.readFileSync(path.join(ROOT, 'samples', 'kyverno', 'vulnerable', 'disallow-privileged-containers.yaml'), 'utf8');

  it('a Kyverno pattern policy with a .polcov.yaml beside it needs no evaluator, CEL, JMESPath or schema compiler', () => {
    expect(heavy(loaded(['scan', '{dir}/p.yaml'], { 'p.yaml': policy, '.polcov.yaml': 'rules:\n  enforcement-not-blocking: note\n' }))).toEqual([]);
  });

  it('yaml is loaded as the one file the build bundles it into, not as its 80 modules', () => {
    const mods = loaded(['scan', '{dir}/p.yaml'], { 'p.yaml': policy }).map((m) => path.relative(ROOT, m).split(path.sep).join('/'));
    expect(mods.filter((m) => /(^|\/)yaml(\.js$|\/)/.test(m))).toEqual(['dist/vendor/yaml.js']);
  });

  it('the bundle is yaml: the same exports, the same documents', () => {
    const bundled = require(path.join(ROOT, 'dist', 'vendor', 'yaml.js')) as typeof import('yaml');
    const original = require('yaml') as typeof import('yaml');
    expect(Object.keys(bundled).sort()).toEqual(Object.keys(original).sort());
    const text = `${policy}---
flow: {a: [1, 2.5, yes, null], "b": !!binary aGk=}
anchors: &x [*x]
`;
    const read = (y: typeof original) => y.parseAllDocuments(text).map((d) => [String(d), d.errors.map((e) => e.code), d.warnings.map((w) => w.code)]);
    expect(read(bundled)).toEqual(read(original));
    // Nodes of one copy are recognised by the other (the kinds are global symbols).
    expect(original.isMap(bundled.parseDocument('a: 1').contents)).toBe(true);
  });

  it('--prove does load the evaluators (the check above could fail)', () => {
    expect(heavy(loaded(['scan', '--prove', '{dir}/p.yaml'], { 'p.yaml': policy }))).toEqual(expect.arrayContaining([expect.stringMatching(/^dist\/proof\//), expect.stringMatching(/cel-js/)]));
  });
});
