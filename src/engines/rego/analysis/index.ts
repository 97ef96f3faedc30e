/**
 * Data-flow analysis of Rego admission policies: which container lists and fields the entry rules
 * (`violation`, `deny`, `warn`…) check, where, whether a body skips UPDATE, and what could not be
 * followed. Engine-neutral: Gatekeeper templates and raw `.rego` files both call `analyzeEntries`.
 */
import { CONTAINER_LISTS, type Check, type Exemption, type Location, type SourceRef, type Unanalyzable } from '../../../facts';
import type { Body, Rule } from '../ast';
import { Access } from './access';
import type { Effects, Read } from './effects';
import { UpdateGuards, type GuardBlocker } from './guards';
import { BudgetExceeded } from './budget';
import { Interpreter, snippet, type Condition } from './interpreter';
import { classifyObjectPath, readFacts, readsAnyCheck } from './rule-facts';
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
  /** The rule rejects any Pod with ephemeral containers (set by the CEL analysis of K8sNativeValidation). */
  forbidsEphemeral?: SourceRef;
}

export interface RegoAnalysis {
  rules: EntryRuleFacts[];
  /** Constraint parameters the policy reads (e.g. exemptImages). */
  parameters: Set<string>;
  /** Conditions in entry bodies on the requesting user or on container names: who or what they let through. */
  exemptions: Exemption[];
}

export interface AnalysisOptions {
  roots: Roots;
  isEntry(name: string): boolean;
  /** Evaluation steps allowed per module (each term evaluated is one step). */
  maxSteps?: number;
  /**
   * The constraint parameters (`input.parameters`) when known: bodies they switch off for every
   * request check nothing. Undefined: not known (any parameters).
   */
  parameters?: unknown;
}

const DEFAULT_MAX_STEPS = 300_000;

interface BodyResult {
  effects: Effects;
  /** The body is false for the kubectl debug request. */
  skip?: { at: SourceRef; reason: string };
  /** The body is false whenever the Pod has an ephemeral container: where that is decided. */
  excluded?: SourceRef;
  exemptions: Exemption[];
}

/** Analyses the entry rules defined in `entry`, following references into every module of `index`. */
export function analyzeEntries(entry: RegoModule, index: RulesIndex, opts: AnalysisOptions): RegoAnalysis {
  const guards = new UpdateGuards(index, opts.roots, opts.parameters);
  const interpreter = new Interpreter(index, opts.roots, guards, opts.maxSteps ?? DEFAULT_MAX_STEPS);
  const ctx: BodyContext = { mod: entry, interpreter, guards, roots: opts.roots, access: new Access(opts.roots) };
  const parameters = new Set<string>();
  const rules: EntryRuleFacts[] = [];
  const exemptions = new Map<string, Exemption>();
  for (const group of index.entryGroups(entry, opts.isEntry)) {
    const defs = group.defs.filter((d) => d.mod === entry);
    const name = headPath(defs[0]!.rule).join('.');
    const at = entry.locate(defs[0]!.rule.pos);
    const results: BodyResult[] = [];
    for (const def of defs) {
      for (let r: Rule | undefined = def.rule; r; r = r.else) {
        for (const body of r.bodies) {
          const result = analyzeBody(body, ctx, at);
          // Switched off by the constraint's parameters: it checks nothing, but reads parameters.
          if (guards.switchedOff(body, entry)) for (const p of result.effects.parameters) parameters.add(p);
          else results.push(result);
        }
      }
    }
    for (const r of results) for (const p of r.effects.parameters) parameters.add(p);
    for (const e of results.flatMap((r) => r.exemptions)) exemptions.set(`${e.kind}@${e.at.file}:${e.at.line}:${e.at.column}`, e);
    const kept = results.filter((r) => !r.skip && !r.excluded);
    const excluded = results.filter((r) => !r.skip && r.excluded);
    const skipped = results.filter((r) => r.skip);
    if (kept.length > 0) rules.push(entryFacts(name, at, kept, opts.roots));
    if (excluded.length > 0) {
      const label = kept.length > 0 ? `${name} (bodies that exclude ephemeral containers)` : name;
      const facts = entryFacts(label, at, excluded, opts.roots);
      // The gap is the condition that switches the rule off, not the list it iterates.
      for (const l of CONTAINER_LISTS) if (facts.listRefs[l]) facts.listRefs[l] = excluded[0]!.excluded!;
      rules.push(facts);
    }
    if (skipped.length > 0) {
      const label = kept.length + excluded.length > 0 ? `${name} (bodies that skip UPDATE)` : name;
      rules.push({ ...entryFacts(label, at, skipped, opts.roots), updateSkipped: skipped[0]!.skip! });
    }
  }
  return { rules, parameters, exemptions: [...exemptions.values()] };
}

interface BodyContext {
  mod: RegoModule;
  interpreter: Interpreter;
  guards: UpdateGuards;
  roots: Roots;
  access: Access;
}

function analyzeBody(body: Body, ctx: BodyContext, ruleAt: SourceRef): BodyResult {
  const { mod, roots, access } = ctx;
  let effects: Effects;
  let conditions: Condition[] = [];
  let blocker: GuardBlocker | undefined;
  try {
    ({ effects, conditions } = ctx.interpreter.entryBody(body, mod));
    blocker = ctx.guards.blocker(body, mod);
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    const reason = `too complex to follow: ${e.message} (the policy is too large or too deeply layered)`;
    return { effects: { reads: [], problems: [{ reason, at: ruleAt }], parameters: new Set() }, exemptions: [] };
  }
  if (blocker?.kind === 'update') {
    // Everything the body reads, helpers that skip the request included: it is all skipped.
    const reason = `"${snippet(blocker.mod, blocker.expr)}" is false for the kubectl debug request`;
    return { effects, skip: { at: blocker.mod.locate(blocker.expr.pos), reason }, exemptions: [] };
  }
  // Helper bodies that skip the debug request contribute nothing here.
  let keep = (r: Read): Read[] => (r.skipped ? [] : [r]);
  if (blocker) {
    // Never with an ephemeral container: what it reads of ephemeral containers is never checked.
    const base = keep;
    keep = (r) => base(r).flatMap((x) => access.withoutEphemeral(x).map((p) => ({ ...x, segs: p.segs })));
  }
  const filtered: Effects = { ...effects, reads: effects.reads.flatMap(keep) };
  const exemptions = exemptionsOf(
    conditions.map((c) => ({ expr: c.expr, reads: c.reads.flatMap(keep) })),
    mod,
    roots,
  );
  return {
    effects: filtered,
    ...(blocker ? { excluded: blocker.mod.locate(blocker.expr.pos) } : {}),
    // Only a body that checks something exempts anything from a check.
    exemptions: exemptions.length > 0 && readsAnyCheck(filtered, roots) ? exemptions : [],
  };
}

/** The request's userInfo (who sends it). */
function readsUserInfo(segs: readonly string[], roots: Roots): boolean {
  return [1, 2].some((i) => segs.length > i && segs[i] === 'userInfo' && roots.isRequest(segs.slice(0, i)));
}

/** A container's name in a list that includes ephemeral containers. */
function readsEphemeralName(segs: readonly string[], roots: Roots): boolean {
  const obj = roots.object(segs);
  return obj !== undefined && classifyObjectPath(obj).reads.some((r) => r.location === 'ephemeralContainers' && r.field === 'name');
}

/**
 * Conditions of a checking body on who sends the request (`not trusted_user`) or on a container's
 * name (`not startswith(c.name, "debugger-")`): whoever may run kubectl debug picks the name, and
 * an exempt identity can add any container. Only a test of the name counts (a comparison, a
 * builtin test, membership, through helpers and `not`): binding it as an object key
 * (`container := all_containers[name]`), formatting it into the message or building the key of an
 * annotation the body then checks (`asKey`) lets no container through.
 */
function exemptionsOf(conditions: Condition[], mod: RegoModule, roots: Roots): Exemption[] {
  const out: Exemption[] = [];
  for (const c of conditions) {
    const base = { value: snippet(mod, c.expr), at: mod.locate(c.expr.pos), admitsArbitraryDebug: true };
    if (c.reads.some((r) => readsUserInfo(r.segs, roots))) out.push({ kind: 'user', ...base });
    if (c.reads.some((r) => !r.asKey && readsEphemeralName(r.segs, roots))) out.push({ kind: 'containerName', ...base });
  }
  return out;
}

function entryFacts(name: string, at: SourceRef, bodies: BodyResult[], roots: Roots): EntryRuleFacts {
  return { name, at, ...readFacts(bodies.map((b) => b.effects), roots) };
}
