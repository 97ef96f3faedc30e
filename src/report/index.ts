/** Reporters: a name → function map. */
import type { AuditResult } from '../audit';
import type { Severity } from '../facts';
import { codequality } from './codequality';
import { github } from './github';
import { json } from './json';
import { junit } from './junit';
import { markdown } from './markdown';
import { sarif } from './sarif';
import { text } from './text';

export interface ReportOptions {
  color: boolean;
  /** Print the coverage matrix (text); by default only when more than one policy was scanned. */
  coverage?: boolean;
  /** The lowest severity that fails the run (default: error): below it a finding is no failed test (JUnit). */
  failOn?: Severity | 'never';
  /** Where the whole report is (another output file, the CI run) for reports cut to a size limit. */
  fullReport?: string;
}

export type Reporter = (result: AuditResult, options: ReportOptions) => string;

export const REPORTERS: Record<string, Reporter> = { text, json, sarif, junit, markdown, github, codequality };
