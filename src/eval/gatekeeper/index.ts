/**
 * Gatekeeper evaluation: a ConstraintTemplate and a Constraint decide an admission request as
 * Gatekeeper would: the constraint's match, the engine Gatekeeper runs for the template, and the
 * constraint's enforcement action at the enforcement point.
 */
import type { AdmissionRequest, ClusterContext, Decision, Evaluator, KubeObject, Verdict } from '../../admission';
import { runCelHalf, type Violations } from './cel-engine';
import { constraintMatches } from './match';
import { gatekeeperReview, inventoryData } from './review';
import { compileRegoHalf, runRegoHalf, type CompiledRego, type RegoCompileError } from './rego-engine';
import { engineFor, type Template } from './template';

export { readTemplate, engineFor, gatekeeperMinor, NEWEST_GATEKEEPER, type Template } from './template';
export { constraintMatches } from './match';
export { gatekeeperReview, inventoryData } from './review';
export type { RegoCompileError } from './rego-engine';

/** Where Gatekeeper decides: the admission webhook, audit, or the gator CLI. */
export type EnforcementPoint = 'validation.gatekeeper.sh' | 'audit.gatekeeper.sh' | 'gator.gatekeeper.sh';

export interface GatekeeperOptions {
  gatekeeperVersion?: string;
  enforcementPoint?: EnforcementPoint;
}

const VERDICT: Record<string, Verdict> = { deny: 'deny', warn: 'warn', dryrun: 'audit' };

/** The verdict a violation gets from the constraint's enforcementAction (scoped actions per point). */
function violationVerdict(constraint: KubeObject, point: EnforcementPoint): Verdict | { error: string } | undefined {
  const spec = (constraint.spec as KubeObject | undefined) ?? {};
  const action = typeof spec.enforcementAction === 'string' ? spec.enforcementAction.toLowerCase() : 'deny';
  if (action !== 'scoped') return VERDICT[action] ?? { error: `unknown enforcementAction ${JSON.stringify(spec.enforcementAction)}` };
  const scoped = Array.isArray(spec.scopedEnforcementActions) ? (spec.scopedEnforcementActions as KubeObject[]) : [];
  const here = scoped
    .filter((s) => (Array.isArray(s.enforcementPoints) ? (s.enforcementPoints as KubeObject[]) : []).some((p) => p.name === '*' || p.name === point))
    .map((s) => String(s.action ?? '').toLowerCase());
  for (const a of ['deny', 'warn', 'dryrun']) if (here.includes(a)) return VERDICT[a];
  return undefined;
}

/** Each template's Rego compiles once, whatever the number of constraints of its kind. */
const compiledTemplates = new WeakMap<Template, { compiled: CompiledRego } | RegoCompileError>();

export class GatekeeperPolicy {
  constructor(
    readonly template: Template,
    readonly constraint: KubeObject,
  ) {}

  get name(): string {
    const n = (this.constraint.metadata as KubeObject | undefined)?.name;
    return `${this.template.kind}/${typeof n === 'string' ? n : '?'}`;
  }

  /** The Rego compiled on first use (CEL-first templates never pay for it). */
  compiledRego(): { compiled: CompiledRego } | RegoCompileError {
    let c = compiledTemplates.get(this.template);
    if (!c) compiledTemplates.set(this.template, (c = compileRegoHalf(this.template.rego!)));
    return c;
  }

  evaluate(req: AdmissionRequest, cluster: ClusterContext, opts: GatekeeperOptions = {}): Decision {
    const engine = engineFor(this.template, opts.gatekeeperVersion);
    const decision = (verdict: Verdict, extra: Partial<Decision> = {}): Decision => ({
      engine: `gatekeeper-${engine ?? 'none'}`, policy: this.name, verdict, messages: [], at: this.template.at, ...extra,
    });
    if (!engine) return decision('not-evaluated', { reason: `Gatekeeper ${opts.gatekeeperVersion} runs no K8sNativeValidation (CEL) code: enabled by default since 3.17` });
    const object = req.object ?? req.oldObject;
    if (!object) return decision('error', { reason: 'the request carries neither object nor oldObject' });
    const nsName = req.namespace ?? ((object.metadata as KubeObject | undefined)?.namespace as string | undefined);
    const namespace = nsName ? cluster.namespaces.get(nsName) : undefined;
    const m = constraintMatches((this.constraint.spec as KubeObject | undefined)?.match as KubeObject | undefined, { object, namespace });
    if ('error' in m) return decision('error', { reason: m.error });
    if (!m.matches) return decision('not-evaluated', { reason: m.reason });
    const verdict = violationVerdict(this.constraint, opts.enforcementPoint ?? 'validation.gatekeeper.sh');
    if (verdict && typeof verdict === 'object') return decision('error', { reason: verdict.error });
    if (!verdict) return decision('not-evaluated', { reason: 'no scoped enforcement action applies at this enforcement point' });

    let result: Violations;
    if (engine === 'cel') result = runCelHalf(this.template.cel!, this.constraint, req, namespace);
    else {
      const rego = this.compiledRego();
      if ('error' in rego) return decision('error', { reason: rego.error });
      const parameters = (this.constraint.spec as KubeObject | undefined)?.parameters ?? {};
      result = runRegoHalf(rego.compiled, gatekeeperReview(req), parameters, inventoryData(cluster.inventory));
    }
    if ('error' in result) return decision('error', { reason: result.error });
    if ('undecided' in result) return decision('undecided', { reason: result.undecided });
    if ('skipped' in result) return decision('not-evaluated', { reason: result.skipped });
    return result.messages.length ? decision(verdict, { messages: result.messages, rule: result.rules.join(', ') }) : decision('admit');
  }
}

/** A set of template+constraint pairs as one Evaluator. */
export function gatekeeperEvaluator(policies: readonly GatekeeperPolicy[], opts: GatekeeperOptions = {}): Evaluator {
  return { engine: 'gatekeeper', evaluate: (req, cluster) => policies.map((p) => p.evaluate(req, cluster, opts)) };
}
