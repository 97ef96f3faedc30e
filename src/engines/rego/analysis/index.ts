/**
 * Data-flow analysis of Rego admission policies: which container lists and fields the entry rules
 * (`violation`, `deny`, `warn`…) check, where, whether a body skips UPDATE, and what could not be
 * followed. Engine-neutral: Gatekeeper templates and raw `.rego` files both call `analyzeEntries`.
 */
import type { Check, Location, SourceRef, Unanalyzable } from '../../../facts';
import type { Body, Rule } from '../ast';
import type { Effects } from './effects';
import { UpdateGuards } from './guards';
import { BudgetExceeded, Interpreter, snippet } from './interpreter';
import { readFacts } from './rule-facts';
import type { Roots } from './roots';
import { headPath, type RegoModule, type RulesIndex } from './rules-index';

export { RulesIndex, type RegoModule } from './rules-index';
export { GATEKEEPER_ROOTS, RAW_ROOTS, type Roots } from './roots';

export interface EntryRuleFacts {
  /** The entry rule's name; bodies that skip UPDATE, when others do not, form a second entry with a suffix. */
  name: string;
  at: SourceRef;
  checks: Check[];
  listRefs: Partial<Record<Location, SourceRef>>;
  unanalyzable: Unanalyzable[];
  updateSkipped?: { at: SourceRef; reason: string };
  /** Every check reads a controller's pod template, never a bare Pod. */
  templateOnlyAt?: SourceRef;
}

export interface RegoAnalysis {
  rules: EntryRuleFacts[];
  /** Constraint parameters the policy reads (e.g. exemptImages). */
  parameters: Set<string>;
}

export interface AnalysisOptions {
  roots: Roots;
  isEntry(name: string): boolean;
  /** Evaluation steps allowed per module (each term evaluated is one step). */
  maxSteps?: number;
}

const DEFAULT_MAX_STEPS = 300_000;

interface BodyResult {
  effects: Effects;
  skip?: { at: SourceRef; reason: string };
}

/** Analyses the entry rules defined in `entry`, following references into every module of `index`. */
export function analyzeEntries(entry: RegoModule, index: RulesIndex, opts: AnalysisOptions): RegoAnalysis {
  const guards = new UpdateGuards(index, opts.roots);
  const interpreter = new Interpreter(index, opts.roots, guards, opts.maxSteps ?? DEFAULT_MAX_STEPS);
  const parameters = new Set<string>();
  const rules: EntryRuleFacts[] = [];
  for (const group of index.entryGroups(entry, opts.isEntry)) {
    const defs = group.defs.filter((d) => d.mod === entry);
    const name = headPath(defs[0]!.rule).join('.');
    const at = entry.locate(defs[0]!.rule.pos);
    const results: BodyResult[] = [];
    for (const def of defs) {
      for (let r: Rule | undefined = def.rule; r; r = r.else) {
        for (const body of r.bodies) results.push(analyzeBody(body, entry, interpreter, guards, at));
      }
    }
    for (const r of results) for (const p of r.effects.parameters) parameters.add(p);
    const kept = results.filter((r) => !r.skip);
    const skipped = results.filter((r) => r.skip);
    if (kept.length > 0) rules.push(entryFacts(name, at, kept, opts.roots));
    if (skipped.length > 0) {
      const label = kept.length > 0 ? `${name} (bodies that skip UPDATE)` : name;
      rules.push({ ...entryFacts(label, at, skipped, opts.roots), updateSkipped: skipped[0]!.skip! });
    }
  }
  return { rules, parameters };
}

function analyzeBody(body: Body, mod: RegoModule, interpreter: Interpreter, guards: UpdateGuards, ruleAt: SourceRef): BodyResult {
  let effects: Effects;
  try {
    effects = interpreter.entryBody(body, mod);
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    effects = { reads: [], problems: [{ reason: 'the analysis budget ran out (the policy is too large or too deeply layered)', at: ruleAt }], parameters: new Set() };
  }
  const blocker = guards.blocker(body, mod);
  if (!blocker) return { effects };
  return { effects, skip: { at: mod.locate(blocker.pos), reason: `"${snippet(mod, blocker)}" is false for every UPDATE request` } };
}

function entryFacts(name: string, at: SourceRef, bodies: BodyResult[], roots: Roots): EntryRuleFacts {
  return { name, at, ...readFacts(bodies.map((b) => b.effects), roots) };
}
