/** The JSON contract of DESIGN.md: stable keys, deterministic order. */
import type { AuditResult } from '../audit';
import { VERSION } from '../version';
import type { Reporter } from '.';

export function toJson(r: AuditResult): object {
  return {
    tool: { name: 'polcov', version: VERSION },
    findings: r.findings,
    policies: r.policies.map((p) => ({
      engine: p.engine,
      ...p.policy,
      file: p.at.file,
      line: p.at.line,
      column: p.at.column,
      rules: p.rules.map((rule) => ({
        name: rule.name,
        blocking: rule.enforcement.blocking,
        enforcement: rule.enforcement.action,
        ...(rule.codeEngine ? { codeEngine: rule.codeEngine } : {}),
        checks: rule.checks.map((c) => ({ control: c.control, location: c.location, field: c.field, line: c.at.line, column: c.at.column })),
      })),
    })),
    coverage: r.coverage,
    errors: r.errors,
    skipped: r.skipped,
    suppressed: r.suppressed,
    ...(r.refuted ? { refuted: r.refuted } : {}),
    summary: r.summary,
  };
}

export const json: Reporter = (r) => JSON.stringify(toJson(r), null, 2) + '\n';
