/** .polcov.yaml: discovery, schema checks with messages that name the key, and how flags override it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { fileGlob, compileGlob, ignoreMatcher, setMatcher } from '../../src/config/glob';
import { CONFIG_NAMES, CONFIG_SCHEMA_PATH, findConfig, ignoreGlobs, isConfigName, loadConfig } from '../../src/config/load';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const GAP = privilegedPolicy('gap', NO_EPHEMERAL);

/** A repository with a config at its root and the policies two folders down. */
/** A repository (its root holds `.git`) with the configuration at the root. */
function repo(config: string, name = '.polcov.yaml'): { root: string; policies: string } {
  const root = tempDir({ [name]: config, '.git/HEAD': 'ref: refs/heads/main\n', 'deploy/policies/gap.yaml': GAP, 'deploy/policies/hp.yaml': HOST_PROCESS });
  return { root, policies: path.join(root, 'deploy', 'policies') };
}

describe('glob matching', () => {
  it.each([
    ['vendor/**', 'vendor/a/b.yaml', true],
    ['vendor/**', 'src/vendor/b.yaml', false],
    ['**/test/**', 'a/test/b/c.yaml', true],
    ['**/test/**', 'test/c.yaml', true],
    ['*.skip.yaml', 'deep/down/x.skip.yaml', true],
    ['policies/*.yaml', 'policies/a.yaml', true],
    ['policies/*.yaml', 'policies/sub/a.yaml', false],
    ['policies/?.yaml', 'policies/a.yaml', true],
    ['policies/?.yaml', 'policies/ab.yaml', false],
    ['/charts', 'charts/x/y.yaml', true],
    ['a.b', 'axb', false],
    ['a/**/b', 'a/xb', false],
    ['*.yaml', 'x/y.yml', false],
    ['a*/b', 'ab/c/b', false],
    // Literal names, at any depth unless anchored by a slash.
    ['.polcov.yaml', 'deep/down/.polcov.yaml', true],
    ['.polcov.yaml', '.polcov.yaml', true],
    ['.polcov.yaml', 'deep/x.polcov.yaml', false],
    ['vendor', 'a/vendor/b/c.yaml', true],
    ['/vendor', 'a/vendor/b/c.yaml', false],
    ['/charts/x.yaml', 'charts/x.yaml', true],
    ['/charts/x.yaml', 'a/charts/x.yaml', false],
    ['vendor', 'vendor', true],
    ['.polcov.yaml', 'a/.polcov.yaml/x.yaml', true],
    ['.polcov.yaml', 'a/.polcov.yaml.bak', false],
  ])('%s matches %s: %s', (glob, file, expected) => {
    expect(ignoreMatcher([glob], '/repo')(`/repo/${file}`)).toBe(expected);
  });

  it.each([
    ['a bare name and a path glob', ['.polcov.yaml', 'vendor/**'], ['x/.polcov.yaml', 'vendor/a.yaml'], ['x/a.yaml', 'a/vendor.yaml']],
    ['bare names only, for files outside the root too', ['.polcov.yaml', 'skip.yaml'], ['x/skip.yaml', '../elsewhere/.polcov.yaml'], ['x/skip.yml', '../elsewhere/a.yaml']],
  ])('%s', (_name, globs, ignored, kept) => {
    const matcher = ignoreMatcher(globs, '/repo');
    for (const f of ignored) expect([f, matcher(`/repo/${f}`)]).toEqual([f, true]);
    for (const f of kept) expect([f, matcher(`/repo/${f}`)]).toEqual([f, false]);
  });

  it('compiles ** before a slash to "any folders, or none"', () => {
    expect(compileGlob('a/**/b').test('a/b')).toBe(true);
    expect(compileGlob('a/**/b').test('a/x/y/b')).toBe(true);
  });
});

describe('polcov\'s own files', () => {
  it('fileGlob matches exactly one file, inside or outside the root, glob characters included', () => {
    const root = path.resolve('/repo');
    const only = (file: string): ((f: string) => boolean) => ignoreMatcher([fileGlob(file, root)], root);
    expect(only('/repo/ci/base*line?.json')('/repo/ci/base*line?.json')).toBe(true);
    expect(only('/repo/ci/base*line?.json')('/repo/ci/base-line-.json')).toBe(false);
    expect(only('/repo/ci/baseline.json')('/repo/other/ci/baseline.json')).toBe(false);
    expect(only('/elsewhere/baseline.json')('/elsewhere/baseline.json')).toBe(true);
    expect(only('/elsewhere/baseline.json')('/repo/elsewhere/baseline.json')).toBe(false);
    expect(compileGlob('a\\*b').test('a*b')).toBe(true);
    expect(compileGlob('a\\*b').test('axb')).toBe(false);
  });

  it('ignoreGlobs leaves configuration files (any depth, any --config name) and the baseline out of the file count', () => {
    const dir = tempDir({
      '.polcov.yaml': 'failOn: error\n',
      'team/.polcov.yml': 'failOn: never\n',
      'strict.yaml': 'failOn: warning\n',
      'polcov-baseline.json': '{"version": 1, "entries": []}\n',
      'gap.yaml': GAP,
      'hp.yaml': HOST_PROCESS,
      'vendor/gap.yaml': GAP,
    });
    const base = audit({ paths: [dir], ignore: ['vendor/**'], ignoreRoot: dir });
    expect(base.summary).toMatchObject({ files: 6, policies: 2 });
    const ignore = ignoreGlobs(['vendor/**'], [path.join(dir, 'strict.yaml'), path.join(dir, 'polcov-baseline.json'), undefined], dir);
    const r = audit({ paths: [dir], ignore, ignoreRoot: dir });
    expect(r.summary).toMatchObject({ files: 2, policies: 2 });
    expect(r.findings).toEqual(base.findings);
  });
});

describe('finding the configuration', () => {
  it('looks from the scanned paths up to the repository root, .polcov.yaml or .polcov.yml', () => {
    const { root, policies } = repo('failOn: never\n', '.polcov.yml');
    expect(findConfig(policies)).toBe(path.join(root, '.polcov.yml'));
    expect(findConfig(path.join(policies, 'gap.yaml'))).toBe(path.join(root, '.polcov.yml'));
    expect(runCli(['scan', policies]).code).toBe(0);
  });

  it('takes --config FILE instead', () => {
    const { root, policies } = repo('failOn: never\n');
    const strict = path.join(root, 'strict.yaml');
    fs.writeFileSync(strict, 'failOn: error\n');
    expect(runCli(['scan', policies]).code).toBe(0);
    expect(runCli(['scan', policies, '--config', strict]).code).toBe(1);
  });
});

describe('configuration settings', () => {
  it('turns a rule off or changes its severity; --fail-on still applies', () => {
    expect(runCli(['scan', repo('rules:\n  ephemeral-containers-unchecked: off\n').policies]).code).toBe(0);
    const noted = repo('rules:\n  ephemeral-containers-unchecked: note\n').policies;
    const r = runCli(['scan', noted, '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).findings.map((f: { severity: string }) => f.severity)).toEqual(['note']);
    expect(runCli(['scan', noted, '--fail-on', 'note']).code).toBe(1);
  });

  it('lets flags override failOn and kubernetesVersion', () => {
    const { policies } = repo('failOn: never\nkubernetesVersion: "1.30"\n');
    expect(runCli(['scan', policies]).code).toBe(0);
    expect(runCli(['scan', policies, '--fail-on', 'error']).code).toBe(1);
    expect(runCli(['scan', policies, '--kubernetes-version', 'banana']).code).toBe(2);
  });

  it('applies gatekeeperVersion; the flag overrides it', () => {
    const template = fs.readFileSync(path.join(__dirname, '../../samples/gatekeeper/fixed/privileged-containers.yaml'), 'utf8');
    const root = tempDir({ '.polcov.yaml': 'gatekeeperVersion: "3.16"\n', 'privileged.yaml': template });
    const version = (...args: string[]): unknown => JSON.parse(runCli(['scan', root, '-f', 'json', ...args]).out).summary.gatekeeper.version;
    expect(version()).toBe('3.16');
    expect(version('--gatekeeper-version', '3.18')).toBe('3.18');
  });

  it('skips ignored paths, relative to the config file', () => {
    const root = tempDir({ '.polcov.yaml': 'ignore:\n  - "vendor/**"\n  - "*.skip.yaml"\n', 'vendor/gap.yaml': GAP, 'p/gap.skip.yaml': GAP, 'p/hp.yaml': HOST_PROCESS });
    const r = runCli(['scan', root, '-f', 'json']);
    expect(r.code).toBe(0);
    // Left: p/hp.yaml; the config file is never counted.
    expect(JSON.parse(r.out).summary).toMatchObject({ files: 1, policies: 1 });
  });

  it('never counts configuration files or the baseline as scanned files', () => {
    const root = tempDir({ '.polcov.yaml': 'failOn: error\n', 'team/.polcov.yml': 'failOn: never\n', 'strict.yaml': 'failOn: error\n', 'gap.yaml': GAP, 'hp.yaml': HOST_PROCESS });
    const files = (...args: string[]): number => JSON.parse(runCli(['scan', root, '-f', 'json', ...args]).out).summary.files;
    expect(files()).toBe(3);
    expect(files('--config', path.join(root, 'strict.yaml'))).toBe(2);
    const baseline = path.join(root, 'polcov-baseline.json');
    expect(files('--write-baseline', baseline)).toBe(3);
    expect(files('--write-baseline', baseline)).toBe(3);
    expect(files('--baseline', baseline)).toBe(3);
  });

  it('is honoured by the library through AuditOptions', () => {
    const dir = tempDir({ 'gap.yaml': GAP, 'hp.yaml': HOST_PROCESS, 'skip/gap.yaml': GAP });
    const r = audit({ paths: [dir], ruleLevels: { 'ephemeral-containers-unchecked': 'warning' }, ignore: ['skip/**'], ignoreRoot: dir });
    expect(r.findings.map((f) => [f.ruleId, f.severity, path.basename(f.file)])).toEqual([['ephemeral-containers-unchecked', 'warning', 'gap.yaml']]);
  });
});

describe('invalid configuration', () => {
  const fails = (config: string): string => {
    const { root, policies } = repo(config);
    const r = runCli(['scan', policies]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    return r.err.replace(root + path.sep, '');
  };

  it('names the key and the allowed values (exit 2)', () => {
    expect(fails('rules:\n  ephemeral-containers-unchecked: loud\n')).toBe(
      'polcov: .polcov.yaml: rules.ephemeral-containers-unchecked must be one of off, note, warning, error\n',
    );
    expect(fails('failOn: sometimes\n')).toBe('polcov: .polcov.yaml: failOn must be one of error, warning, note, never\n');
  });

  it('rejects unknown keys, unknown rules, wrong types and bad YAML', () => {
    expect(fails('fail-on: error\n')).toBe('polcov: .polcov.yaml: fail-on is not a known key (expected rules, ignore, sets, failOn, kubernetesVersion, gatekeeperVersion, assumeEnforce, failIfNoPolicies, includeTests)\n');
    expect(fails('rules:\n  no-such-rule: off\n')).toBe('polcov: .polcov.yaml: rules.no-such-rule is not a polcov rule (`polcov rules` lists them)\n');
    expect(fails('ignore: vendor\n')).toBe('polcov: .polcov.yaml: ignore must be a list\n');
    expect(fails('kubernetesVersion: banana\n')).toMatch(/^polcov: \.polcov\.yaml: kubernetesVersion "banana" is not valid: The cluster's Kubernetes version/);
    expect(fails('gatekeeperVersion: "1.30"\n')).toMatch(/^polcov: \.polcov\.yaml: gatekeeperVersion "1.30" is not valid: The cluster's Gatekeeper version/);
    expect(fails('rules: [a\n')).toMatch(/^polcov: \.polcov\.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a \]\n$/);
  });

  it('reports YAML errors on one line: file:line:col: message, the position given once', () => {
    expect(fails('rules:\n  ephemeral-containers-unchecked: off\n  ephemeral-containers-unchecked: note\n')).toBe(
      'polcov: .polcov.yaml:3:3: Map keys must be unique\n',
    );
    expect(fails('failOn: b: c\n')).toBe('polcov: .polcov.yaml:1:9: Nested mappings are not allowed in compact mappings\n');
    expect(fails('failOn: *level\n')).toMatch(/^polcov: \.polcov\.yaml: Unresolved alias/);
  });

  it('asks for one YAML document', () => {
    expect(fails('failOn: error\n---\nfailOn: never\n')).toBe('polcov: .polcov.yaml:2:1: must hold one YAML document\n');
    expect(loadConfig(repo('---\nfailOn: never\n').root + '/.polcov.yaml').config).toEqual({ failOn: 'never' });
  });

  it('exports the config file names', () => {
    expect(CONFIG_NAMES).toEqual(['.polcov.yaml', '.polcov.yml']);
    expect(isConfigName('.polcov.yml')).toBe(true);
    expect(isConfigName('polcov.yaml')).toBe(false);
  });

  it('accepts an empty file and a $schema key', () => {
    expect(loadConfig(repo('').root + '/.polcov.yaml').config).toEqual({});
    expect(loadConfig(repo('$schema: ./schema.json\n').root + '/.polcov.yaml').config).toEqual({ $schema: './schema.json' });
  });

  it('ships the schema in the package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.files).toContain('schema');
    expect(fs.existsSync(CONFIG_SCHEMA_PATH)).toBe(true);
  });
});

describe('policy sets', () => {
  const files = {
    'clusters/prod/host-process.yaml': HOST_PROCESS,
    'clusters/prod/privileged.yaml': privilegedPolicy('prod-privileged', ['containers', 'initContainers', 'ephemeralContainers']),
    'clusters/staging/privileged.yaml': privilegedPolicy('staging-privileged', ['containers', 'initContainers', 'ephemeralContainers']),
  };
  const unchecked = (r: { findings: { ruleId: string; file: string }[] }): string[] =>
    r.findings.filter((f) => f.ruleId === 'hostprocess-unchecked').map((f) => path.basename(path.dirname(f.file)));

  it('judge each folder a `sets` glob names on its own', () => {
    const dir = tempDir({ ...files, '.polcov.yaml': 'sets: ["clusters/*"]\n' });
    const run = runCli(['scan', dir, '--format', 'json']);
    expect(run.code).toBe(1);
    expect(unchecked(JSON.parse(run.out))).toEqual(['staging']);
  });

  it('without sets, one cluster\'s HostProcess policy hides the other\'s gap', () => {
    const dir = tempDir(files);
    expect(unchecked(audit({ paths: [dir] }))).toEqual([]);
  });

  it('put a file in the outermost folder a glob matches', () => {
    const setOf = setMatcher(['clusters/*', '*/vulnerable'], '/repo');
    expect(setOf('/repo/clusters/prod/a/b.yaml')).toBe('clusters/prod');
    expect(setOf('/repo/kyverno/vulnerable/p.yaml')).toBe('kyverno/vulnerable');
    expect(setOf('/repo/other/p.yaml')).toBeUndefined();
  });
});
