/**
 * The verdict on one gap finding from its witness: `confirmed` when the whole set admits the gap
 * request and the finding's policy flags the contrast (denies it, or audits or warns where it is not
 * enforced), `refuted` when that policy flags the gap request itself (the static finding is wrong),
 * `unconfirmed` with the reason otherwise.
 */
import { podCreate, type AdmissionRequest, type Decision } from '../admission';
import type { ControlId } from '../catalog/controls';
import type { Finding, FindingEvidence, PolicyFacts } from '../facts';
import { evaluateSet, type PolicySet } from './policy-set';
import { admittedImage } from './repair';
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
  // A finding may point into another file than its policy (a constraint's gap is fixed in its template).
  const same = policies.filter((x) => x.engine === finding.engine && x.policy.name === finding.policy.name && x.policy.kind === finding.policy.kind && x.policy.namespace === finding.policy.namespace);
  // Constraints of one name may differ in parameters (one exempting every image checks nothing):
  // the nearest one that checks a witnessable control names it.
  for (const p of same.sort((a, b) => commonPrefix(b.at.file, finding.file) - commonPrefix(a.at.file, finding.file))) {
    const rules = p.rules.filter((r) => !finding.rule || r.name === finding.rule);
    const controls = rules.flatMap((r) => r.checks).map((c) => c.control).filter(witnessable);
    // Image reads are often an exemption list (exemptImages), not the control the rule enforces.
    const c = controls.find((x) => x !== 'image') ?? controls[0];
    if (c) return c;
  }
  return undefined;
}

/** The nearest policy of that name: the one whose file shares the longest path with the finding's. */
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
  const requests = { base: podCreate(witness.base), gap: witness.gap, ...(witness.contrast ? { contrast: witness.contrast } : {}) };
  const unconfirmed = (reason: string): Evidence => ({ verdict: 'unconfirmed', witness: witness.what, reason, requests });
  const base = evaluateSet(set, requests.base);
  if (base.some((d) => d.verdict === 'deny')) return unconfirmed(`no admitted base pod: a Pod Security restricted pod is denied by ${who(base, ['deny'])}`);
  if (base.some((d) => UNKNOWN.includes(d.verdict))) return unconfirmed(`the base pod is not decided: ${who(base, UNKNOWN)}`);
  // Only what the violation adds counts: a policy in Audit mode may already flag the base pod.
  const flaggedBefore = new Set(base.filter((d) => LOOKS.includes(d.verdict)).map(flagKey));
  const added = (d: Decision): boolean => LOOKS.includes(d.verdict) && !flaggedBefore.has(flagKey(d));
  const gap = evaluateSet(set, witness.gap);
  // A set-level finding says no policy of the set blocks it; any other says its own policy does not see it.
  const setLevel = finding.ruleId === 'hostprocess-unchecked';
  const refutes = (d: Decision): boolean => added(d) && (setLevel ? d.verdict === 'deny' : ownDecision(d, finding, engine));
  if (gap.some(refutes)) return { verdict: 'refuted', witness: witness.what, reason: `the gap request is flagged by ${who(gap.filter(refutes), LOOKS)}`, requests };
  if (gap.some((d) => d.verdict === 'deny')) return unconfirmed(`another policy of the set closes this gap: the gap request is denied by ${who(gap, ['deny'])}`);
  if (gap.some((d) => UNKNOWN.includes(d.verdict))) return unconfirmed(`the gap request is not decided: ${who(gap, UNKNOWN)}`);
  if (witness.contrast) {
    const contrast = evaluateSet(set, witness.contrast).filter((d) => ownDecision(d, finding, engine));
    if (!contrast.some(added)) return unconfirmed(`the contrast request (the same violation where the policy looks, on CREATE) is not flagged by the policy${who(contrast, UNKNOWN) ? `: ${who(contrast, UNKNOWN)}` : ''}`);
  }
  return { verdict: 'confirmed', witness: witness.what, requests };
}

/** What a decision flags: the same policy and rule with the same messages flag the same thing. */
function flagKey(d: Decision): string {
  return JSON.stringify([d.engine, d.policy, d.rule ?? '', d.messages]);
}

/** A decision of the finding's own policy (engines name policies `name`, `Kind/name` or `policy/binding`). */
function ownDecision(d: Decision, f: Finding, engine: string): boolean {
  return d.engine.startsWith(engine) && (d.policy === f.policy.name || d.policy.split('/').includes(f.policy.name) || d.policy === '*');
}

/** Evidence for one finding; a crash while building or evaluating is `unconfirmed`, never thrown. */
export function prove(finding: Finding, set: PolicySet, policies: readonly PolicyFacts[], witnessable: (c: ControlId) => boolean, images: readonly string[] = []): Evidence {
  // A registration's gap shows on the policies it serves: those are proved on their own findings.
  if (finding.engine === 'webhook') return { verdict: 'unconfirmed', reason: 'a webhook registration is not evaluated itself: the gaps it opens are proved on the findings of the policies it serves' };
  try {
    const control = findingControl(finding, policies, witnessable);
    const namespace = namespaceOf(finding);
    return judge(finding, buildWitness(finding, control, namespace, admittedImage(set, namespace, images)), set);
  } catch (e) {
    return { verdict: 'unconfirmed', reason: `witness failed: ${(e as Error).message}` };
  }
}

/** The namespace witnesses are sent to: the policy's own, a Pod Security namespace's name, else `default`. */
function namespaceOf(f: Finding): string {
  if (f.engine === 'psa' && f.policy.kind === 'Namespace') return f.policy.name;
  return f.policy.namespace ?? 'default';
}
