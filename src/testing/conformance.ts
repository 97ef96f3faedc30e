/**
 * Conformance against a policy library's own tests: every case of every gator suite (and OPA unit
 * test) under a folder, run by polcov, counted as agreeing when polcov reaches the case's stated
 * verdict.
 */
import { runTests, type CaseReport, type SuiteReport } from './run';

export interface Conformance {
  /** Per format (gator, rego): cases that agree and all cases. */
  formats: Record<string, { agree: number; total: number }>;
  agree: number;
  total: number;
  /** Cases polcov decides differently (fail or error). */
  disagreeing: CaseReport[];
  /** Suites that could not be read: every case in them disagrees by definition. */
  unreadable: SuiteReport[];
}

export function conformance(root: string, gatekeeperVersion?: string): Conformance {
  const report = runTests({ paths: [root], gatekeeperVersion });
  const formats: Conformance['formats'] = {};
  for (const s of report.suites) {
    const f = (formats[s.format] ??= { agree: 0, total: 0 });
    f.total += s.cases.length + (s.error ? 1 : 0);
    f.agree += s.cases.filter((c) => c.status === 'pass').length;
  }
  const all = Object.values(formats);
  return {
    formats,
    agree: all.reduce((n, f) => n + f.agree, 0),
    total: all.reduce((n, f) => n + f.total, 0),
    disagreeing: report.suites.flatMap((s) => s.cases.filter((c) => c.status !== 'pass')),
    unreadable: report.suites.filter((s) => s.error),
  };
}
