/**
 * Baselines: the current findings recorded by file, policy, rule inside the policy, rule id, control
 * and location — never line numbers — with counts, so a baseline survives edits that shift lines.
 * Later scans report only findings beyond it, and entries that no longer match so it can be pruned.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, type AuditResult } from './audit';
import { displayPath } from './discover/walk';
import { writeFileAtomic } from './write-file';
import type { Finding, PolicyRef, ScanError, Severity } from './facts';

export interface BaselineEntry {
  file: string;
  policy: PolicyRef;
  rule?: string;
  ruleId: string;
  control?: string;
  location?: string;
  count: number;
}

export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

/**
 * Set-level rules judge the whole policy set and point at whichever policy is most useful to fix, so
 * that anchor can move when an unrelated policy is added: they are keyed by rule, control and location.
 */
const SET_LEVEL_RULES = new Set(['hostprocess-unchecked', 'hostprocess-indirect-only']);

export type Keyed = Omit<BaselineEntry, 'count'>;

/** The line-independent identity of a finding, shared by baselines, --diff-base and report fingerprints. */
export function findingKey(e: Keyed): string {
  const where = SET_LEVEL_RULES.has(e.ruleId) ? [] : [e.file, e.policy.kind, e.policy.namespace ?? '', e.policy.name, e.rule ?? ''];
  return JSON.stringify([...where, e.ruleId, e.control ?? '', e.location ?? '']);
}

/** A finding as a baseline entry, its file relative to `dir` (the baseline's folder). */
function toKeyed(f: Finding, dir: string): Keyed {
  return {
    file: f.file === '<stdin>' ? f.file : path.relative(dir, path.resolve(f.file)).split(path.sep).join('/'),
    policy: f.policy,
    ...(f.rule !== undefined ? { rule: f.rule } : {}),
    ruleId: f.ruleId,
    ...(f.control !== undefined ? { control: f.control } : {}),
    ...(f.location !== undefined ? { location: f.location } : {}),
  };
}

export function makeBaseline(findings: Finding[], dir: string = process.cwd()): Baseline {
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    const keyed = toKeyed(f, dir);
    const k = findingKey(keyed);
    const e = entries.get(k);
    if (e) e.count++;
    else entries.set(k, { ...keyed, count: 1 });
  }
  return { version: 1, entries: [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e) };
}

export interface BaselineMatch {
  /** Findings beyond the baseline (for a key over its count: the later ones in file order). */
  findings: Finding[];
  matched: number;
  /** Entries with fewer findings than recorded, and how many are gone. */
  stale: { entry: BaselineEntry; missing: number }[];
}

export function matchBaseline(findings: Finding[], baseline: Baseline, dir: string = process.cwd()): BaselineMatch {
  const left = new Map<string, { entry: BaselineEntry; remaining: number }>();
  for (const entry of baseline.entries) {
    const k = findingKey(entry);
    const slot = left.get(k);
    if (slot) slot.remaining += entry.count;
    else left.set(k, { entry, remaining: entry.count });
  }
  const fresh: Finding[] = [];
  let matched = 0;
  for (const f of findings) {
    const slot = left.get(findingKey(toKeyed(f, dir)));
    if (slot && slot.remaining > 0) {
      slot.remaining--;
      matched++;
    } else fresh.push(f);
  }
  const stale = [...left.values()].filter((s) => s.remaining > 0).map((s) => ({ entry: s.entry, missing: s.remaining }));
  return { findings: fresh, matched, stale };
}

/** Keeps findings beyond the baseline in `file`; counts the rest; reports stale entries as warnings. */
export function applyBaseline(result: AuditResult, baseline: Baseline, file: string): AuditResult {
  const m = matchBaseline(result.findings, baseline, path.dirname(path.resolve(file)));
  const shown = displayPath(path.resolve(file));
  const staleErrors: ScanError[] = m.stale.map(({ entry, missing }) => ({
    file: shown,
    line: 0,
    column: 0,
    severity: 'warning',
    message: `baseline entry no longer matches: ${describeEntry(entry)}${entry.count > 1 ? ` (${missing} of ${entry.count} gone)` : ''}`,
  }));
  return withFindings(result, m.findings, { baselined: result.summary.baselined + m.matched, errors: [...result.errors, ...staleErrors] });
}

/** The result with `findings` replaced and the severity counts redone. */
export function withFindings(
  result: AuditResult,
  findings: Finding[],
  changes: { baselined?: number; errors?: ScanError[] } = {},
): AuditResult {
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  return {
    ...result,
    findings,
    errors: changes.errors ?? result.errors,
    summary: {
      ...result.summary,
      findings: { error: count('error'), warning: count('warning'), note: count('note') },
      baselined: changes.baselined ?? result.summary.baselined,
    },
  };
}

function describeEntry(e: BaselineEntry): string {
  const name = e.policy.namespace ? `${e.policy.namespace}/${e.policy.name}` : e.policy.name;
  const rule = e.rule ? ` rule "${e.rule}"` : '';
  const what = [e.control, e.location].filter(Boolean).join(' in ');
  return `${e.ruleId} for ${e.policy.kind} ${name}${rule}${what ? ` (${what})` : ''} in ${e.file}`;
}

export function writeBaseline(file: string, baseline: Baseline): void {
  writeFileAtomic(file, JSON.stringify(baseline, null, 2) + '\n');
}

export function readBaseline(file: string): Baseline {
  const shown = displayPath(path.resolve(file));
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${shown}: cannot read the baseline: ${(e as Error).message}`);
  }
  const b = data as Partial<Baseline> | null;
  const valid =
    b?.version === 1 &&
    Array.isArray(b.entries) &&
    b.entries.every(
      (e) => typeof e?.file === 'string' && typeof e.ruleId === 'string' && typeof e.policy?.kind === 'string' && typeof e.policy.name === 'string' && Number.isInteger(e.count) && e.count > 0,
    );
  if (!valid) throw new UsageError(`${shown}: not a polcov baseline (expected {"version": 1, "entries": [...]}, as --write-baseline writes)`);
  return b as Baseline;
}
