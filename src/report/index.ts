/** Reporters: a name → function map. Each reporter's module is loaded when a report is written in its format. */
import type { AuditResult } from '../audit';
import type { Severity } from '../facts';
import type * as Codequality from './codequality';
import type * as Github from './github';
import type * as Html from './html';
import type * as Json from './json';
import type * as Junit from './junit';
import type * as Markdown from './markdown';
import type * as Sarif from './sarif';
import type * as Text from './text';

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

export const REPORTERS: Record<string, Reporter> = {
  text: (r, o) => (require('./text') as typeof Text).text(r, o),
  json: (r, o) => (require('./json') as typeof Json).json(r, o),
  sarif: (r, o) => (require('./sarif') as typeof Sarif).sarif(r, o),
  junit: (r, o) => (require('./junit') as typeof Junit).junit(r, o),
  markdown: (r, o) => (require('./markdown') as typeof Markdown).markdown(r, o),
  github: (r, o) => (require('./github') as typeof Github).github(r, o),
  codequality: (r, o) => (require('./codequality') as typeof Codequality).codequality(r, o),
  html: (r, o) => (require('./html') as typeof Html).html(r, o),
};
