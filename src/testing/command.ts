/** `polcov test [paths]`: run the test suites found under the paths and print the report. */
import { gatekeeperMinor } from '../eval/gatekeeper';
import type { CliIO } from '../scan';
import { TEST_REPORTERS, type TestFormat } from './report';
import { exitCode, runTests } from './run';

export interface TestFlags {
  format?: TestFormat;
  run?: string;
  gatekeeperVersion?: string;
  mutate?: boolean;
}

export function testCommand(paths: string[], flags: TestFlags, io: CliIO): number {
  let run: RegExp | undefined;
  if (flags.run !== undefined) {
    try {
      run = new RegExp(flags.run);
    } catch {
      io.stderr.write(`polcov: --run: not a regular expression: ${flags.run}\n`);
      return 2;
    }
  }
  if (flags.gatekeeperVersion !== undefined && gatekeeperMinor(flags.gatekeeperVersion) === undefined) {
    io.stderr.write(`polcov: --gatekeeper-version: not a Gatekeeper release: ${flags.gatekeeperVersion} (expected e.g. 3.17)\n`);
    return 2;
  }
  const report = runTests({ paths, run, gatekeeperVersion: flags.gatekeeperVersion, mutate: flags.mutate });
  io.stdout.write(TEST_REPORTERS[flags.format ?? 'text'](report));
  for (const e of report.errors) io.stderr.write(`polcov: ${e.file}: ${e.message}\n`);
  // Nothing run is not a pass: a wrong path or a --run that matches nothing would hide every test.
  if (report.suites.length === 0) {
    io.stderr.write(`polcov: ${run ? `no test case matches --run ${flags.run}` : `no test suites found in ${paths.join(', ')}`}\n`);
    return 2;
  }
  return exitCode(report);
}
