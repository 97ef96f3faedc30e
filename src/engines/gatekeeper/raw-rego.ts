/**
 * Raw `.rego` files (OPA, conftest, Gatekeeper Rego kept beside the templates). `deny`,
 * `violation` and `warn` rules (and their `deny_*`… variants, as conftest allows) are analysed,
 * with input rooted at `input.review.object`, `input.request.object` or `input` itself (manifest
 * style); `warn` does not block. Every parsed file is available to the others as a lib; a file
 * without entry rules yields nothing; `*_test.rego` files are skipped.
 */
import type { PolicyFacts, SourceRef } from '../../facts';
import type { SourceFile } from '../../discover/walk';
import { failureReason, unanalyzableFile } from '../guard';
import { parseFailure, parseModule, RegoSyntaxError, type Module } from '../rego';
import { compileProblems } from '../rego/compile-check';
import { analyzeEntries, RAW_ROOTS, RulesIndex, type RegoModule } from '../rego/analysis';
import type { Analyze } from '../types';
import { relocated } from './relocated';
import { ruleFacts } from './rule-facts';

const ENTRY = /^(deny|violation|warn)(_\w+)?$/;

type Parsed = { file: SourceFile; mod: RegoModule } | { file: SourceFile; error: { reason: string; at: SourceRef } };

/**
 * Rego v0 unless the file only parses as v1 (OPA 1.0 reads v1 by default). When neither parses,
 * the error of the dialect that got further is the likelier one. A module that parses as v0 only
 * because the parser accepts `contains`, `if`, `in` and `every` without their import is read as
 * v1; when it is not v1 either, OPA rejects it in both dialects.
 */
function parseEither(text: string): Module {
  let m: Module;
  try {
    m = parseModule(text, { version: 'v0' });
  } catch (v0) {
    if (!(v0 instanceof RegoSyntaxError)) throw v0;
    try {
      return parseModule(text, { version: 'v1' });
    } catch (v1) {
      if (!(v1 instanceof RegoSyntaxError)) throw v1;
      throw v1.offset > v0.offset ? v1 : v0;
    }
  }
  const first = m.keywordsWithoutImport[0];
  if (!first) return m;
  try {
    return parseModule(text, { version: 'v1' });
  } catch (v1) {
    if (!(v1 instanceof RegoSyntaxError)) throw v1;
    const k = first.keyword;
    throw new RegoSyntaxError(
      `keyword \`${k}\` without \`import future.keywords.${k}\` or \`import rego.v1\`, and the module is not Rego v1 either (line ${v1.line}: ${v1.message})`,
      first.pos.line,
      first.pos.column,
      first.pos.offset,
    );
  }
}

function parse(file: SourceFile): Parsed {
  const locate = (p: { line: number; column: number }): SourceRef => ({ file: file.path, line: p.line, column: p.column });
  try {
    return { file, mod: { module: parseEither(file.text), text: file.text, locate } };
  } catch (e) {
    if (!(e instanceof RegoSyntaxError)) throw e;
    return { file, error: { reason: parseFailure(e), at: locate(e) } };
  }
}

/**
 * Modules are merged by package, as OPA loads them. A module whose text repeats an earlier one (a
 * library copied beside each policy) defines nothing new, so it joins the merge once: analysing a
 * rule would otherwise follow every copy of every rule it calls, a cost that multiplies with each
 * level of calls. A repeated module stands in for the first copy in its own merge, which makes its
 * analysis the first copy's with the file renamed (same text, same places): it is not run again.
 */
function analyzeRaw(files: SourceFile[]): PolicyFacts[] {
  const parsed = files.filter((f) => !isRegoTest(f.path)).map(parse);
  const firstCopy = new Map<string, { mod: RegoModule; file: string; analysed?: Analysed }>();
  for (const p of parsed) if ('mod' in p && !firstCopy.has(p.mod.text)) firstCopy.set(p.mod.text, { mod: p.mod, file: p.file.path });
  const merged = [...firstCopy.values()].map((c) => c.mod);
  const index = new RulesIndex(merged);
  const out: PolicyFacts[] = [];
  for (const p of parsed) {
    if ('error' in p) {
      out.push(brokenFile(p.file, p.error));
      continue;
    }
    const first = firstCopy.get(p.mod.text)!;
    let facts: PolicyFacts | undefined;
    if (first.mod === p.mod) facts = (first.analysed = rawFacts(p, index)).facts;
    // A module that fails is named after its file: a copy's failure is its own.
    else if (first.analysed?.failed === false) facts = first.analysed.facts && relocated(first.analysed.facts, first.file, p.file.path);
    else facts = rawFacts(p, new RulesIndex(merged.map((m) => (m === first.mod ? p.mod : m)))).facts;
    if (facts) out.push(facts);
  }
  return out;
}

interface Analysed {
  facts: PolicyFacts | undefined;
  /** Refused or not analysable: facts of the file rather than of its package. */
  failed: boolean;
}

/** One module's failure is that module's finding; the others are still analysed. */
function rawFacts(p: { file: SourceFile; mod: RegoModule }, index: RulesIndex): Analysed {
  try {
    return moduleFacts(p.file, p.mod, index);
  } catch (e) {
    return { facts: brokenFile(p.file, { reason: failureReason(e), at: p.mod.locate(p.mod.module.package.pos) }), failed: true };
  }
}

/** A raw module as OPA loads it: its dialect, package and entry rule names; undefined when it does not parse. */
export function rawModule(text: string): { version: 'v0' | 'v1'; pkg: string[]; entries: string[]; line: number; column: number } | undefined {
  let m: Module;
  try {
    m = parseEither(text);
  } catch (e) {
    if (e instanceof RegoSyntaxError) return undefined;
    throw e;
  }
  const entries = [...new Set(m.rules.filter((r) => ENTRY.test(r.name) && r.kind !== 'default').map((r) => r.name))];
  return { version: m.v1 ? 'v1' : 'v0', pkg: m.package.segments, entries, line: m.package.pos.line, column: m.package.pos.column };
}

/** Test files (`*_test.rego`) hold `opa test` cases, never policies. */
export const isRegoTest = (path: string): boolean => path.endsWith('_test.rego');

const brokenFile = (file: SourceFile, error: { reason: string; at: SourceRef }): PolicyFacts =>
  unanalyzableFile('rego', 'Rego', file.path, error.reason, error.at);

function moduleFacts(file: SourceFile, mod: RegoModule, index: RulesIndex): Analysed {
  const refused = compileProblems(mod, index);
  if (refused.length > 0) return { facts: { ...brokenFile(file, refused[0]!), unanalyzable: refused }, failed: true };
  const analysis = analyzeEntries(mod, index, { roots: RAW_ROOTS, isEntry: (n) => ENTRY.test(n) });
  if (analysis.rules.length === 0) return { facts: undefined, failed: false };
  const pkg = mod.module.package;
  const facts: PolicyFacts = {
    engine: 'rego',
    policy: { kind: 'Rego', name: pkg.segments.join('.') },
    at: mod.locate(pkg.pos),
    rules: analysis.rules.map((e) =>
      ruleFacts(e, {
        matchesPod: true,
        ephemeralSubresource: 'unknown',
        subresourceAt: e.at,
        enforcement: e.name.startsWith('warn')
          ? { blocking: false, action: 'warn', at: e.at, auditOnly: true }
          : { blocking: true, action: e.name.split(' ')[0]!, at: e.at },
      }),
    ),
    exemptions: analysis.exemptions,
    unanalyzable: [],
  };
  return { facts, failed: false };
}

export const analyze: Analyze = (_docs, raw) => analyzeRaw(raw);
