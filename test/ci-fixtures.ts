/** Fixtures and a CLI runner shared by the CI-integration tests (reports, config, baselines, suppressions, diff). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli';
import { tempDir, yaml } from './helpers';

type List = 'containers' | 'initContainers' | 'ephemeralContainers';

/** A Kyverno ClusterPolicy that forbids privileged containers in the given lists only. */
export function privilegedPolicy(name: string, lists: List[]): string {
  const entry = (l: List): string[] => [`        ${l === 'containers' ? l : `=(${l})`}:`, '          - =(securityContext):', '              =(privileged): "false"'];
  return [
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  validationFailureAction: Enforce',
    '  rules:',
    '    - name: privileged-containers',
    '      match:',
    '        any:',
    '          - resources:',
    '              kinds: [Pod]',
    '      validate:',
    '        message: Privileged mode is not allowed.',
    '        pattern:',
    '          spec:',
    ...lists.flatMap((l) => entry(l).map((line) => `    ${line}`)),
    '',
  ].join('\n');
}

/** Blocks hostProcess at the pod level and in every list: keeps the set-level HostProcess rules quiet. */
export const HOST_PROCESS = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: disallow-host-process
  spec:
    validationFailureAction: Enforce
    rules:
      - name: host-process
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          message: HostProcess containers are not allowed.
          pattern:
            spec:
              =(securityContext):
                =(windowsOptions):
                  =(hostProcess): "false"
              =(ephemeralContainers):
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
              =(initContainers):
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
              containers:
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
`;

export const ALL_LISTS: List[] = ['containers', 'initContainers', 'ephemeralContainers'];
export const NO_EPHEMERAL: List[] = ['containers', 'initContainers'];

class Capture extends Writable {
  text = '';
  constructor(public isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface Run {
  code: number;
  out: string;
  err: string;
}

export function runCli(args: string[], opts: { stdin?: string; stdoutTTY?: boolean; stderrTTY?: boolean } = {}): Run {
  const stdout = new Capture(opts.stdoutTTY);
  const stderr = new Capture(opts.stderrTTY);
  let stdin: string | number = 0;
  if (opts.stdin !== undefined) {
    stdin = path.join(tempDir({}), 'stdin');
    fs.writeFileSync(stdin, opts.stdin);
  }
  const code = main(args, { stdout, stderr, stdin });
  return { code, out: stdout.text, err: stderr.text };
}

/**
 * `it` for a test that needs an outside program, else `it.skip` with a warning that names the
 * package to install (.ci/run installs them).
 */
export function itWithTool(command: string, pkg: string): jest.It {
  if (spawnSync(command, ['--version']).error === undefined) return it;
  console.warn(`skipping the tests that need ${command}: it is not installed (apt-get install ${pkg}; .ci/run installs it)`);
  return it.skip;
}

/** xmllint's complaints about a JUnit report, checked against the Jenkins/Surefire schema in test/report/junit.xsd ('' when valid). */
export function junitSchemaErrors(xml: string): string {
  const r = spawnSync('xmllint', ['--noout', '--schema', path.join(__dirname, 'report', 'junit.xsd'), '-'], { input: xml, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Counted from the test cases themselves. */
  cases: { tests: number; failures: number; errors: number; skipped: number };
}

/** Each testsuite's counts as declared and as its test cases add up. */
export function junitSuites(xml: string): JunitSuite[] {
  return [...xml.matchAll(/<testsuite ([^>]*)>([\s\S]*?)<\/testsuite>/g)].map(([, attrs, body]) => {
    const attr = (name: string): string => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs!)?.[1] ?? '';
    const cases = [...body!.matchAll(/<testcase [^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => m[1] ?? '');
    return {
      name: attr('name'),
      tests: +attr('tests'),
      failures: +attr('failures'),
      errors: +attr('errors'),
      skipped: +attr('skipped'),
      cases: {
        tests: cases.length,
        failures: cases.filter((c) => c.includes('<failure')).length,
        errors: cases.filter((c) => c.includes('<error')).length,
        skipped: cases.filter((c) => c.includes('<skipped')).length,
      },
    };
  });
}

/** The errors and warnings Microsoft's SARIF Multitool (`validate`, npm @microsoft/sarif-multitool) finds in a log. */
export function sarifMultitoolProblems(sarif: string): string[] {
  const dir = tempDir({ 'report.sarif': sarif });
  const out = path.join(dir, 'validation.sarif');
  const tool = require.resolve('@microsoft/sarif-multitool/bin.js');
  const r = spawnSync(process.execPath, [tool, 'validate', path.join(dir, 'report.sarif'), '--output', out, '--level', 'Error', 'Warning'], { encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`sarif-multitool failed (${r.status}): ${r.stdout}${r.stderr}`);
  const results = (JSON.parse(fs.readFileSync(out, 'utf8')) as { runs: { results?: { ruleId: string; level: string; message: { text?: string; arguments?: string[] } }[] }[] }).runs[0]!.results ?? [];
  return results.map((x) => `${x.level} ${x.ruleId}: ${x.message.text ?? (x.message.arguments ?? []).join(' ')}`);
}
