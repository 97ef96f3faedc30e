/**
 * `polcov test` as a library: find the test files under the given paths, load each with the format
 * that recognises it, run the cases `--run` selects. A suite that cannot be read is reported and the
 * others still run.
 */
import { DEFAULT_MAX_FILE_BYTES } from '../audit';
import { listFiles, readSource } from '../discover/walk';
import type { ScanError } from '../facts';
import { SUITE_FORMATS } from './formats';
import { mutateCases, type MutationReport, type RanCase } from './mutate';
import type { CaseResult, LoadedSuite, RunSettings, SuiteCase, SuiteError } from './suite-format';

export interface TestOptions extends RunSettings {
  paths: string[];
  /** Only cases whose suite/test/case path matches. */
  run?: RegExp;
  /** Also try the attacker's variants of every denied pod case (`--mutate`). */
  mutate?: boolean;
}

export interface CaseReport extends CaseResult {
  name: string;
  path: string;
  file: string;
  line: number;
}

export interface SuiteReport {
  format: string;
  name: string;
  file: string;
  cases: CaseReport[];
  error?: SuiteError;
}

export interface TestReport {
  suites: SuiteReport[];
  /** Files that could not be listed or read. */
  errors: ScanError[];
  totals: { suites: number; cases: number; passed: number; failed: number; errored: number; brokenSuites: number };
  /** With `--mutate`: the variants of the denied cases and what the policies did with them. */
  mutations?: MutationReport;
}

/** A case that throws is an error result, never a pass. */
function runCase(c: SuiteCase, settings: RunSettings): CaseReport {
  let result: CaseResult;
  try {
    result = c.run(settings);
  } catch (e) {
    result = { status: 'error', expected: '', actual: `evaluation failed: ${(e as Error).message}`, decisions: [] };
  }
  return { ...result, name: c.name, path: c.path, file: c.at.file, line: c.at.line };
}

function loadSuites(paths: string[], errors: ScanError[]): LoadedSuite[] {
  const suites: LoadedSuite[] = [];
  for (const p of listFiles(paths, errors)) {
    const src = readSource(p, { maxFileBytes: DEFAULT_MAX_FILE_BYTES }, errors);
    if (!src) continue;
    const format = SUITE_FORMATS.find((f) => f.detect(src));
    if (format) suites.push(...format.load(src));
  }
  return suites;
}

export function runTests(opts: TestOptions): TestReport {
  const errors: ScanError[] = [];
  const settings: RunSettings = { gatekeeperVersion: opts.gatekeeperVersion };
  const suites: SuiteReport[] = [];
  const ran: RanCase[] = [];
  for (const s of loadSuites(opts.paths, errors)) {
    const selected = opts.run ? s.cases.filter((c) => opts.run!.test(c.path)) : s.cases;
    if (opts.run && selected.length === 0 && !s.error) continue;
    const reports = selected.map((c) => runCase(c, settings));
    reports.forEach((report, i) => ran.push({ suite: s.name, testCase: selected[i]!, report }));
    suites.push({ format: s.format, name: s.name, file: s.file, cases: reports, ...(s.error ? { error: s.error } : {}) });
  }
  const cases = suites.flatMap((s) => s.cases);
  const count = (st: CaseResult['status']) => cases.filter((c) => c.status === st).length;
  return {
    suites,
    errors: errors.filter((e) => e.severity === 'error'),
    totals: {
      suites: suites.length,
      cases: cases.length,
      passed: count('pass'),
      failed: count('fail'),
      errored: count('error'),
      brokenSuites: suites.filter((s) => s.error).length,
    },
    ...(opts.mutate ? { mutations: mutateCases(ran, settings) } : {}),
  };
}

/** 0 every case passes, 1 a case fails (or errors) or a variant is a confirmed bypass, 2 a suite or file could not be read. */
export function exitCode(r: TestReport): number {
  if (r.totals.brokenSuites > 0 || r.errors.length > 0) return 2;
  return r.totals.failed + r.totals.errored + (r.mutations?.totals.bypasses ?? 0) > 0 ? 1 : 0;
}
