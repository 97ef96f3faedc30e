/**
 * The verdict on one gap finding from its witness: `confirmed` when the whole set admits the gap
 * request and the finding's policy flags the contrast (denies it, or audits or warns where it is not
 * enforced), `refuted` when that policy flags the gap request itself (the static finding is wrong),
 * `unconfirmed` with the reason otherwise.
 */
import { podCreate, type AdmissionRequest, type Decision, type KubeObject } from '../admission';
import { webhooksOf, webhookSends } from '../eval/webhook-routing';
import type { ControlId } from '../catalog/controls';
import type { Finding, FindingEvidence, PolicyFacts } from '../facts';
import { clusterFor, evaluateSet, type PolicySet } from './policy-set';
import { admittedImage } from './repair';

/** What the set's documents suggest for the base pod: trusted images and labels. */
export interface Repairs {
  images: readonly string[];
  labels: readonly Record<string, string>[];
  /** Webhook configurations of the set by `Kind/name`. */
  configurations?: ReadonlyMap<string, KubeObject>;
}
import { buildWitness, type Witness } from './witness';

export interface Evidence extends FindingEvidence {
  /** The requests evaluated, for --reproduce. */
  requests?: { base: AdmissionRequest; gap: AdmissionRequest; contrast?: AdmissionRequest };
}

/** `Kind/name (engine)` of the decisions with `verdict`. */
function who(decisions: Decision[], verdicts: Decision['verdict'][]): string {
  return [...new Set(decisions.filter((d) => verdicts.includes(d.verdict)).map((d) => `${d.policy}${d.rule ? ` rule ${d.rule}` : ''} (${d.engine}${d.reason ? `: ${d.reason}` : ''})`))].join('; ');
}

const UNKNOWN: Decision['verdict'][] = ['error', 'undecided'];
/** The policy saw the violation, whether it blocks (deny) or only reports it (Audit, warn): the contrast shows it looks. */
const LOOKS: Decision['verdict'][] = ['deny', 'audit', 'warn'];

/** The control a finding is about: its own, else the first witnessable one its rule checks. */
export function findingControl(finding: Finding, policies: readonly PolicyFacts[], witnessable: (c: ControlId) => boolean): ControlId | undefined {
  if (finding.control) return finding.control;
  // Constraints of one name may differ in parameters (one exempting every image checks nothing):
  // the nearest one that checks a witnessable control names it.
  for (const p of nearestPolicies(finding, policies)) {
    const rules = p.rules.filter((r) => !finding.rule || r.name === finding.rule);
    const controls = rules.flatMap((r) => r.checks).map((c) => c.control).filter(witnessable);
    // Image reads are often an exemption list (exemptImages), not the control the rule enforces.
    const c = controls.find((x) => x !== 'image') ?? controls[0];
    if (c) return c;
  }
  return undefined;
}

/**
 * The finding's policy: of those of its name, the nearest (a finding may point into another file than
 * its policy: a constraint's gap is fixed in its template).
 */
export function policyOf(finding: Finding, policies: readonly PolicyFacts[]): PolicyFacts | undefined {
  return nearestPolicies(finding, policies)[0];
}

/** The policies of the finding's name, nearest first (a finding may point into another file than its policy). */
function nearestPolicies(finding: Finding, policies: readonly PolicyFacts[]): PolicyFacts[] {
  const same = policies.filter((x) => x.engine === finding.engine && x.policy.name === finding.policy.name && x.policy.kind === finding.policy.kind && x.policy.namespace === finding.policy.namespace);
  return same.sort((a, b) => commonPrefix(b.at.file, finding.file) - commonPrefix(a.at.file, finding.file));
}

/** How many leading characters two paths share: the nearer policy shares more with the finding. */
function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

export function judge(finding: Finding, witness: Witness | { reason: string }, set: PolicySet): Evidence {
  if ('reason' in witness) return { verdict: 'unconfirmed', reason: witness.reason };
  const engine = finding.engine;
  if (finding.ruleId !== 'hostprocess-unchecked' && !set.engines.has(engine)) {
    return { verdict: 'unconfirmed', witness: witness.what, reason: `no evaluable ${engine} policy in the set${set.problems.length ? ` (${set.problems.join('; ')})` : ''}` };
  }
  const onSet = evaluateWitness(set, witness);
  if ('verdict' in onSet) return onSet;
  const { requests, gap, added, unconfirmed } = onSet;
  // A set-level finding says no policy of the set blocks it; any other says its own policy does not see it.
  const setLevel = finding.ruleId === 'hostprocess-unchecked';
  const refutes = (d: Decision): boolean => added(d) && (setLevel ? d.verdict === 'deny' : ownDecision(d, finding, engine));
  if (gap.some(refutes)) return { verdict: 'refuted', witness: witness.what, reason: `the gap request is flagged by ${who(gap.filter(refutes), LOOKS)}`, requests };
  const closed = closedBySet(gap, unconfirmed);
  if (closed) return closed;
  if (witness.contrast) {
    const contrast = evaluateSet(set, witness.contrast).filter((d) => ownDecision(d, finding, engine));
    if (!contrast.some(added)) {
      // Audit or warn: a policy that already flags the base pod the same way shows nothing new.
      const already = contrast.some((d) => LOOKS.includes(d.verdict)) ? ' beyond what it flags on the base pod already' : '';
      return unconfirmed(`the contrast request (the same violation where the policy looks, on CREATE) is not flagged by the policy${already}${who(contrast, UNKNOWN) ? `: ${who(contrast, UNKNOWN)}` : ''}`);
    }
  }
  return { verdict: 'confirmed', witness: witness.what, requests };
}

interface OnSet {
  requests: NonNullable<Evidence['requests']>;
  /** The set's decisions on the gap request. */
  gap: Decision[];
  /** Whether a decision flags something the base pod did not already have. */
  added: (d: Decision) => boolean;
  unconfirmed: (reason: string) => Evidence;
}

/** The set's decisions on the witness, or why it proves nothing (the base pod is denied or undecided). */
function evaluateWitness(set: PolicySet, witness: Witness): OnSet | Evidence {
  const requests = { base: podCreate(witness.base), gap: witness.gap, ...(witness.contrast ? { contrast: witness.contrast } : {}) };
  const unconfirmed = (reason: string): Evidence => ({ verdict: 'unconfirmed', witness: witness.what, reason, requests });
  const base = evaluateSet(set, requests.base);
  if (base.some((d) => d.verdict === 'deny')) return unconfirmed(`no admitted base pod: a Pod Security restricted pod is denied by ${who(base, ['deny'])}`);
  if (base.some((d) => UNKNOWN.includes(d.verdict))) return unconfirmed(`the base pod is not decided: ${who(base, UNKNOWN)}`);
  // Only what the violation adds counts: a policy in Audit mode may already flag the base pod.
  const flaggedBefore = new Set(base.filter((d) => LOOKS.includes(d.verdict)).map(flagKey));
  const added = (d: Decision): boolean => LOOKS.includes(d.verdict) && !flaggedBefore.has(flagKey(d));
  return { requests, gap: evaluateSet(set, witness.gap), added, unconfirmed };
}

/** Why the gap request does not get through the set, if it does not. */
function closedBySet(gap: Decision[], unconfirmed: (reason: string) => Evidence): Evidence | undefined {
  if (gap.some((d) => d.verdict === 'deny')) return unconfirmed(`another policy of the set closes this gap: the gap request is denied by ${who(gap, ['deny'])}`);
  if (gap.some((d) => UNKNOWN.includes(d.verdict))) return unconfirmed(`the gap request is not decided: ${who(gap, UNKNOWN)}`);
  return undefined;
}

/**
 * A webhook registration's own gap: whatever its webhooks check, the API server must not send them the
 * gap request and must send them the contrast (the same violation on a pod CREATE), and the rest of
 * the set must admit the gap request.
 */
export function judgeRegistration(finding: Finding, witness: Witness | { reason: string }, set: PolicySet, config: KubeObject | undefined): Evidence {
  if ('reason' in witness) return { verdict: 'unconfirmed', reason: witness.reason };
  if (!config) return { verdict: 'unconfirmed', witness: witness.what, reason: 'the webhook configuration is not among the evaluated documents' };
  const hooks = webhooksOf(config).filter((w) => !finding.rule || w.name === finding.rule);
  const routed = (req: AdmissionRequest) => hooks.map((w) => ({ name: String(w.name), match: webhookSends(w, req, clusterFor(set, req)) }));
  const onSet = evaluateWitness(set, witness);
  if ('verdict' in onSet) return onSet;
  const { requests, gap, unconfirmed } = onSet;
  const toGap = routed(witness.gap);
  const sent = toGap.filter((r) => 'matches' in r.match && r.match.matches);
  if (sent.length > 0) return { verdict: 'refuted', witness: witness.what, reason: `the gap request is sent to webhook ${sent.map((r) => `${r.name}${'reason' in r.match && r.match.reason ? ` (${r.match.reason})` : ''}`).join(', ')}`, requests };
  const unknown = [...toGap, ...(witness.contrast ? routed(witness.contrast) : [])].find((r) => !('matches' in r.match));
  if (unknown) return unconfirmed(`whether webhook ${unknown.name} is called is not decided: ${'undecided' in unknown.match ? unknown.match.undecided : (unknown.match as { error: string }).error}`);
  const closed = closedBySet(gap, unconfirmed);
  if (closed) return closed;
  if (witness.contrast && !routed(witness.contrast).some((r) => 'matches' in r.match && r.match.matches)) return unconfirmed('the contrast request (the same violation on a pod CREATE) is not sent to the webhooks either');
  return { verdict: 'confirmed', witness: `${witness.what}; the API server never sends it to ${hooks.map((w) => String(w.name)).join(', ')}`, requests };
}

/** What a decision flags: the same policy and rule with the same messages flag the same thing. */
function flagKey(d: Decision): string {
  return JSON.stringify([d.engine, d.policy, d.rule ?? '', d.messages]);
}

/** A decision of the finding's own policy (engines name policies `name`, `Kind/name` or `policy/binding`). */
export function ownDecision(d: Decision, f: Finding, engine: string): boolean {
  return d.engine.startsWith(engine) && (d.policy === f.policy.name || d.policy.split('/').includes(f.policy.name) || d.policy === '*');
}

/** Evidence for one finding; a crash while building or evaluating is `unconfirmed`, never thrown. */
export function prove(finding: Finding, set: PolicySet, policies: readonly PolicyFacts[], witnessable: (c: ControlId) => boolean, repairs: Repairs = { images: [], labels: [] }): Evidence {
  try {
    // What a webhook checks is unknown: its witness is a privileged debug container, and the proof is that it is never asked.
    if (finding.engine === 'webhook') return judgeRegistration(finding, buildWitness(finding, 'privileged', { namespace: namespaceOf(finding) }), set, repairs.configurations?.get(`${finding.policy.kind}/${finding.policy.name}`));
    const control = findingControl(finding, policies, witnessable);
    const namespace = namespaceOf(finding);
    const image = admittedImage(set, namespace, repairs.images);
    const first = judge(finding, buildWitness(finding, control, { namespace, image }), set);
    if (first.verdict !== 'unconfirmed') return first;
    // A policy that closes the gap or denies the base pod may select pods by label: try opting out.
    for (const labels of repairs.labels) {
      const e = judge(finding, buildWitness(finding, control, { namespace, image, labels }), set);
      const on = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
      if (e.verdict === 'confirmed') return { ...e, witness: `${e.witness} (on a pod labelled ${on})` };
    }
    return first;
  } catch (e) {
    return { verdict: 'unconfirmed', reason: `witness failed: ${(e as Error).message}` };
  }
}

/** The namespace witnesses are sent to: the policy's own, a Pod Security namespace's name, else `default`. */
export function namespaceOf(f: Finding): string {
  if (f.engine === 'psa' && f.policy.kind === 'Namespace') return f.policy.name;
  return f.policy.namespace ?? 'default';
}
