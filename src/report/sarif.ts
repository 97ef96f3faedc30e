/**
 * SARIF 2.1.0 for code-scanning services: one run, every rule described, results located relative to
 * %SRCROOT% with fingerprints that survive line shifts. Suppressed findings are results with an
 * in-source suppression, as SARIF intends, so consumers see them as dismissed rather than missing.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { AuditResult } from '../audit';
import type { Finding, ScanError } from '../facts';
import { rootRelative } from '../repo-root';
import { docsPath, RULES } from '../rules';
import type { SuppressedFinding } from '../suppress';
import { HOMEPAGE, VERSION } from '../version';
import type { Reporter } from '.';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

const helpUri = (ruleId: string): string => `${HOMEPAGE}/blob/main/${docsPath(ruleId)}`;

/** Where a finding is, as a SARIF artifact: relative paths under %SRCROOT%, stdin as "stdin". */
function artifact(file: string): Sarif.ArtifactLocation {
  if (file === '<stdin>') return { uri: 'stdin' };
  if (path.isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function location(at: { file: string; line: number; column: number }): Sarif.Location {
  const region = at.line > 0 ? { region: { startLine: at.line, ...(at.column > 0 ? { startColumn: at.column } : {}) } } : {};
  return { physicalLocation: { artifactLocation: artifact(at.file), ...region } };
}

/** A hash of what identifies a finding, without its line: stable when lines above it move. */
function fingerprint(f: Finding): string {
  const parts = [f.ruleId, rootRelative(f.file), f.policy.kind, f.policy.namespace ?? '', f.policy.name, f.rule ?? '', f.control ?? '', f.location ?? '', f.message];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const pascal = (id: string): string => id.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase());

function compare(a: Finding, b: Finding): number {
  const ka = [a.file, a.line, a.column, a.ruleId, a.message];
  const kb = [b.file, b.line, b.column, b.ruleId, b.message];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}

export function toSarif(r: AuditResult, cwd: string = process.cwd()): Sarif.Log {
  const ruleIndex = new Map(RULES.map((rule, i) => [rule.meta.id, i]));
  const rules: Sarif.ReportingDescriptor[] = RULES.map(({ meta }) => ({
    id: meta.id,
    name: pascal(meta.id),
    shortDescription: { text: meta.summary },
    fullDescription: { text: `${meta.summary}. See ${helpUri(meta.id)} for examples and the fix.` },
    helpUri: helpUri(meta.id),
    help: { text: `${meta.summary}. Documentation: ${helpUri(meta.id)}` },
    defaultConfiguration: { level: meta.severity },
  }));
  const seen = new Map<string, number>();
  const results = [...r.findings, ...r.suppressed].sort(compare).map((f): Sarif.Result => {
    const hash = fingerprint(f);
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    const suppression = (f as Partial<SuppressedFinding>).suppression;
    return {
      ruleId: f.ruleId,
      ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId)! } : {}),
      level: f.severity,
      message: { text: `${f.message} (fix: ${f.hint})` },
      locations: [location(f)],
      partialFingerprints: { 'polcovFinding/v1': `${hash}:${occurrence}` },
      ...(suppression ? { suppressions: [{ kind: 'inSource' as const, justification: suppression.reason }] } : {}),
    };
  });
  const notification = (e: ScanError): Sarif.Notification => ({ level: e.severity, message: { text: e.message }, locations: [location(e)] });
  const root = pathToFileURL(cwd).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'polcov', version: VERSION, semanticVersion: VERSION, informationUri: HOMEPAGE, rules } },
        invocations: [{ executionSuccessful: r.summary.errors === 0, toolExecutionNotifications: r.errors.map(notification) }],
        originalUriBaseIds: { [SRCROOT]: { uri: root.endsWith('/') ? root : `${root}/` } },
        columnKind: 'utf16CodeUnits',
        results,
        properties: { summary: r.summary },
      },
    ],
  };
}

export const sarif: Reporter = (r) => JSON.stringify(toSarif(r), null, 2) + '\n';
