/**
 * What a reviewer sees first: the target version once, counts per rule (errors first), copies of one
 * policy shown once; --quiet and --min-severity restrict what is printed, never the exit code;
 * --assume-enforce judges Audit policies as enforced and says so once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { where } from '../engines/cel/fixtures';
import { tempDir, yaml } from '../helpers';

/** Enforced, checks containers and initContainers only: one error and a HostProcess error. */
const ENFORCED = privilegedPolicy('no-privileged', NO_EPHEMERAL);

/** Audit mode, checks containers only: an enforcement note, an init warning and an ephemeral error. */
const AUDITED = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: read-only-root
  spec:
    validationFailureAction: Audit
    rules:
      - name: read-only
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          message: m
          pattern:
            spec:
              containers:
                - =(securityContext):
                    =(readOnlyRootFilesystem): "true"
`;

const FINDING_LINE = /^(\S+):(\d+):(\d+) {2}(error|warning|note) +([a-z-]+) {2}/gm;
const listed = (out: string): string[] => [...out.matchAll(FINDING_LINE)].map((m) => `${path.basename(m[1]!)}:${m[2]}:${m[3]} ${m[4]} ${m[5]}`);

describe('the text report opens with the target version and counts per rule', () => {
  it('prints the version once, then errors, warnings and notes per rule, then the details', () => {
    const dir = tempDir({ 'enforced.yaml': ENFORCED, 'audited.yaml': AUDITED });
    const run = runCli(['scan', dir, '--no-coverage']);
    expect(run.code).toBe(1);
    const lines = run.out.split('\n');
    expect(lines[0]).toBe("Target: Kubernetes 1.34, the newest polcov knows (name your cluster's with --kubernetes-version).");
    expect(run.out.match(/Target: Kubernetes/g)).toHaveLength(1);
    const screen = lines.slice(2, lines.indexOf('', 2)).map((l) => l.replace(/ {2,}/g, '  ').replace(/  [A-Z].*$/, ''));
    expect(screen).toEqual([
      '3 errors',
      '  2  ephemeral-containers-unchecked',
      '  1  hostprocess-unchecked',
      '1 warning',
      '  1  init-containers-unchecked',
      '1 note',
      '  1  enforcement-not-blocking',
    ]);
    // The details follow the first screen.
    expect(run.out.indexOf('1 note')).toBeLessThan(run.out.search(FINDING_LINE));
  });

  it('names the version that was given, without the hint', () => {
    const run = runCli(['scan', tempDir({ 'enforced.yaml': ENFORCED }), '--kubernetes-version', '1.30']);
    expect(run.out.split('\n')[0]).toBe('Target: Kubernetes 1.30.');
  });
});

describe('--quiet and --min-severity', () => {
  const dir = tempDir({ 'enforced.yaml': ENFORCED, 'audited.yaml': AUDITED });
  const all = listed(runCli(['scan', dir]).out);

  it.each([
    [['--quiet'], ['error']],
    [['-q'], ['error']],
    [['--min-severity', 'error'], ['error']],
    [['--min-severity', 'warning'], ['error', 'warning']],
    [['--min-severity', 'note'], ['error', 'warning', 'note']],
  ])('%j prints only %j, with the exit code of the whole scan', (flags, severities) => {
    const run = runCli(['scan', dir, ...flags]);
    expect(run.code).toBe(1);
    expect(listed(run.out)).toEqual(all.filter((l) => severities.includes(l.split(' ')[1]!)));
    const hidden = all.length - listed(run.out).length;
    if (hidden > 0) expect(run.out).toContain(`; ${hidden} below ${severities[severities.length - 1] === 'error' ? 'error' : 'warning'} not shown.`);
  });

  it('the exit code still counts hidden findings: --fail-on warning with --quiet', () => {
    const enforced = AUDITED.replace('Audit', 'Enforce').replace(/^( +)containers:\n((?:.*\n)+)/m, (_m, indent: string, rest: string) => `${indent}=(ephemeralContainers):\n${rest}${indent}containers:\n${rest}`);
    const warnOnly = tempDir({ 'audited.yaml': enforced, '.polcov.yaml': 'rules:\n  hostprocess-unchecked: off\n' });
    expect(listed(runCli(['scan', warnOnly]).out).map((l) => l.split(' ')[1])).toEqual(['warning']);
    const quiet = runCli(['scan', warnOnly, '--quiet', '--fail-on', 'warning']);
    expect(listed(quiet.out)).toEqual([]);
    expect(quiet.out).toContain('No findings shown (0 errors, 1 warning, 0 notes) in 1 policy from 1 file; 1 below error not shown.');
    expect(quiet.code).toBe(1);
  });

  it('applies to JSON too, whose summary keeps the full counts', () => {
    const json = JSON.parse(runCli(['scan', dir, '--quiet', '-f', 'json']).out) as { findings: { severity: string }[]; summary: { findings: Record<string, number>; hidden: unknown } };
    expect(new Set(json.findings.map((f) => f.severity))).toEqual(new Set(['error']));
    expect(json.summary.findings).toEqual({ error: 3, warning: 1, note: 1 });
    expect(json.summary.hidden).toEqual({ below: 'error', count: 2 });
  });
});

describe('--assume-enforce', () => {
  it('judges Audit policies as enforced, says so once, and leaves no per-policy enforcement notes', () => {
    const dir = tempDir({ 'audited.yaml': AUDITED });
    const plain = runCli(['scan', dir, '-f', 'json']);
    const plainIds = (JSON.parse(plain.out) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
    expect(plainIds).toContain('enforcement-not-blocking');
    const assumed = runCli(['scan', dir, '--assume-enforce']);
    expect(assumed.out.split('\n')[1]).toBe('Every policy is judged as if enforced (--assume-enforce): 1 policy that only audit or warn count as blocking.');
    expect(listed(assumed.out).map((l) => l.split(' ')[2])).not.toContain('enforcement-not-blocking');
    // Its gaps are still reported, now as gaps of an enforced policy.
    expect(listed(assumed.out).map((l) => l.split(' ')[2])).toContain('ephemeral-containers-unchecked');
  });

  it('is a .polcov.yaml key too', () => {
    const dir = tempDir({ 'audited.yaml': AUDITED, '.polcov.yaml': 'assumeEnforce: true\n' });
    expect(runCli(['scan', dir]).out).toContain('(--assume-enforce): 1 policy that only audit or warn count as blocking.');
  });

  it('never enforces what an exception, a removal or a typo keeps from blocking', () => {
    const typo = AUDITED.replace('Audit', 'Enforced');
    const r = audit({ paths: [tempDir({ 'typo.yaml': typo })], assumeEnforce: true });
    expect(r.summary.assumedEnforced).toBe(0);
    expect(r.policies[0]!.rules[0]!.enforcement.blocking).toBe(false);
  });
});

describe('copies of one policy', () => {
  const copies = ['library/a/policy.yaml', 'artifacthub/1.0.0/policy.yaml', 'artifacthub/1.0.1/policy.yaml'];

  it('are shown once in text and Markdown, once per file in JSON and SARIF', () => {
    const dir = tempDir(Object.fromEntries(copies.map((c) => [c, ENFORCED])));
    fs.writeFileSync(path.join(dir, '.polcov.yaml'), 'sets: ["library/*", "artifacthub/*"]\n');
    const text = runCli(['scan', dir, '--no-coverage']).out;
    const ephemeral = listed(text).filter((l) => l.endsWith('ephemeral-containers-unchecked'));
    expect(ephemeral).toHaveLength(1);
    expect(text).toMatch(/\n {4}same in 2 more files: \S*artifacthub\/1\.0\.1\/policy\.yaml, \S*library\/a\/policy\.yaml\n/);
    const md = runCli(['scan', dir, '-f', 'markdown']).out;
    expect(md.match(/`ephemeral-containers-unchecked`/g)).toHaveLength(1);
    expect(md).toContain('same in 2 more files: ');
    const json = JSON.parse(runCli(['scan', dir, '-f', 'json']).out) as { findings: { ruleId: string }[] };
    expect(json.findings.filter((f) => f.ruleId === 'ephemeral-containers-unchecked')).toHaveLength(3);
    const sarif = JSON.parse(runCli(['scan', dir, '-f', 'sarif']).out) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs[0]!.results.filter((f) => f.ruleId === 'ephemeral-containers-unchecked')).toHaveLength(3);
  });

  it('a finding that differs in anything but the file is not a copy', () => {
    const other = ENFORCED.replace('name: no-privileged', 'name: no-privileged-2');
    const dir = tempDir({ 'a.yaml': ENFORCED, 'b.yaml': other });
    const at = where(ENFORCED, 'containers:');
    expect(listed(runCli(['scan', dir]).out).filter((l) => l.endsWith('ephemeral-containers-unchecked'))).toEqual([
      `a.yaml:${at.line}:${at.column} error ephemeral-containers-unchecked`,
      `b.yaml:${at.line}:${at.column} error ephemeral-containers-unchecked`,
    ]);
  });
});
