/** The library entry point: audit(options) runs the whole pipeline. The CLI is a thin layer on it. */
import { ignoreMatcher, setMatcher } from './config/glob';
import { buildCoverage, type Coverage } from './coverage/matrix';
import { emptyRouted, makeRouter } from './discover/documents';
import { sharedParses } from './discover/parse-reuse';
import type { SkippedDocument } from './discover/policy-shape';
import { inTestFolder, mayDefineTests, namedAsKyvernoTest, withoutTestMaterial } from './discover/test-material';
import { decodeSource, displayPath, listFiles, readSource, STDIN, type SourceFile } from './discover/walk';
import { ENGINES } from './engines';
import { lazy } from './lazy';
import { unanalyzableFile, unanalyzablePolicy } from './engines/guard';
import { gatekeeperMinor as readGatekeeperMinor, LATEST_GATEKEEPER_MINOR } from './engines/gatekeeper/versions';
import { refusal } from './engines/refusal';
import type { DocIdentity, Engine, EngineContext, Linking, PolicyDoc } from './engines/types';
import type { Finding, PolicyFacts, ScanError, Severity } from './facts';
import { RULES } from './rules';
import { severityOn } from './rules/shared/versions';
import { applySuppressions, mayHoldSuppressions, type SuppressedFinding } from './suppress';
import type * as Proof from './proof';
import type { ProofResult, SetDocument } from './proof';

export const LATEST_MINOR = 34;
export { LATEST_GATEKEEPER_MINOR };
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface AuditOptions {
  /** Files or folders; `-` reads `stdin`. */
  paths: string[];
  stdin?: Buffer | string;
  /** Target Kubernetes version, e.g. "1.30" (default: latest). */
  kubernetesVersion?: string;
  /**
   * Target Gatekeeper version, e.g. "3.16" (default: the newest polcov knows): decides which half of
   * a template with both CEL and Rego code counts as coverage (CEL from 3.17).
   */
  gatekeeperVersion?: string;
  maxFileBytes?: number;
  /** Per-rule severity overrides; `off` disables the rule (.polcov.yaml `rules`). */
  ruleLevels?: Record<string, Severity | 'off'>;
  /** Globs of files to skip (`**`, `*`, `?`), relative to `ignoreRoot` (default: the current folder). */
  ignore?: string[];
  /** The folder configuration globs (`ignore`, `sets`) are relative to. */
  ignoreRoot?: string;
  /**
   * Globs of folders that each hold an independent policy set (one cluster's policies): set-level
   * rules judge each set on its own. Files in no such folder form one more set.
   */
  sets?: string[];
  /** Files audited as if read from disk, e.g. the policy set at a git revision. */
  sources?: SourceFile[];
  /**
   * Analyse the Rego of Gatekeeper templates on a worker thread as well as the main one, once a scan
   * has read a few dozen (default: true). The results are the same either way; the thread is stopped
   * when the scan ends.
   */
  worker?: boolean;
  /**
   * Read the test material of chainsaw, Kyverno CLI and gator tests as policies too (default: left
   * out, see src/discover/test-material.ts).
   */
  includeTests?: boolean;
  /** Follow symbolic links that lead outside the scanned paths (default: each is reported, not followed). */
  followSymlinks?: boolean;
  /**
   * Judge every policy as if enforced: rules that only audit or warn (`Enforcement.auditOnly`) block.
   * For libraries shipped in Audit mode; exemptions, removals and unserved versions still apply.
   */
  assumeEnforce?: boolean;
  /**
   * Prove gap findings: evaluate a witness request on the whole policy set (src/proof) and give each
   * finding `evidence`; refuted findings move to `refuted`.
   */
  prove?: boolean;
  /** Called after each file is read, to draw progress. */
  onProgress?: (done: number, total: number) => void;
}

export interface AuditSummary {
  /** The Kubernetes version the audit targets, and whether it was assumed (none named: the newest polcov knows). */
  kubernetes: { version: string; assumed: boolean };
  /** --quiet / --min-severity: findings below that severity, counted but not shown. */
  hidden?: { below: Severity; count: number };
  /** --assume-enforce: how many policies only audit or warn and are judged as enforced. */
  assumedEnforced?: number;
  /**
   * Set when Gatekeeper documents were scanned: the targeted Gatekeeper, whether it was assumed, and
   * how many templates were judged as if a constraint with default parameters enforced them (the
   * scanned files hold no constraint at all).
   */
  gatekeeper?: { version: string; assumed: boolean; templatesAssumedEnforced: number };
  files: number;
  policyFiles: number;
  policies: number;
  findings: Record<Severity, number>;
  errors: number;
  /** Input warnings (files read leniently, empty files, unused suppressions). */
  warnings: number;
  /** Documents of a policy kind that are no policy (test assertions, partial objects), listed under `skipped`. */
  skipped: number;
  /** Files of test runners (chainsaw, Kyverno CLI, gator suites) not read as policies. */
  testFiles: number;
  /** Findings silenced by `# polcov-ignore` comments (listed under `suppressed`). */
  suppressed: number;
  /** Findings matched by a --baseline file and not reported. */
  baselined: number;
  /** --prove: how many gap findings were confirmed, refuted (not reported) and unconfirmed. */
  proof?: ProofResult['counts'];
  /** --diff-base: findings already present at `base` (not reported) and findings the change fixes. */
  diff?: { base: string; preexisting: number; fixed: number };
}

export interface AuditResult {
  findings: Finding[];
  policies: PolicyFacts[];
  coverage: Coverage;
  errors: ScanError[];
  /** Documents of a policy kind that are no policy, with the reason. */
  skipped: SkippedDocument[];
  suppressed: SuppressedFinding[];
  summary: AuditSummary;
  /** --prove: findings the witness refuted (the set denies the gap request), not reported as gaps. */
  refuted?: Finding[];
  /** --prove: the requests evaluated for each confirmed finding (for --reproduce). */
  witnesses?: ProofResult['witnesses'];
}

export class UsageError extends Error {}

/** The target minor: the version named, else the newest polcov knows; a newer one is a usage error. */
export function parseKubernetesMinor(v: string | undefined): number {
  if (v === undefined || v === 'latest') return LATEST_MINOR;
  const m = /^v?1\.(\d+)(\.\d+)?$/.exec(v.trim());
  if (!m) throw new UsageError(`invalid Kubernetes version "${v}": expected 1.<minor>, e.g. 1.30`);
  const minor = Number(m[1]);
  if (minor > LATEST_MINOR) {
    throw new UsageError(`Kubernetes version "${v}" is newer than the newest polcov knows (1.${LATEST_MINOR}): name 1.${LATEST_MINOR} or older, or leave the option out`);
  }
  return minor;
}

/** The target Gatekeeper minor (3.minor); a malformed version is a usage error. */
export function parseGatekeeperMinor(v: string | undefined): number {
  const minor = readGatekeeperMinor(v);
  if (minor === undefined) throw new UsageError(`invalid Gatekeeper version "${v}": expected 3.<minor>, e.g. 3.16 (the newest polcov knows is 3.${LATEST_GATEKEEPER_MINOR})`);
  return minor;
}

/** The Gatekeeper part of the summary, when Gatekeeper documents were scanned. */
function gatekeeperSummary(policies: PolicyFacts[], minor: number, options: AuditOptions): AuditSummary['gatekeeper'] {
  const gatekeeper = policies.filter((p) => p.engine === 'gatekeeper');
  if (gatekeeper.length === 0) return undefined;
  const assumed = options.gatekeeperVersion === undefined || options.gatekeeperVersion === 'latest';
  return { version: `3.${minor}`, assumed, templatesAssumedEnforced: gatekeeper.filter((p) => p.constraintLink?.state === 'assumed').length };
}

const router = lazy(() => makeRouter(ENGINES));
// Proof loads every engine's evaluator (cel-js, jmespath…): only a scan with --prove needs them.
const proof = lazy(() => require('./proof') as typeof Proof);
const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

export function audit(options: AuditOptions): AuditResult {
  const kubernetesMinor = parseKubernetesMinor(options.kubernetesVersion);
  const gatekeeperMinor = parseGatekeeperMinor(options.gatekeeperVersion);
  const limits = { maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
  const errors: ScanError[] = [];
  const sources: SourceFile[] = [];
  const fsPaths = options.paths.filter((p) => p !== '-');
  if (options.paths.includes('-')) {
    const buf = Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin ?? '');
    const s = decodeSource(STDIN, buf, limits, errors);
    if (s) sources.push(s);
  }
  const ignored = ignoreMatcher(options.ignore ?? [], options.ignoreRoot);
  const listed = listFiles(fsPaths, errors, { followSymlinks: options.followSymlinks }).filter((f) => !ignored(f));
  // Files in test folders are never read unless asked for; other test material is known once read.
  const files: string[] = [];
  const unread: string[] = [];
  for (const f of listed) (!options.includeTests && inTestFolder(displayPath(f)) ? unread : files).push(f);
  let testFiles = unread.length;
  // --prove may build witnesses from the tests: the files that define them, read again when needed.
  const testDefinitions = options.prove ? unread.filter(namedAsKyvernoTest) : [];
  files.forEach((f, i) => {
    const s = readSource(f, limits, errors);
    if (s && options.prove && mayDefineTests(s)) testDefinitions.push(f);
    // A text that can hold no policy, test definition or suppression is let go of at once.
    if (s) sources.push(router().mayHoldPolicy(s) || mayDefineTests(s) || mayHoldSuppressions(s) ? s : { path: s.path, text: '' });
    options.onProgress?.(i + 1, files.length);
  });
  sources.push(...(options.sources ?? []).filter((s) => !ignored(s.path)));
  if (!options.includeTests) {
    const { kept, tests } = withoutTestMaterial(sources, fsPaths);
    sources.splice(0, sources.length, ...kept);
    testFiles += tests.length;
  }

  const fileCount = sources.length;
  const suppressible = sources.filter(mayHoldSuppressions);
  const routed = emptyRouted();
  const policies: PolicyFacts[] = [];
  // Facts of each engine's standalone documents, analysed as their files are read.
  const analysed = new Map<Engine, PolicyFacts[]>(ENGINES.map((e) => [e, []]));
  const ctx = { kubernetesMinor, gatekeeperMinor, worker: options.worker ?? true };
  // --prove evaluates the documents again: kept as plain objects (their syntax trees are let go of).
  const proofDocs: SetDocument[] = [];
  const keepForProof = (engine: Engine, docs: readonly PolicyDoc[]): void => {
    if (options.prove) proofDocs.push(...setDocuments(engine, docs));
  };
  // Documents of engines that link them, read as they arrive; linked once every file is read.
  const linking = new Map<Engine, LinkedSoFar>();
  for (const e of ENGINES) if (e.linking) linking.set(e, { linking: lazy(() => e.linking!(ctx)), read: [], refused: [], proof: [] });
  // One file at a time, let go of once routed: only the documents analysed together (and raw
  // sources) are kept until every file is read, so texts and syntax trees do not pile up.
  const parse = sharedParses(sources.map((s) => s.text));
  sources.reverse();
  for (let f = sources.pop(); f; f = sources.pop()) {
    router().route(f, errors, routed, parse);
    for (const engine of ENGINES) {
      const docs = routed.docs.get(engine);
      if (!docs?.length) continue;
      const soFar = linking.get(engine);
      if (soFar) {
        routed.docs.delete(engine);
        if (options.prove) soFar.proof.push(...setDocuments(engine, docs));
        readLinked(engine, docs, soFar);
        continue;
      }
      if (!engine.standalone) continue;
      const now = docs.filter(engine.standalone);
      if (now.length === 0) continue;
      routed.docs.set(engine, docs.filter((d) => !now.includes(d)));
      keepForProof(engine, now);
      const facts = analyzeDocs(engine, now, [], ctx, []);
      analysed.get(engine)!.push(...facts.analysed);
      policies.push(...facts.refused);
    }
  }
  policies.push(...routed.broken);
  for (const engine of ENGINES) {
    const soFar = linking.get(engine);
    if (soFar) {
      proofDocs.push(...soFar.proof);
      policies.push(...soFar.refused, ...linkRead(engine, soFar));
      continue;
    }
    const earlier = analysed.get(engine)!;
    keepForProof(engine, routed.docs.get(engine) ?? []);
    if (options.prove) proofDocs.push(...rawSetDocuments(engine, routed.raw.get(engine) ?? []));
    const facts = analyzeDocs(engine, routed.docs.get(engine) ?? [], routed.raw.get(engine) ?? [], ctx, earlier);
    policies.push(...earlier, ...facts.refused, ...facts.analysed);
  }
  routed.docs.clear();
  routed.raw.clear();
  policies.sort((a, b) => compareRef(a.at, b.at));
  const assumedEnforced = options.assumeEnforce ? assumeEnforced(policies) : undefined;

  const coverage = buildCoverage(policies);
  const all = dedupe(
    policySets(policies, options).flatMap((set) => {
      const ctx = { policies: set.filter((p) => !p.retired), retired: set.filter((p) => p.retired), kubernetesMinor };
      return RULES.flatMap((r) => {
        const configured = options.ruleLevels?.[r.meta.id];
        if (configured === 'off') return [];
        const severity = severityOn(r.meta.feature, kubernetesMinor, configured ?? r.meta.severity);
        // A configured level wins; else a finding may be milder than its rule (a mutating webhook's gap is a note).
        return r.check(ctx).map((d): Finding => ({ ruleId: r.meta.id, ...d, severity: configured ? severity : (d.severity ?? severity) }));
      });
    }),
  ).sort(compareFindings);
  const known = new Set(RULES.map((r) => r.meta.id));
  const active = new Set([...known].filter((id) => options.ruleLevels?.[id] !== 'off'));
  const applied = applySuppressions(all, suppressible, known, errors, active);
  const { suppressed } = applied;
  const setKey = options.sets?.length ? setMatcher(options.sets, options.ignoreRoot) : undefined;
  const proved = options.prove
    ? proof().proveFindings({
        findings: applied.findings,
        documents: proofDocs,
        policies,
        setOf: setKey && ((f: string) => setKey(f) ?? ''),
        gatekeeperVersion: `3.${gatekeeperMinor}`,
        kubernetesMinor,
        testDefinitions,
      })
    : undefined;
  const findings = proved?.findings ?? applied.findings;

  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const gatekeeper = gatekeeperSummary(policies, gatekeeperMinor, options);
  return {
    findings,
    policies,
    coverage,
    errors: errors.sort(compareRef),
    skipped: routed.skipped.sort(compareRef),
    suppressed,
    summary: {
      kubernetes: { version: `1.${kubernetesMinor}`, assumed: options.kubernetesVersion === undefined || options.kubernetesVersion === 'latest' },
      files: fileCount,
      policyFiles: routed.stats.prefiltered,
      policies: policies.length,
      findings: { error: count('error'), warning: count('warning'), note: count('note') },
      errors: errors.filter((e) => e.severity === 'error').length,
      warnings: errors.filter((e) => e.severity === 'warning').length,
      skipped: routed.skipped.length,
      testFiles,
      suppressed: suppressed.length,
      baselined: 0,
      ...(assumedEnforced !== undefined ? { assumedEnforced } : {}),
      ...(gatekeeper ? { gatekeeper } : {}),
      ...(proved ? { proof: proved.counts } : {}),
    },
    ...(proved ? { refuted: proved.refuted, witnesses: proved.witnesses } : {}),
  };
}

/** An engine's documents as plain objects, for evaluation. */
function setDocuments(engine: Engine, docs: readonly PolicyDoc[]): SetDocument[] {
  return docs.map((d) => ({ engine: engine.id, object: d.yaml.root.toJS(d.yaml.doc, { maxAliasCount: 1000 }) as SetDocument['object'], at: d.at }));
}

/** Raw sources (`.rego` files) for evaluation: their text, placed at the file's start. */
function rawSetDocuments(engine: Engine, files: readonly SourceFile[]): SetDocument[] {
  return files.map((f) => ({ engine: engine.id, object: {}, text: f.text, at: { file: f.path, line: 1, column: 1 } }));
}

/**
 * An engine's analysis of some of its documents: those refused before analysis (src/engines/refusal.ts)
 * apart, the rest analysed. An engine bug must not hide its policies: each becomes unanalyzable.
 */
function analyzeDocs(engine: Engine, docs: PolicyDoc[], raw: SourceFile[], ctx: EngineContext, earlier: readonly PolicyFacts[]): { refused: PolicyFacts[]; analysed: PolicyFacts[] } {
  const { refused, kept } = splitRefused(engine, docs);
  if (kept.length === 0 && raw.length === 0) return { refused, analysed: [] };
  try {
    return { refused, analysed: engine.analyze(kept, raw, ctx, earlier) };
  } catch (e) {
    const reason = internalError(e);
    return { refused, analysed: [...kept.map((d) => unanalyzablePolicy(engine.id, d, reason)), ...raw.map((f) => unanalyzableFile(engine.id, 'File', f.path, reason))] };
  }
}

/** What a linking engine has read so far: identities of the documents read, those refused, and (--prove) their plain objects. */
interface LinkedSoFar {
  linking: () => Linking;
  read: DocIdentity[];
  refused: PolicyFacts[];
  proof: SetDocument[];
}

/** Documents of a linking engine as their file is read: refused ones reported, the rest read for linking. */
function readLinked(engine: Engine, docs: readonly PolicyDoc[], soFar: LinkedSoFar): void {
  const { refused, kept } = splitRefused(engine, docs);
  soFar.refused.push(...refused);
  for (const d of kept) {
    try {
      soFar.linking().read(d);
      soFar.read.push({ kind: d.kind, name: d.name, ...(d.namespace ? { namespace: d.namespace } : {}), at: d.at });
    } catch (e) {
      soFar.refused.push(unanalyzablePolicy(engine.id, d, internalError(e)));
    }
  }
}

/** Documents the API server would not store as written (src/engines/refusal.ts), reported, apart from the rest. */
function splitRefused(engine: Engine, docs: readonly PolicyDoc[]): { refused: PolicyFacts[]; kept: PolicyDoc[] } {
  const refused: PolicyFacts[] = [];
  const kept: PolicyDoc[] = [];
  for (const d of docs) {
    const r = refusal(engine.id, d);
    if (r) refused.push(r);
    else kept.push(d);
  }
  return { refused, kept };
}

/** The linked documents' facts; an engine bug must not hide its policies: each becomes unanalyzable. */
function linkRead(engine: Engine, soFar: LinkedSoFar): PolicyFacts[] {
  if (soFar.read.length === 0) return [];
  try {
    return soFar.linking().link();
  } catch (e) {
    return soFar.read.map((r) => unanalyzablePolicy(engine.id, r, internalError(e)));
  }
}

const internalError = (e: unknown): string => `internal error: ${(e as Error).message}`;

/** --assume-enforce: every rule that only audits or warns blocks; returns how many policies had one. */
function assumeEnforced(policies: PolicyFacts[]): number {
  let count = 0;
  for (const p of policies) {
    const audited = p.rules.filter((r) => r.enforcement.auditOnly && !r.enforcement.blocking);
    for (const r of audited) r.enforcement = { ...r.enforcement, blocking: true, action: `${r.enforcement.action}, judged as enforced (--assume-enforce)` };
    if (audited.length > 0) count++;
  }
  return count;
}

/** The policies grouped by the `sets` folder they live in (all of them together without `sets`). */
function policySets(policies: PolicyFacts[], options: AuditOptions): PolicyFacts[][] {
  if (!options.sets?.length) return [policies];
  const setOf = setMatcher(options.sets, options.ignoreRoot);
  const groups = new Map<string, PolicyFacts[]>();
  for (const p of policies) {
    const key = setOf(p.at.file) ?? '';
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
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
