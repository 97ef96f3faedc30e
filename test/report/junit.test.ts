/**
 * JUnit in the Jenkins/Surefire format: counts are of test cases (tests >= failures + errors +
 * skipped), a finding below --fail-on fails no test, and only the attributes those readers accept
 * (checked by xmllint against test/report/junit.xsd, written from their documented format).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classname } from '../../src/report/junit';
import { ALL_LISTS, HOST_PROCESS, itWithTool, junitSchemaErrors, junitSuites, privilegedPolicy, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const CORPUS = path.join(__dirname, '..', '..', '..', 'shared', 'corpus');

/** gap.yaml: an error (ephemeral) and a warning (init) on one policy; clean.yaml none; broken.yaml unanalyzable. */
function policies(): string {
  return tempDir({
    'gap.yaml': privilegedPolicy('gap', ['containers']),
    'clean.yaml': privilegedPolicy('clean', ALL_LISTS),
    'hp.yaml': HOST_PROCESS,
    'broken.yaml': 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: [\n',
  });
}

describe('JUnit', () => {
  it('counts failing test cases, not findings: one policy with two findings is one failure', () => {
    const dir = policies();
    const out = runCli(['scan', dir, '-f', 'junit', '--fail-on', 'warning']).out;
    expect(out).toMatch(/<testsuites name="polcov" tests="4" failures="2" errors="0">/);
    const gap = junitSuites(out).find((s) => s.name === path.join(dir, 'gap.yaml'))!;
    expect(gap).toMatchObject({ tests: 1, failures: 1, errors: 0, skipped: 0, cases: { tests: 1, failures: 1, errors: 0, skipped: 0 } });
    expect(out).toContain('<failure message="2 findings: ephemeral-containers-unchecked, init-containers-unchecked" type="ephemeral-containers-unchecked">');
  });

  it('makes a file`s input errors one test in error', () => {
    const suites = junitSuites(runCli(['scan', policies(), '-f', 'junit', '--max-file-size', '100']).out);
    expect(suites).toHaveLength(4);
    // Every file but broken.yaml (66 bytes) is over the limit.
    for (const s of suites.filter((x) => !x.name.endsWith('broken.yaml'))) {
      expect(s).toMatchObject({ errors: 1, cases: { errors: 1 } });
      expect(s.tests).toBe(s.cases.tests);
    }
  });

  it('fails no test for a finding below --fail-on: it goes to the test case output', () => {
    const dir = policies();
    const out = runCli(['scan', dir, '-f', 'junit']).out; // --fail-on error: the init-containers warning passes
    expect(out).toContain('<failure message="ClusterPolicy gap rule &quot;privileged-containers&quot; checks privileged in containers but not in ephemeralContainers');
    expect(out).toMatch(/<system-out>[^<]*gap\.yaml:17:13: warning init-containers-unchecked/);
    const never = runCli(['scan', dir, '-f', 'junit', '--fail-on', 'never']);
    expect(never.code).toBe(0);
    expect(never.out).not.toContain('<failure');
    expect(never.out).toMatch(/gap\.yaml:17:13: error ephemeral-containers-unchecked/);
  });

  it('names each test case`s class after its file without the extension, folders as packages', () => {
    expect(classname('policies/pod-security/disallow-privileged.yaml')).toBe('policies.pod-security.disallow-privileged');
    expect(classname('./v1.2/a.b.yml')).toBe('v1_2.a_b');
    expect(classname('/abs/p.json')).toBe('abs.p');
    expect(classname('<stdin>')).toBe('_stdin_');
  });

  it('lists documents skipped as no policy as skipped tests', () => {
    const dir = tempDir({ 'partial.yaml': 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: partial\n' });
    const [suite] = junitSuites(runCli(['scan', dir, '-f', 'junit']).out);
    expect(suite).toMatchObject({ tests: 1, skipped: 1, cases: { tests: 1, skipped: 1 } });
  });

  itWithTool('xmllint', 'libxml2-utils')('validates against the Jenkins/Surefire schema with xmllint', () => {
    // The schema does reject what those readers reject: file and line attributes on a test case.
    expect(junitSchemaErrors('<testsuites><testsuite name="a" tests="1"><testcase name="p" file="a.yaml" line="2"/></testsuite></testsuites>')).toMatch(/attribute 'file' is not allowed/);
    expect(junitSchemaErrors(runCli(['scan', policies(), '-f', 'junit']).out)).toBe('');
    expect(junitSchemaErrors(runCli(['scan', 'samples/', '-f', 'junit']).out)).toBe('');
  });

  itWithTool('xmllint', 'libxml2-utils')('validates on the whole corpus, every suite with tests >= failures + errors + skipped', () => {
    if (!fs.existsSync(CORPUS)) return console.warn(`skipped: the corpus ${CORPUS} is absent`);
    const out = runCli(['scan', CORPUS, '-f', 'junit']).out;
    expect(junitSchemaErrors(out)).toBe('');
    const suites = junitSuites(out);
    expect(suites.length).toBeGreaterThan(100);
    const inconsistent = suites.filter((s) => s.tests < s.failures + s.errors + s.skipped || s.tests !== s.cases.tests || s.failures !== s.cases.failures || s.errors !== s.cases.errors || s.skipped !== s.cases.skipped);
    expect(inconsistent).toEqual([]);
  });
});
