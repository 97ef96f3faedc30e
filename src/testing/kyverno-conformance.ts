/**
 * Conformance against the Kyverno CLI tests of a policy library (kyverno/policies): every expected
 * result of every `kyverno-test.yaml` under a folder, judged by polcov. Results polcov does not
 * evaluate (policy kinds, mutate/generate rules) and results needing cluster data are counted apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadKyvernoTest, runKyvernoTest, type Row, type RowOutcome } from './kyverno-test';

export interface KyvernoConformance {
  tests: number;
  counts: Record<RowOutcome, number>;
  /** Results polcov evaluates: agree + excluded + disagree + not-found. */
  evaluated: number;
  /** agree + excluded (rows the Kyverno CLI passes without a rule response). */
  agreeing: number;
  /** Rows that are neither agreeing nor set apart, with the test file relative to the root. */
  disagreeing: (Row & { file: string })[];
  apart: (Row & { file: string })[];
  /** Tests that could not be loaded. */
  unreadable: { file: string; message: string }[];
}

function* testFiles(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules') yield* testFiles(p);
    else if (e.name === 'kyverno-test.yaml' || e.name === 'kyverno-test.yml') yield p;
  }
}

export function kyvernoConformance(root: string): KyvernoConformance {
  const counts: Record<RowOutcome, number> = { agree: 0, excluded: 0, disagree: 0, 'needs-cluster': 0, unsupported: 0, 'not-found': 0 };
  const out: KyvernoConformance = { tests: 0, counts, evaluated: 0, agreeing: 0, disagreeing: [], apart: [], unreadable: [] };
  for (const file of testFiles(root)) {
    out.tests++;
    const rel = path.relative(root, file);
    let rows: Row[];
    try {
      rows = runKyvernoTest(loadKyvernoTest(file, fs.readFileSync(file, 'utf8')));
    } catch (e) {
      out.unreadable.push({ file: rel, message: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const r of rows) {
      counts[r.outcome]++;
      if (r.outcome === 'disagree' || r.outcome === 'not-found') out.disagreeing.push({ ...r, file: rel });
      else if (r.outcome === 'needs-cluster' || r.outcome === 'unsupported') out.apart.push({ ...r, file: rel });
    }
  }
  out.agreeing = counts.agree + counts.excluded;
  out.evaluated = out.agreeing + counts.disagree + counts['not-found'];
  return out;
}
