/** Baselines: recorded without line numbers, so edits that move lines keep matching; new gaps still fail. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBaseline, matchBaseline } from '../../src/baseline';
import { ALL_LISTS, HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { auditFiles, tempDir } from '../helpers';

const GAP = privilegedPolicy('gap', NO_EPHEMERAL);

function project(): { dir: string; baseline: string } {
  const dir = tempDir({ 'policies/gap.yaml': GAP, 'policies/clean.yaml': privilegedPolicy('clean', ALL_LISTS), 'policies/hp.yaml': HOST_PROCESS });
  return { dir, baseline: path.join(dir, 'polcov-baseline.json') };
}

describe('--write-baseline and --baseline', () => {
  it('makes the next scan of samples/ exit 0, counting what matched', () => {
    const baseline = path.join(tempDir({}), 'baseline.json');
    const before = JSON.parse(runCli(['scan', 'samples/', '-f', 'json']).out);
    expect(before.findings.length).toBeGreaterThan(0);
    const written = runCli(['scan', 'samples/', '--write-baseline', baseline, '-f', 'json']);
    expect(written.code).toBe(0);
    expect(written.err).toBe(`polcov: using configuration samples/.polcov.yaml\npolcov: recorded ${before.findings.length} findings in ${baseline}\n`);
    const r = runCli(['scan', 'samples/', '--baseline', baseline, '-f', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.findings).toEqual([]);
    expect(doc.summary.baselined).toBe(before.findings.length);
    expect(doc.errors).toEqual(before.errors);
  });

  it('records file, policy, rule, rule id, control and location with counts, never lines', () => {
    const { dir, baseline } = project();
    runCli(['scan', dir, '--write-baseline', baseline]);
    expect(JSON.parse(fs.readFileSync(baseline, 'utf8'))).toEqual({
      version: 1,
      entries: [
        {
          file: 'policies/gap.yaml',
          policy: { kind: 'ClusterPolicy', name: 'gap' },
          rule: 'privileged-containers',
          ruleId: 'ephemeral-containers-unchecked',
          control: 'privileged',
          location: 'ephemeralContainers',
          count: 1,
        },
      ],
    });
  });

  it('still matches after blank lines are inserted above the policy', () => {
    const { dir, baseline } = project();
    runCli(['scan', dir, '--write-baseline', baseline]);
    fs.writeFileSync(path.join(dir, 'policies/gap.yaml'), `# moved down\n\n\n\n${GAP}`);
    const r = runCli(['scan', dir, '--baseline', baseline]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').pop()).toMatch(/^No findings \(0 errors, 0 warnings, 0 notes\) in 3 policies from \d files; 1 baselined\.$/);
  });

  it('reports a gap added to a baselined policy set', () => {
    const { dir, baseline } = project();
    runCli(['scan', dir, '--write-baseline', baseline]);
    fs.writeFileSync(path.join(dir, 'policies/clean.yaml'), privilegedPolicy('clean', ['containers', 'ephemeralContainers']));
    const r = runCli(['scan', dir, '--baseline', baseline, '-f', 'json']);
    expect(r.code).toBe(0); // init-containers-unchecked is a warning
    expect(runCli(['scan', dir, '--baseline', baseline, '--fail-on', 'warning']).code).toBe(1);
    fs.writeFileSync(path.join(dir, 'policies/new.yaml'), privilegedPolicy('new', NO_EPHEMERAL));
    const doc = JSON.parse(runCli(['scan', dir, '--baseline', baseline, '-f', 'json']).out);
    expect(doc.findings.map((f: { ruleId: string; policy: { name: string } }) => `${f.ruleId} ${f.policy.name}`)).toEqual([
      'init-containers-unchecked clean',
      'ephemeral-containers-unchecked new',
    ]);
    expect(doc.summary.baselined).toBe(1);
  });

  it('reports entries that no longer match as warnings, so the baseline can be pruned', () => {
    const { dir, baseline } = project();
    runCli(['scan', dir, '--write-baseline', baseline]);
    fs.writeFileSync(path.join(dir, 'policies/gap.yaml'), privilegedPolicy('gap', ALL_LISTS));
    const r = runCli(['scan', dir, '--baseline', baseline, '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).errors).toEqual([
      {
        file: baseline,
        line: 0,
        column: 0,
        severity: 'warning',
        message: 'baseline entry no longer matches: ephemeral-containers-unchecked for ClusterPolicy gap rule "privileged-containers" (privileged in ephemeralContainers) in policies/gap.yaml',
      },
    ]);
  });

  it('exits 2 on a file that is not a baseline, or with both flags', () => {
    const { dir, baseline } = project();
    fs.writeFileSync(baseline, '{"entries": 3}');
    expect(runCli(['scan', dir, '--baseline', baseline]).err).toBe(`polcov: ${baseline}: not a polcov baseline (expected {"version": 1, "entries": [...]}, as --write-baseline writes)\n`);
    expect(runCli(['scan', dir, '--baseline', path.join(dir, 'missing.json')]).code).toBe(2);
    expect(runCli(['scan', dir, '--baseline', baseline, '--write-baseline', baseline]).code).toBe(2);
  });
});

describe('matchBaseline', () => {
  it('counts per key: only findings beyond the recorded count are new', () => {
    const r = auditFiles({ 'a.yaml': `${GAP}---\n${GAP}`, 'hp.yaml': HOST_PROCESS });
    expect(r.findings).toHaveLength(2);
    const one = makeBaseline(r.findings.slice(0, 1), r.dir);
    const m = matchBaseline(r.findings, one, r.dir);
    expect(m.matched).toBe(1);
    expect(m.findings).toEqual([r.findings[1]]);
    expect(matchBaseline(r.findings.slice(0, 1), makeBaseline(r.findings, r.dir), r.dir).stale).toEqual([
      { entry: expect.objectContaining({ ruleId: 'ephemeral-containers-unchecked', count: 2 }), missing: 1 },
    ]);
  });
});
