#!/usr/bin/env node
/** The polcov command line: parse flags, call audit(), pick a reporter, set the exit code. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { audit, DEFAULT_MAX_FILE_BYTES, severityRank, UsageError, type AuditResult } from './audit';
import type { Severity } from './facts';
import { REPORTERS } from './report';
import { docsPath, RULES } from './rules';
import { VERSION } from './version';

export type FailOn = Severity | 'never';

/** 0 clean, 1 findings at or above the fail level, 2 input errors (the audit is incomplete). */
export function exitCode(result: AuditResult, failOn: FailOn): number {
  if (failOn === 'never') return 0;
  if (result.summary.errors > 0) return 2;
  const limit = severityRank(failOn);
  return result.findings.some((f) => severityRank(f.severity) <= limit) ? 1 : 0;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number of bytes');
  return n;
}

interface ScanFlags {
  format: string;
  output?: string;
  failOn: FailOn;
  kubernetesVersion?: string;
  maxFileSize: number;
  color?: boolean;
}

export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  /** A file descriptor or path to read `-` from. */
  stdin: number | string;
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
    .addOption(new Option('-f, --format <format>', 'output format').choices(Object.keys(REPORTERS)).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <level>', 'lowest severity that makes the exit code 1').choices(['error', 'warning', 'note', 'never']).default('error'))
    .option('--kubernetes-version <version>', 'Kubernetes version the cluster runs, e.g. 1.30 (default: latest)')
    .option('--max-file-size <bytes>', 'skip files larger than this, with an error', positiveInt, DEFAULT_MAX_FILE_BYTES)
    .option('--no-color', 'never colour the text output')
    .action((paths: string[], flags: ScanFlags) => {
      const stdin = paths.includes('-') ? readFileSync(io.stdin) : undefined;
      const result = audit({
        paths,
        ...(stdin ? { stdin } : {}),
        ...(flags.kubernetesVersion ? { kubernetesVersion: flags.kubernetesVersion } : {}),
        maxFileBytes: flags.maxFileSize,
      });
      const toTerminal = !flags.output && Boolean(io.stdout.isTTY);
      const color = flags.color !== false && toTerminal && !process.env.NO_COLOR;
      const report = REPORTERS[flags.format]!(result, { color });
      if (flags.output) writeFileSync(flags.output, report);
      else io.stdout.write(report);
      code = exitCode(result, flags.failOn);
    });

  program
    .command('rules')
    .description('list the finding rules')
    .action(() => {
      const width = Math.max(...RULES.map((r) => r.meta.id.length));
      for (const r of RULES) io.stdout.write(`${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.summary}  (${docsPath(r.meta.id)})\n`);
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return 2;
    io.stderr.write(`polcov: ${e instanceof UsageError ? err.message : `internal error: ${err.message}`}\n`);
    return 2;
  }
  return code;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
