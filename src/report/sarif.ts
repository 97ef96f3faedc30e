/**
 * SARIF 2.1.0 for code-scanning services: one run, every rule described (its page as help, a
 * security-severity GitHub ranks alerts by), results located relative to %SRCROOT% with fingerprints
 * that survive line shifts, rewording and another target version. Suppressed findings are results with an
 * in-source suppression, as SARIF intends, so consumers see them as dismissed rather than missing.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { AuditResult } from '../audit';
import type { Finding, ScanError, Severity } from '../facts';
import { docText, docUrl, RULES } from '../rules';
import type { SuppressedFinding } from '../suppress';
import { HOMEPAGE, VERSION } from '../version';
import { fingerprints } from './identity';
import type { Reporter } from '.';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

/**
 * GitHub's scale (over 9 critical, 7 to 8.9 high, 4 to 6.9 medium, below 4 low): an error lets a
 * privileged container in through kubectl debug or HostProcess, so it ranks high.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.0', note: '2.0' };

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
    fullDescription: { text: `${meta.summary}. See ${docUrl(meta.id)} for examples and the fix.` },
    helpUri: docUrl(meta.id),
    help: { text: `${meta.summary}. Documentation: ${docUrl(meta.id)}`, markdown: docText(meta.id) },
    defaultConfiguration: { level: meta.severity },
    properties: { 'security-severity': SECURITY_SEVERITY[meta.severity], tags: ['security', 'kubernetes', 'admission-policy'] },
  }));
  const listed = [...r.findings, ...r.suppressed].sort(compare);
  const prints = fingerprints(listed);
  const results = listed.map((f, i): Sarif.Result => {
    const suppression = (f as Partial<SuppressedFinding>).suppression;
    return {
      ruleId: f.ruleId,
      ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId)! } : {}),
      level: f.severity,
      message: { text: `${f.message} (fix: ${f.hint})` },
      locations: [location(f)],
      partialFingerprints: { 'polcovFinding/v2': prints[i]! },
      ...(f.evidence ? { properties: { evidence: f.evidence } } : {}),
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
