/**
 * The package as it is installed and run: what `npm pack` ships (a license matching package.json,
 * every rule page, no source map pointing at unshipped sources), the built CLI in a pipeline whose
 * reader stops early (`polcov … | head`, a normal end, not a crash), the GitHub Action's scan
 * step running the built CLI of its own checkout, and template Rego analysed on a worker thread
 * (which only the built package has).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { docsPath, RULES } from '../src/rules';
import { HOMEPAGE } from '../src/version';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from './ci-fixtures';
import { celTemplate, constraint, template } from './engines/gatekeeper/helpers';
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

describe('template Rego on a worker thread (the built package only)', () => {
  /** Runs `script` in a child Node with the built package as POLCOV; prints the worker's answers at exit. */
  const child = (script: string, files: Record<string, string> = {}): { answers: number; out: unknown } => {
    const dir = tempDir({ ...files, 'run.js': script });
    const trace = [
      "const wt = require('node:worker_threads');",
      'const receive = wt.receiveMessageOnPort;',
      'globalThis.answers = 0;',
      'wt.receiveMessageOnPort = (p) => { const m = receive(p); if (m) globalThis.answers++; return m; };',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'trace.js'), trace);
    const r = spawnSync('node', ['-r', path.join(dir, 'trace.js'), path.join(dir, 'run.js')], { cwd: dir, encoding: 'utf8', env: { ...process.env, POLCOV: path.join(ROOT, 'dist'), DIR: dir } });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { answers: number; out: unknown };
  };

  const rego = (i: number, extra = ''): string => `package k8scheck${i}

violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  c.securityContext.privileged
  not input.parameters.allowPrivileged
  msg := "privileged ${i}"
}

violation[{"msg": msg}] {
  input.review.object.spec.hostNetwork${extra}
  msg := "host network"
}
`;

  it('gives each job the result the main thread gives, and takes the jobs the main thread leaves it', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`t${i}.yaml`] = template(rego(i), { kind: `K8sCheck${i}` });
    const { answers, out } = child(`
      const fs = require('node:fs');
      const path = require('node:path');
      const { loadYaml } = require(path.join(process.env.POLCOV, 'discover/yaml-doc'));
      const { embeddedRego } = require(path.join(process.env.POLCOV, 'engines/gatekeeper/rego-source'));
      const { runRegoJob } = require(path.join(process.env.POLCOV, 'engines/gatekeeper/template-rego'));
      const { templatePool, MIN_JOBS } = require(path.join(process.env.POLCOV, 'engines/gatekeeper/template-pool'));
      const sixteen = fs.readdirSync(process.env.DIR).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => {
        const [doc] = loadYaml({ path: f, text: fs.readFileSync(path.join(process.env.DIR, f), 'utf8') }, []);
        const { text, place } = embeddedRego(doc, doc.get(doc.items(doc.at(doc.root, 'spec', 'targets'))[0], 'rego'));
        return [{}, { allowPrivileged: true }].map((parameters) => ({ modules: [{ text, place }], version: 'v0', parameters, mode: 'analyse' }));
      });
      // Enough jobs for the worker to start.
      const jobs = Array.from({ length: MIN_JOBS + 16 }, (_, i) => sixteen[i % 16]);
      const pool = templatePool(true);
      const results = jobs.map((job) => pool.rego(job));
      // Time for the worker to start and take the jobs it was sent.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
      const same = results.map((r, i) => JSON.stringify(r()) === JSON.stringify(runRegoJob(jobs[i])));
      pool.close();
      console.log(JSON.stringify({ answers: globalThis.answers, out: { jobs: jobs.length, same, checks: results.map((r) => r().entries.length) } }));
    `, files);
    const n = (out as { jobs: number }).jobs;
    expect(n).toBeGreaterThan(16);
    expect(out).toEqual({ jobs: n, same: Array(n).fill(true), checks: Array(n).fill(expect.any(Number)) });
    // While the main thread slept, the worker took the jobs.
    expect(answers).toBeGreaterThan(0);
  }, 30_000);

  it('an analysis not yet finished holds no syntax tree (templates are read as their files are, then let go of)', () => {
    const dir = tempDir({ 't.yaml': template(rego(1), { kind: 'K8sCheck1' }) });
    const script = `
      const fs = require('node:fs');
      const path = require('node:path');
      const { loadYaml } = require(path.join(process.env.POLCOV, 'discover/yaml-doc'));
      const { analyzeTemplate } = require(path.join(process.env.POLCOV, 'engines/gatekeeper/template'));
      let [yaml] = loadYaml({ path: 't.yaml', text: fs.readFileSync('t.yaml', 'utf8') }, []);
      const tree = new WeakRef(yaml.root);
      // Its Rego job given to a runner that has not run it yet, as on a busy worker thread.
      const jobs = [];
      const finish = analyzeTemplate({ yaml, apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', name: 'k8scheck1', at: { file: 't.yaml', line: 1, column: 1 } }, {}, 'analyse', (job) => (jobs.push(job), () => require(path.join(process.env.POLCOV, 'engines/gatekeeper/template-rego')).runRegoJob(job)));
      yaml = undefined;
      setTimeout(() => {
        global.gc();
        console.log(JSON.stringify({ treeKept: tree.deref() !== undefined, jobs: jobs.length, entries: finish().entries.length }));
      });
    `;
    const r = spawnSync('node', ['--expose-gc', '-e', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, POLCOV: path.join(ROOT, 'dist') } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ treeKept: false, jobs: 1, entries: 1 });
  });

  it('leaves a scan`s facts and findings as they are without it', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      files[`a/t${i}/template.yaml`] = i % 4 === 3 ? celTemplate(['              - expression: "!has(object.spec.hostNetwork)"'], { kind: `K8sCheck${i}`, rego: rego(i).split('\n') }) : template(rego(i, i % 5 === 4 ? ' {' : ''), { kind: `K8sCheck${i}`, libs: i % 3 === 2 ? ['package lib.helpers\n\nname(c) := c.name\n'] : [] });
      if (i % 2 === 0) files[`a/t${i}/samples/constraint.yaml`] = constraint({ kind: `K8sCheck${i}`, name: `c${i}`, spec: '  parameters:\n    allowPrivileged: true' });
    }
    for (let i = 0; i < 300; i++) files[`b/p${i}.yaml`] = privilegedPolicy(`p${i}`, NO_EPHEMERAL);
    const { answers, out } = child(`
      const { audit } = require(process.env.POLCOV);
      const run = (worker) => {
        const r = audit({ paths: [process.env.DIR], worker });
        return { findings: r.findings, policies: r.policies, errors: r.errors };
      };
      // With the worker first, while the main thread is at its slowest (nothing compiled yet).
      const on = run(true);
      const answers = globalThis.answers;
      const off = run(false);
      console.log(JSON.stringify({ answers, out: { same: JSON.stringify(on) === JSON.stringify(off), rules: [...new Set(off.findings.map((f) => f.ruleId))].sort() } }));
    `, files);
    expect(out).toEqual({ same: true, rules: expect.arrayContaining(['ephemeral-containers-unchecked', 'policy-unanalyzable']) });
    // The worker did take part: it starts in well under the time the main thread takes to read 360 files.
    expect(answers).toBeGreaterThan(0);
  }, 30_000);
});
