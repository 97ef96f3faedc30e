/**
 * CEL analysis shared by every engine that embeds CEL (ValidatingAdmissionPolicy, Kyverno
 * ValidatingPolicy and `validate.cel`, Gatekeeper K8sNativeValidation): which Pod fields each
 * validation reads, whether a guard or match condition lets `kubectl debug` through unchecked,
 * whether a validation rejects every Pod with ephemeral containers, and which tests on request
 * attributes it cannot decide (reported, never counted silently).
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { Check, Location, SourceRef, Unanalyzable } from '../../facts';
import { readExpression, readVariables, snippet, type CelExpr, type Variable } from './expressions';
import { DebugRequestGuards, type Decider, type OpenGuard } from './guards';
import { ReadAnalysis } from './reads';
import { TooComplex } from '../too-complex';

export interface CelFacts {
  checks: Check[];
  listRefs: Partial<Record<Location, SourceRef>>;
  unanalyzable: Unanalyzable[];
  updateSkipped?: { at: SourceRef; reason: string };
  /** A validation rejects every Pod with ephemeral containers (`!has(object.spec.ephemeralContainers)`). */
  forbidsEphemeral?: SourceRef;
}

export interface MatchConditions {
  updateSkipped?: CelFacts['updateSkipped'];
  problems: Unanalyzable[];
}

const DEBUG_REQUEST = 'UPDATE on pods/ephemeralcontainers';

function dedupe(checks: Check[]): Check[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const k = `${c.control}|${c.location}|${c.field}|${c.at.line}:${c.at.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const where = (d: Decider): SourceRef => d.expr.source.at(d.node.start);

/** Each undecided test on a request attribute once, as an Unanalyzable at the test. */
function openGuardProblems(open: OpenGuard[]): Unanalyzable[] {
  const seen = new Set<string>();
  const out: Unanalyzable[] = [];
  for (const g of open) {
    const at = where(g);
    const key = `${at.line}:${at.column}:${g.node.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ reason: `guard on ${g.attribute} that polcov cannot evaluate: \`${snippet(g.expr, g.node)}\``, at });
  }
  return out;
}

/** The CEL of one policy: its variables, shared by its validations and match conditions. */
export class CelPolicy {
  private readonly variables: Map<string, Variable>;
  private readonly reads: ReadAnalysis;
  /** The kubectl debug request: UPDATE on pods/ephemeralcontainers, with ephemeral containers. */
  private readonly guards: DebugRequestGuards;
  /** The same request with nothing known about the Pod: what request attributes decide alone. */
  private readonly requestOnly: DebugRequestGuards;
  /** Any request under known Gatekeeper parameters: what the parameters decide alone. */
  private readonly underParameters?: DebugRequestGuards;

  /** `parameters`: Gatekeeper's `variables.params` when the constraint's parameters are known. */
  constructor(
    private readonly y: YamlDoc,
    variablesNode: Node | undefined,
    parameters?: unknown,
  ) {
    this.variables = readVariables(y, variablesNode);
    this.reads = new ReadAnalysis(this.variables);
    this.guards = new DebugRequestGuards(this.variables, { knowsEphemeral: true, parameters });
    this.requestOnly = new DebugRequestGuards(this.variables, { knowsEphemeral: false, parameters });
    if (parameters !== undefined) this.underParameters = new DebugRequestGuards(this.variables, { knowsEphemeral: false, knowsRequest: false, parameters });
  }

  /** Variables that do not parse: reported once for the policy. */
  variableProblems(): Unanalyzable[] {
    return [...this.variables.values()].flatMap((v) => (v.problem ? [v.problem] : []));
  }

  /** One `{expression, message}` item. */
  validation(item: Node): CelFacts {
    const e = readExpression(this.y, item);
    if (!e.ast) return { checks: [], listRefs: {}, unanalyzable: [e.problem!] };
    try {
      return this.analyzeValidation(e);
    } catch (err) {
      // Past the budget the validation counts nothing; the other validations are still read.
      if (!(err instanceof TooComplex)) throw err;
      return { checks: [], listRefs: {}, unanalyzable: [{ reason: err.message, at: e.source.at(e.ast.start) }] };
    }
  }

  private analyzeValidation(e: CelExpr): CelFacts {
    // True for every request under the constraint's parameters (`hostNetwork: true` allows the host network): it checks nothing.
    if (this.underParameters?.alwaysTrue(e)) return { checks: [], listRefs: {}, unanalyzable: [] };
    const reads = this.reads.expression(e);
    const guard = this.guards.alwaysTrue(e);
    // False for every kubectl debug because of the ephemeral containers, not because of the request
    // alone (`request.operation == "CREATE" && …` denies every UPDATE, a different finding).
    const rejects = this.guards.alwaysFalse(e);
    const forbids = rejects && !this.requestOnly.alwaysFalse(e) ? rejects : undefined;
    return {
      checks: dedupe(reads.checks),
      listRefs: reads.listRefs,
      unanalyzable: [...reads.unanalyzable, ...openGuardProblems(this.guards.openGuards(e))],
      ...(guard ? { updateSkipped: { at: where(guard), reason: `\`${snippet(guard.expr, guard.node)}\` passes every ${DEBUG_REQUEST}` } } : {}),
      ...(forbids ? { forbidsEphemeral: where(forbids) } : {}),
    };
  }

  /** `matchConditions`: one that is false for kubectl debug skips the whole policy for it. */
  matchConditions(list: Node | undefined): MatchConditions {
    const out: MatchConditions = { problems: [] };
    for (const item of this.y.items(list)) {
      const e = readExpression(this.y, item);
      if (e.problem) out.problems.push(e.problem);
      let guard: Decider | undefined;
      try {
        out.problems.push(...openGuardProblems(this.guards.openGuards(e)));
        guard = e.ast && this.guards.alwaysFalse(e);
      } catch (err) {
        if (!(err instanceof TooComplex)) throw err;
        out.problems.push({ reason: err.message, at: e.source.at(e.ast?.start ?? 0) });
        continue;
      }
      if (!guard || out.updateSkipped) continue;
      const name = this.y.str(this.y.get(item, 'name')) ?? '(unnamed)';
      out.updateSkipped = { at: where(guard), reason: `matchCondition "${name}" (\`${snippet(guard.expr, guard.node)}\`) excludes every ${DEBUG_REQUEST}` };
    }
    return out;
  }
}

export function mergeCelFacts(into: CelFacts, from: CelFacts): void {
  into.checks.push(...from.checks);
  into.unanalyzable.push(...from.unanalyzable);
  for (const [l, r] of Object.entries(from.listRefs) as [Location, SourceRef][]) into.listRefs[l] ??= r;
  if (from.updateSkipped) into.updateSkipped ??= from.updateSkipped;
  if (from.forbidsEphemeral) into.forbidsEphemeral ??= from.forbidsEphemeral;
}

/**
 * All validations of a CEL block as one rule: `node` is a map with `variables`, `validations` (or
 * Kyverno's `expressions`) and optionally `matchConditions`, e.g. a Kyverno `validate.cel` or a
 * Gatekeeper `K8sNativeValidation` source (with the constraint's `parameters`, when known).
 */
export function analyzeCelValidations(y: YamlDoc, node: Node, parameters?: unknown): CelFacts {
  const policy = new CelPolicy(y, y.get(node, 'variables'), parameters);
  const out: CelFacts = { checks: [], listRefs: {}, unanalyzable: policy.variableProblems() };
  for (const item of [...y.items(y.get(node, 'validations')), ...y.items(y.get(node, 'expressions'))]) {
    const { updateSkipped, ...facts } = policy.validation(item);
    mergeCelFacts(out, facts);
    // A guard matters where it hides container checks; the block's other validations still run.
    if (updateSkipped && facts.checks.some((c) => c.location !== 'pod')) out.updateSkipped ??= updateSkipped;
  }
  const conditions = policy.matchConditions(y.get(node, 'matchConditions'));
  out.unanalyzable.push(...conditions.problems);
  if (conditions.updateSkipped) out.updateSkipped = conditions.updateSkipped;
  out.checks = dedupe(out.checks);
  return out;
}
