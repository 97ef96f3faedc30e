/**
 * The `scan` command behind the CLI: configuration, the audit (plain, against a baseline, or against
 * a git revision), the reports, and the exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit, severityRank, UsageError, type AuditResult } from './audit';
import { applyBaseline, makeBaseline, readBaseline, writeBaseline } from './baseline';
import { applyConfig, findConfig, loadConfig } from './config/load';
import { auditDiff } from './diff';
import { readLimited } from './discover/walk';
import type { Severity } from './facts';
import { planOutputs, type OutputTarget } from './outputs';
import { progressLine } from './progress';
import { writeReproducers } from './proof/reproduce';
import { REPORTERS } from './report';
import { summarySentence } from './report/summary';
import { checkWritable, physicalPath, writeFileAtomic } from './write-file';

export type FailOn = Severity | 'never';

export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** A file descriptor or path to read `-` from. */
  stdin: number | string;
}

export interface ScanSettings {
  paths: string[];
  formats: string[];
  outputs: string[];
  /** Flags win over the config file; absent means "not given". */
  failOn?: FailOn;
  kubernetesVersion?: string;
  gatekeeperVersion?: string;
  maxFileBytes: number;
  /** --color / --no-color; absent: FORCE_COLOR, NO_COLOR, else whether stdout is a terminal. */
  color?: boolean;
  coverage?: boolean;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  diffBase?: string;
  includeTests?: boolean;
  followSymlinks?: boolean;
  /** Report errors only; like `minSeverity: 'error'`. */
  quiet?: boolean;
  /** Report only findings at or above this severity (the exit code still counts every finding). */
  minSeverity?: Severity;
  assumeEnforce?: boolean;
  /** Exit 2 when no policy is found (a wrong path or glob), not 0. */
  failIfNoPolicies?: boolean;
  /** Prove gap findings with witness requests (src/proof). */
  prove?: boolean;
  /** Only confirmed findings count for the exit code (implies prove). */
  requireProof?: boolean;
  /** Write a reproducer per confirmed finding into this folder (implies prove). */
  reproduce?: string;
}

/**
 * The findings a report shows: those at or above `min`. The exit code is computed before, from all
 * of them; the summary keeps the full counts and says how many are not shown.
 */
export function shownAtLeast(result: AuditResult, min: Severity | undefined): AuditResult {
  if (!min || min === 'note') return result;
  const findings = result.findings.filter((f) => severityRank(f.severity) <= severityRank(min));
  return { ...result, findings, summary: { ...result.summary, hidden: { below: min, count: result.findings.length - findings.length } } };
}

/** 0 clean, 1 findings at or above the fail level, 2 input errors (the audit is incomplete). */
export function exitCode(result: AuditResult, failOn: FailOn, requireProof = false): number {
  if (failOn === 'never') return 0;
  if (result.summary.errors > 0) return 2;
  const limit = severityRank(failOn);
  const counts = (f: AuditResult['findings'][number]): boolean => !requireProof || f.evidence?.verdict === 'confirmed';
  return result.findings.some((f) => severityRank(f.severity) <= limit && counts(f)) ? 1 : 0;
}

export function scan(s: ScanSettings, io: CliIO): number {
  const targets = planOutputs(s.formats, s.outputs, Object.keys(REPORTERS));
  if (s.baseline && s.writeBaseline) throw new UsageError('give --baseline or --write-baseline, not both (--write-baseline records the current findings and reports against them)');
  checkOutputs(targets, s);
  if (s.reproduce && fs.existsSync(s.reproduce)) throw new UsageError(`--reproduce ${s.reproduce}: the folder already exists; name a new one`);
  const configFile = s.config ?? findConfig(s.paths);
  const loaded = configFile ? loadConfig(configFile) : undefined;
  // A configuration changes what fails the scan: always say which one applied.
  if (loaded) io.stderr.write(`polcov: using configuration ${loaded.file}\n`);
  const config = loaded?.config ?? {};
  const baseline = s.baseline ? { file: s.baseline, entries: readBaseline(s.baseline) } : undefined;

  const toStdout = targets.find((t) => !t.file);
  // Progress only where a person watches, never mixed into a machine-read stdout.
  const showProgress = Boolean(io.stderr.isTTY) && (!toStdout || toStdout.format === 'text');
  const options = applyConfig(
    {
      paths: s.paths,
      // Read no further than the limit: an endless stream (/dev/zero) becomes one error, not exhausted memory.
      ...(s.paths.includes('-') ? { stdin: readLimited(io.stdin, s.maxFileBytes) } : {}),
      ...(s.kubernetesVersion ? { kubernetesVersion: s.kubernetesVersion } : {}),
      ...(s.gatekeeperVersion ? { gatekeeperVersion: s.gatekeeperVersion } : {}),
      maxFileBytes: s.maxFileBytes,
      ...(s.includeTests ? { includeTests: true } : {}),
      ...(s.followSymlinks ? { followSymlinks: true } : {}),
      ...(s.assumeEnforce ? { assumeEnforce: true } : {}),
      ...(s.prove || s.requireProof || s.reproduce ? { prove: true } : {}),
      ...(showProgress ? { onProgress: progressLine(io.stderr) } : {}),
    },
    loaded,
    [s.baseline, s.writeBaseline],
  );

  let result = s.diffBase ? auditDiff(options, s.diffBase) : audit(options);
  if (baseline) result = applyBaseline(result, baseline.entries, baseline.file);
  if (s.writeBaseline) {
    const written = makeBaseline(result.findings, path.dirname(path.resolve(s.writeBaseline)));
    writeBaseline(s.writeBaseline, written);
    io.stderr.write(`polcov: recorded ${result.findings.length} findings in ${s.writeBaseline}\n`);
    result = applyBaseline(result, written, s.writeBaseline);
  }

  if (s.reproduce) {
    const written = writeReproducers(s.reproduce, result.witnesses ?? new Map());
    io.stderr.write(`polcov: wrote ${written.length} reproducer${written.length === 1 ? '' : 's'} (confirmed findings) into ${s.reproduce}\n`);
  }
  const failOn = s.failOn ?? config.failOn ?? 'error';
  let code = exitCode(result, failOn, s.requireProof);
  if (result.summary.policies === 0) {
    io.stderr.write(`polcov: no policies found in ${s.paths.join(' ')}\n`);
    if (s.failIfNoPolicies ?? config.failIfNoPolicies) code = 2;
  }
  const shown = shownAtLeast(result, s.quiet ? 'error' : s.minSeverity);
  for (const t of targets) {
    const color = t.format === 'text' && !t.file && wantsColor(s.color, io.stdout.isTTY);
    const fullReport = targets.find((o) => o.file && o !== t)?.file ?? ciRunUrl();
    const report = REPORTERS[t.format]!(shown, { color, failOn, ...(fullReport ? { fullReport } : {}), ...(s.coverage !== undefined ? { coverage: s.coverage } : {}) });
    if (t.file) writeFileAtomic(t.file, report);
    else io.stdout.write(report);
  }
  // Every report went to a file: the log still says what was found.
  if (targets.every((t) => t.file)) io.stderr.write(`polcov: ${summarySentence(shown)}\n`);
  return code;
}

/** A flag wins; then FORCE_COLOR (as Node and chalk read it: "0" or "false" turns colour off), then NO_COLOR, then a terminal. */
export function wantsColor(flag: boolean | undefined, isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  return Boolean(isTTY);
}

/** The page of the CI run that holds the full report (GitHub Actions, GitLab CI), for reports that are cut short. */
function ciRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  return env.CI_JOB_URL;
}

/**
 * Before any work: no file is given to two outputs, or is both read and written (the baseline
 * compared against, the configuration), and every output can be written.
 */
function checkOutputs(targets: OutputTarget[], s: ScanSettings): void {
  const writes = [
    ...targets.flatMap((t) => (t.file ? [{ file: t.file, what: `--output ${t.format}` }] : [])),
    ...(s.writeBaseline ? [{ file: s.writeBaseline, what: '--write-baseline' }] : []),
  ];
  const reads = [...(s.baseline ? [{ file: s.baseline, what: '--baseline' }] : []), ...(s.config ? [{ file: s.config, what: '--config' }] : [])];
  const claimed = new Map<string, string>();
  for (const { file, what } of [...reads, ...writes]) {
    const key = physicalPath(file);
    const other = claimed.get(key);
    if (other) throw new UsageError(`${file} is given to both ${other} and ${what}: give each its own file`);
    claimed.set(key, what);
  }
  checkWritable(writes.map((w) => w.file));
}
