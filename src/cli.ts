#!/usr/bin/env node
/** The polcov command line: parse flags, run the scan (src/scan.ts), return the exit code. */
import { setFlagsFromString } from 'node:v8';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MAX_FILE_BYTES, LATEST_GATEKEEPER_MINOR, LATEST_MINOR, UsageError } from './audit';
import { REPORTERS } from './report';
import { docFile, docUrl, ruleEngines, RULES } from './rules';
import { scan, type CliIO, type FailOn } from './scan';
import type { Severity } from './facts';
import { VERSION } from './version';
import type * as TestingCommand from './testing/command';
import type { TestFlags } from './testing/command';
import { TEST_FORMATS } from './testing/report';
import { NEWEST_GATEKEEPER } from './eval/gatekeeper/newest';

/** An empty value (an unset CI variable) would silently switch the option off. */
function nonEmpty(v: string): string {
  if (v.trim() === '') throw new InvalidArgumentError('must not be empty');
  return v;
}

/** File system failures (an output folder that does not exist, a folder given as stdin) in plain words. */
function fileProblem(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent is not a directory',
    EACCES: 'permission denied',
  };
  const reason = err.code ? reasons[err.code] : undefined;
  return reason && `${err.syscall === 'open' || err.syscall === 'read' ? 'cannot use' : 'cannot access'} ${err.path ?? 'standard input'}: ${reason}`;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number of bytes');
  return n;
}

/** For options that may repeat: each value is checked against `choices` and collected. */
function collect(choices?: readonly string[]) {
  return (v: string, previous: string[] | undefined): string[] => {
    if (choices && !choices.includes(v)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return [...(previous ?? []), v];
  };
}

interface ScanFlags {
  format?: string[];
  output?: string[];
  failOn?: FailOn;
  kubernetesVersion?: string;
  gatekeeperVersion?: string;
  maxFileSize: number;
  color?: boolean;
  coverage?: boolean;
  failIfNoPolicies?: boolean;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  diffBase?: string;
  includeTests?: boolean;
  followSymlinks?: boolean;
  quiet?: boolean;
  minSeverity?: Severity;
  assumeEnforce?: boolean;
  prove?: boolean;
  requireProof?: boolean;
  reproduce?: string;
}

function rulesText(): string {
  const width = Math.max(...RULES.map((r) => r.meta.id.length));
  return RULES.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.summary}  ${docFile(r.meta.id)}\n`).join('');
}

function rulesJson(): string {
  const rules = RULES.map(({ meta }) => ({ id: meta.id, severity: meta.severity, summary: meta.summary, engines: ruleEngines(meta.id), doc: docUrl(meta.id), docFile: docFile(meta.id) }));
  return JSON.stringify(rules, null, 2) + '\n';
}

export function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: 0 }): number {
  let code = 0;
  const program = new Command()
    .name('polcov')
    .description('Audit Kubernetes admission policies for ephemeral-container and Windows HostProcess bypasses')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('scan')
    .description('scan policy files and folders ("-" reads a manifest stream from stdin)')
    .argument('[paths...]', 'files or folders to scan', ['.'])
    .addOption(
      new Option('-f, --format <format>', 'output format; repeat it to write several (default: text)')
        .choices(Object.keys(REPORTERS))
        .argParser(collect(Object.keys(REPORTERS))),
    )
    .option('-o, --output <[format=]file>', 'write a report to a file: FILE for the only format, FORMAT=FILE for one of several (repeatable)', collect())
    .addOption(new Option('--fail-on <level>', 'lowest severity that makes the exit code 1 (default: error, or failOn in .polcov.yaml)').choices(['error', 'warning', 'note', 'never']))
    .option('--kubernetes-version <version>', `Kubernetes version the cluster runs, e.g. 1.30 (default: the newest polcov knows, 1.${LATEST_MINOR})`)
    .option('--gatekeeper-version <version>', `Gatekeeper version the cluster runs, e.g. 3.16: decides whether the CEL or the Rego half of a template counts (default: the newest polcov knows, 3.${LATEST_GATEKEEPER_MINOR})`)
    .option('--max-file-size <bytes>', 'skip files larger than this, with an error', positiveInt, DEFAULT_MAX_FILE_BYTES)
    .option('--color', 'colour the text output even when stdout is no terminal (also FORCE_COLOR=1)')
    .option('--no-color', 'never colour the text output (also NO_COLOR=1)')
    .option('--coverage', 'print the coverage matrix in text output (default when more than one policy is scanned)')
    .option('--no-coverage', 'never print the coverage matrix')
    .option('--config <file>', 'configuration file (default: the nearest .polcov.yaml or .polcov.yml at or above the first path)', nonEmpty)
    .option('--baseline <file>', 'report only findings beyond those recorded in this baseline', nonEmpty)
    .option('--write-baseline <file>', 'record the current findings in a baseline file (later scans report only new ones)', nonEmpty)
    .option('--diff-base <git-ref>', 'report only findings the working tree adds to the policy set at this git revision', nonEmpty)
    .option('--include-tests', 'also read test material (.chainsaw-test/, .kyverno-test/, chainsaw tests, gator suite objects) as policies (default: includeTests in .polcov.yaml, else no)')
    .option('--follow-symlinks', 'follow symbolic links that lead outside the scanned paths (default: report each, do not follow)')
    .option('-q, --quiet', 'report errors only (same as --min-severity error); the exit code is unchanged')
    .addOption(new Option('--min-severity <level>', 'report only findings at or above this severity; the exit code is unchanged').choices(['error', 'warning', 'note']))
    .option('--assume-enforce', 'judge every policy as if enforced (for libraries shipped in Audit mode; also assumeEnforce in .polcov.yaml)')
    .option('--prove', 'prove gap findings: evaluate a witness request (kubectl debug UPDATE, HostProcess pod, init container) on the whole policy set and mark each finding confirmed, refuted or unconfirmed')
    .option('--require-proof', 'only confirmed findings count for the exit code (implies --prove)')
    .option('--reproduce <dir>', 'write, per confirmed finding, the manifests, AdmissionReview requests and a reproduce.sh for a test cluster into this new folder (implies --prove)', nonEmpty)
    .option('--fail-if-no-policies', 'exit 2 when no policy is found, e.g. a wrong path or glob (also failIfNoPolicies in .polcov.yaml)')
    .action((paths: string[], flags: ScanFlags) => {
      const { format = [], output = [], maxFileSize, ...rest } = flags;
      code = scan({ ...rest, paths, formats: format, outputs: output, maxFileBytes: maxFileSize }, io);
    });

  program
    .command('test')
    .description('run policy test suites (gator Suite files, OPA *_test.rego) by evaluating the policies')
    .argument('[paths...]', 'files or folders holding the suites', ['.'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(TEST_FORMATS).default('text'))
    .option('--run <regex>', 'run only the cases whose suite/test/case path matches', nonEmpty)
    .option('--gatekeeper-version <version>', `Gatekeeper release whose engine runs dual-engine templates (default: ${NEWEST_GATEKEEPER}, CEL since 3.17)`, nonEmpty)
    .option('--mutate', 'also send each denied pod case as an attacker would (kubectl debug UPDATE, init container, HostProcess at the other level); an admitted variant is a bypass (exit 1)')
    .action((paths: string[], flags: TestFlags) => {
      // The evaluators (cel-js, the Rego interpreter) load only for `polcov test`.
      code = (require('./testing/command') as typeof TestingCommand).testCommand(paths, flags, io);
    });

  program
    .command('rules')
    .description('list the finding rules')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(({ format }: { format: 'text' | 'json' }) => {
      io.stdout.write(format === 'json' ? rulesJson() : rulesText());
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message: string };
    // Help asked for is success; help shown because no command was given is a usage error.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err.code?.startsWith('commander.')) return 2;
    io.stderr.write(`polcov: ${e instanceof UsageError ? err.message : fileProblem(e) ?? `internal error: ${err.message}`}\n`);
    return 2;
  }
  return code;
}

if (require.main === module) {
  // Between full collections V8 lets the heap grow to up to four times what was live; a scan's live
  // data is small beside the garbage its parsing leaves, so that factor decided its peak memory.
  // 1.3 costs a few more, short, collections (V8 reads the flag at each one, so setting it here works).
  setFlagsFromString('--heap-growing-percent=30');
  // V8 optimises a function once it has run 66 KB of bytecode; in a run of seconds most of that
  // optimising (on the second core, which parsing and collecting would use) is spent on code that
  // is hardly run again. Eight times the budget leaves only the truly hot code to the optimiser:
  // measured in docs/performance.md (round five), a scan and `polcov test` take less CPU and less time.
  setFlagsFromString('--interrupt-budget=540672');
  // A reader that has seen enough (`polcov scan | head`) closes the pipe: the output ends there, and
  // the exit code still says what was found.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit();
  });
  process.exitCode = main(process.argv.slice(2));
}
