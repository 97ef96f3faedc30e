/** Reporters: a name → function map. */
import type { AuditResult } from '../audit';
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
}

export type Reporter = (result: AuditResult, options: ReportOptions) => string;

export const REPORTERS: Record<string, Reporter> = { text, json, sarif, junit, markdown, github };
