/** Reporters: a name → function map. */
import type { AuditResult } from '../audit';
import { json } from './json';
import { text } from './text';

export interface ReportOptions {
  color: boolean;
}

export type Reporter = (result: AuditResult, options: ReportOptions) => string;

export const REPORTERS: Record<string, Reporter> = { text, json };
