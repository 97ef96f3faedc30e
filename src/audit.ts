/** The library entry point: audit(options) runs the whole pipeline. The CLI is a thin layer on it. */
import { buildCoverage, type Coverage } from './coverage/matrix';
import { makeRouter } from './discover/documents';
import { decodeSource, listFiles, readSource, type SourceFile } from './discover/walk';
import { ENGINES } from './engines';
import { unanalyzablePolicy } from './engines/guard';
import type { Finding, PolicyFacts, ScanError, Severity } from './facts';
import { RULES } from './rules';

export const LATEST_MINOR = 34;
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface AuditOptions {
  /** Files or folders; `-` reads `stdin`. */
  paths: string[];
  stdin?: Buffer | string;
  /** Target Kubernetes version, e.g. "1.30" (default: latest). */
  kubernetesVersion?: string;
  maxFileBytes?: number;
}

export interface AuditSummary {
  files: number;
  policyFiles: number;
  policies: number;
  findings: Record<Severity, number>;
  errors: number;
}

export interface AuditResult {
  findings: Finding[];
  policies: PolicyFacts[];
  coverage: Coverage;
  errors: ScanError[];
  summary: AuditSummary;
}

export class UsageError extends Error {}

export function parseKubernetesMinor(v: string | undefined): number {
  if (v === undefined || v === 'latest') return LATEST_MINOR;
  const m = /^v?1\.(\d+)(\.\d+)?$/.exec(v.trim());
  if (!m) throw new UsageError(`invalid Kubernetes version "${v}": expected 1.<minor>, e.g. 1.30`);
  return Number(m[1]);
}

const route = makeRouter(ENGINES);
const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

export function audit(options: AuditOptions): AuditResult {
  const kubernetesMinor = parseKubernetesMinor(options.kubernetesVersion);
  const limits = { maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
  const errors: ScanError[] = [];
  const sources: SourceFile[] = [];
  const fsPaths = options.paths.filter((p) => p !== '-');
  if (options.paths.includes('-')) {
    const buf = Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin ?? '');
    const s = decodeSource('<stdin>', buf, limits, errors);
    if (s) sources.push(s);
  }
  for (const f of listFiles(fsPaths, errors)) {
    const s = readSource(f, limits, errors);
    if (s) sources.push(s);
  }

  const routed = route(sources, errors);
  const policies: PolicyFacts[] = [...routed.broken];
  for (const engine of ENGINES) {
    const docs = routed.docs.get(engine) ?? [];
    const raw = routed.raw.get(engine) ?? [];
    if (docs.length === 0 && raw.length === 0) continue;
    try {
      policies.push(...engine.analyze(docs, raw, { kubernetesMinor }));
    } catch (e) {
      // An engine bug must not hide its policies: each becomes unanalyzable.
      policies.push(...docs.map((d) => unanalyzablePolicy(engine.id, d, `internal error: ${(e as Error).message}`)));
    }
  }
  policies.sort((a, b) => compareRef(a.at, b.at));

  const coverage = buildCoverage(policies);
  const ctx = { policies, coverage, kubernetesMinor };
  const findings = dedupe(
    RULES.flatMap((r) => r.check(ctx).map((d): Finding => ({ ruleId: r.meta.id, severity: r.meta.severity, ...d }))),
  ).sort(compareFindings);

  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  return {
    findings,
    policies,
    coverage,
    errors: errors.sort(compareRef),
    summary: {
      files: sources.length,
      policyFiles: routed.stats.prefiltered,
      policies: policies.length,
      findings: { error: count('error'), warning: count('warning'), note: count('note') },
      errors: errors.filter((e) => e.severity === 'error').length,
    },
  };
}

function compareRef(a: { file: string; line: number; column: number }, b: { file: string; line: number; column: number }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareRef(a, b) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = JSON.stringify(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const severityRank = (s: Severity): number => SEVERITY_ORDER[s];
