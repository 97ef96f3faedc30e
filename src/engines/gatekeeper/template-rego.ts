/**
 * The Rego half of a ConstraintTemplate's analysis as a job of plain data (texts, where they are in
 * the file, the constraint's parameters), so that it can run on either thread (template-pool.ts):
 * parsed, checked as Gatekeeper compiles it, and analysed. `runRegoJob` is the same on both.
 */
import type { Exemption, Unanalyzable } from '../../facts';
import { textMemo } from '../../text-memo';
import { parseFailure, parseModule, RegoSyntaxError } from '../rego';
import { compileProblems } from '../rego/compile-check';
import { analyzeEntries, GATEKEEPER_ROOTS, RulesIndex, type EntryRuleFacts, type RegoModule } from '../rego/analysis';
import { headPath } from '../rego/analysis/rules-index';
import { locator, type RegoPlace } from './rego-source';
import { regoProblems } from './template-refusal';

export interface RegoJob {
  /** The entry module first, then the libs. */
  modules: { text: string; place: RegoPlace }[];
  version: 'v0' | 'v1';
  /** The constraint's parameters. */
  parameters: unknown;
  /** `check-only` finds what Gatekeeper refuses without analysing the checks. */
  mode: 'analyse' | 'check-only';
}

export interface RegoResult {
  /** What Gatekeeper refuses in the code (and a missing violation rule). */
  problems: Unanalyzable[];
  entries: EntryRuleFacts[];
  exemptions: Exemption[];
  /** Constraint parameters the code reads. */
  parameters: string[];
}

interface CompiledRego {
  /** Set when Gatekeeper accepts the code. */
  modules?: RegoModule[];
  index?: RulesIndex;
  problems: Unanalyzable[];
}

/**
 * Compiled code by its texts and places: a template is checked, then analysed once per constraint's
 * parameters. Verbatim copies differ in the file their places name, so they are compiled apart.
 */
const compiled = textMemo<CompiledRego>(4_000_000);

export function runRegoJob(job: RegoJob): RegoResult {
  const { modules, index, problems } = compiled(`${job.version}\0${JSON.stringify(job.modules)}`, () => compile(job));
  if (!modules || !index || job.mode === 'check-only') return { problems, entries: [], exemptions: [], parameters: [] };
  const analysis = analyzeEntries(modules[0]!, index, { roots: GATEKEEPER_ROOTS, isEntry: (n) => n === 'violation', parameters: job.parameters });
  return { problems, entries: analysis.rules, exemptions: analysis.exemptions, parameters: [...analysis.parameters] };
}

function compile(job: RegoJob): CompiledRego {
  const problems: Unanalyzable[] = [];
  const modules = parseCode(job, problems);
  if (!modules) return { problems };
  const index = new RulesIndex(modules);
  // Gatekeeper compiles the entry module with its libs: a problem in any of them rejects the template.
  const refused = [...regoProblems(modules), ...modules.flatMap((m) => compileProblems(m, index))];
  if (refused.length > 0) return { problems: refused };
  // Gatekeeper requires the rule; bodies the parameters switch off still define it.
  if (!modules[0]!.module.rules.some((r) => headPath(r).join('.') === 'violation')) {
    problems.push({ reason: 'the Rego defines no violation rule', at: modules[0]!.locate(modules[0]!.module.package.pos) });
  }
  return { modules, index, problems };
}

/**
 * The entry module first, then the libs; undefined (with the problem recorded) when one does not
 * parse, or uses a keyword Rego v0 only has with an import: Gatekeeper rejects the template then.
 */
function parseCode(job: RegoJob, problems: Unanalyzable[]): RegoModule[] | undefined {
  const modules: RegoModule[] = [];
  let rejected = false;
  for (const [i, src] of job.modules.entries()) {
    const where = i > 0 ? ` in libs[${i - 1}]` : '';
    const locate = locator(src.place);
    try {
      const module = parseModule(src.text, { version: job.version });
      const first = module.keywordsWithoutImport[0];
      if (first) {
        const k = first.keyword;
        problems.push({
          reason: `uses keyword \`${k}\`${where} without \`import future.keywords.${k}\` or \`import rego.v1\`: Gatekeeper rejects this template (Rego v0 is the default without source.version: "v1")`,
          at: locate(first.pos),
        });
        rejected = true;
      }
      modules.push({ module, text: src.text, locate });
    } catch (e) {
      if (!(e instanceof RegoSyntaxError)) throw e;
      problems.push({ reason: parseFailure(e, where), at: locate(e) });
      return undefined;
    }
  }
  return rejected ? undefined : modules;
}
