/**
 * `polcov test --mutate`: the repository's own denied test cases turned into bypass checks. For each
 * case that expects a denial and passes, the pod it reviews is rewritten the way an attacker would send
 * it — the violating container added by `kubectl debug` (an UPDATE on pods/ephemeralcontainers), the
 * violating container as an init container, HostProcess set at the other level — and each variant is
 * evaluated by the same policy. A variant the policy admits is a confirmed bypass.
 */
import { asObjects, objectRequest, type AdmissionRequest, type Decision, type KubeObject } from '../../admission';
import type { SourceRef } from '../../facts';
import type { CaseReport } from '../run';
import type { MutationTarget, RunSettings, SuiteCase } from '../suite-format';
import { debuggableViolation, ephemeralVariant, hostProcessDisagrees, hostProcessPlacement, hostProcessVariant, initVariant, initViolationProblem, namesOf, podOf, violatingContainers, violatingInContainers, withPlainContainer, writableMountOf } from '../../admission/pod-variants';

export type VariantKind = 'ephemeral-update' | 'init-container' | 'hostprocess-level';
/** `bypass`: the policy admits the variant; `holds`: it still finds the violation; `undecided`: evaluation could not tell. */
export type VariantStatus = 'bypass' | 'holds' | 'undecided' | 'not-built';

export interface VariantResult {
  variant: VariantKind;
  status: VariantStatus;
  /** One line: what the variant is and what the policy did with it. */
  message: string;
  decisions: Decision[];
}

export interface MutatedCase {
  suite: string;
  case: string;
  path: string;
  file: string;
  line: number;
  policy: string;
  policyAt: SourceRef;
  variants: VariantResult[];
}

export interface MutationReport {
  cases: MutatedCase[];
  totals: { cases: number; variants: number; bypasses: number; holds: number; undecided: number; notBuilt: number };
}

/** A case to mutate: the suite it belongs to, the loaded case and its result. */
export interface RanCase {
  suite: string;
  testCase: SuiteCase;
  report: CaseReport;
}

type Outcome = 'holds' | 'bypass' | 'undecided';

/** Any violation found (deny, warn, audit) holds; an error or a missing lookup decides nothing; else the request got through. */
export function outcomeOf(decisions: Decision[]): Outcome {
  if (decisions.some((d) => d.verdict === 'deny' || d.verdict === 'warn' || d.verdict === 'audit')) return 'holds';
  if (decisions.some((d) => d.verdict === 'error' || d.verdict === 'undecided')) return 'undecided';
  return 'bypass';
}

function why(decisions: Decision[]): string {
  const d = decisions.find((x) => x.verdict === 'error' || x.verdict === 'undecided') ?? decisions.find((x) => x.reason);
  return d ? `${d.verdict}${d.reason ? `: ${d.reason}` : ''}` : 'no rule answered';
}

const create = (pod: KubeObject): AdmissionRequest => objectRequest(pod, 'CREATE', { resource: 'pods' });

/** One case's variants, or nothing when the case reviews no pod. */
function mutateCase(target: MutationTarget, name: string, settings: RunSettings): VariantResult[] | undefined {
  const pod = podOf(target.object);
  if (!pod) return undefined;
  const evaluate = (r: AdmissionRequest) => target.evaluate(r, settings);
  const as = (variant: VariantKind, status: VariantStatus, message: string, decisions: Decision[] = []): VariantResult => ({ variant, status, message, decisions });
  const judged = (variant: VariantKind, request: AdmissionRequest, bypass: string, holds: string): VariantResult => {
    const decisions = evaluate(request);
    const o = outcomeOf(decisions);
    return as(variant, o, o === 'bypass' ? `${bypass}, which ${target.policy} admits` : o === 'holds' ? `${holds}: ${target.policy} denies it` : `${holds}: ${why(decisions)}`, decisions);
  };

  // The contrast: sent as a real CREATE, the case's pod must be denied, else no variant proves anything.
  const contrast = evaluate(create(pod));
  if (outcomeOf(contrast) !== 'holds') {
    return [as('ephemeral-update', 'not-built', `case \`${name}\`: the pod sent as a CREATE is not denied (${why(contrast)}), so its variants prove nothing`, contrast)];
  }
  const results: VariantResult[] = [];
  const admitted = (p: KubeObject) => outcomeOf(evaluate(create(p))) === 'bypass';
  // The base pod the attacker starts from: the case's own pod with its containers replaced by a plain
  // one, else a pod the same test expects admitted. It must be admitted on CREATE.
  const bases = [withPlainContainer(pod), ...target.allowed.map(podOf).filter((p): p is KubeObject => p !== undefined)];
  const base = bases.find(admitted);
  const violating = base ? violatingContainers(pod, base, admitted) : [];
  if (!base) {
    results.push(as('ephemeral-update', 'not-built', `case \`${name}\`: no base pod is admitted (neither the case's pod without its containers nor an allowed case of the test)`));
  } else if (violating.length === 0) {
    // Pod-level violations (volumes) cannot be added by kubectl debug; a writable mount of a volume the pod has can.
    const rw = writableMountOf(bases.filter(admitted), admitted);
    if (rw) {
      const mounts = `${String(rw.c.name)} mounting ${asObjects(rw.c.volumeMounts).map((m) => String(m.name)).join(', ')} read-write`;
      results.push(judged('ephemeral-update', ephemeralVariant(rw.base, rw.c), `case \`${name}\`'s violation is in the pod, which \`kubectl debug\` cannot change; it adds ${mounts} to an admitted pod of the test with an UPDATE on pods/ephemeralcontainers`, `${mounts} added by \`kubectl debug\` (UPDATE on pods/ephemeralcontainers)`));
    } else {
      results.push(as('ephemeral-update', 'not-built', `case \`${name}\`: the violation is not in a container (each of its containers added alone to an admitted pod is admitted)`));
    }
  } else {
    const v = violating[0]!;
    const vname = String(v.c.name);
    const where = v.list === 'ephemeralContainers' ? 'a CREATE' : `container ${vname} in ${v.list}`;
    const debuggable = hostProcessDisagrees(base, v.c) ? undefined : debuggableViolation(base, [v], admitted);
    if (!debuggable) {
      results.push(as('ephemeral-update', 'not-built', `case \`${name}\`: the API server refuses ${vname} as a debug container: its hostProcess differs from the pod's other containers, and every container of a pod must agree`));
    } else if ('reason' in debuggable) {
      results.push(as('ephemeral-update', 'not-built', `case \`${name}\`: ${debuggable.reason}`));
    } else {
      results.push(judged('ephemeral-update', ephemeralVariant(base, v.c), `case \`${name}\` checks ${where}; \`kubectl debug\` adds ${vname} with an UPDATE on pods/ephemeralcontainers`, `${vname} added by \`kubectl debug\` (UPDATE on pods/ephemeralcontainers)`));
    }
    // Only a container whose content violates (denied in containers too) says something as an init
    // container; one that violates by its list (any ephemeral container) does not.
    const moved = violatingInContainers(base, violating.filter((x) => x.list !== 'initContainers'), admitted);
    const problem = initViolationProblem(base, moved, admitted);
    if (problem) {
      // Requiring probes or lifecycle hooks cannot apply to a plain init container, which may not have them.
      results.push(as('init-container', 'not-built', `case \`${name}\`: ${problem}`));
    } else if (moved.some((x) => hostProcessDisagrees(base, x.c))) {
      results.push(as('init-container', 'not-built', `case \`${name}\`: the API server refuses ${namesOf(moved)} as init containers: their hostProcess differs from the pod's other containers, and every container of a pod must agree`));
    } else if (moved.length > 0) {
      results.push(judged('init-container', initVariant(base, moved.map((x) => x.c)), `case \`${name}\` checks ${namesOf(moved)} outside initContainers; created as init containers (CREATE)`, `${namesOf(moved)} as init containers (CREATE)`));
    }
  }
  const placement = hostProcessPlacement(pod);
  if (placement.pod || placement.containers) {
    const { request, moved } = hostProcessVariant(pod);
    const from = placement.containers ? 'per container' : 'at the pod level';
    results.push(judged('hostprocess-level', request, `case \`${name}\` sets hostProcess ${from}; the same HostProcess pod with the flag moved ${moved} is created`, `hostProcess moved ${moved}`));
  }
  return results;
}

/** The bypass checks of every denying case that passes (a failing case is already reported as such). */
export function mutateCases(cases: readonly RanCase[], settings: RunSettings): MutationReport {
  const mutated: MutatedCase[] = [];
  for (const { suite, testCase, report } of cases) {
    if (!testCase.mutation || report.status !== 'pass') continue;
    let variants: VariantResult[] | undefined;
    try {
      variants = mutateCase(testCase.mutation, testCase.name, settings);
    } catch (e) {
      variants = [{ variant: 'ephemeral-update', status: 'undecided', message: `case \`${testCase.name}\`: evaluation failed: ${(e as Error).message}`, decisions: [] }];
    }
    if (!variants) continue;
    mutated.push({ suite, case: testCase.name, path: testCase.path, file: report.file, line: report.line, policy: testCase.mutation.policy, policyAt: testCase.mutation.policyAt, variants });
  }
  const all = mutated.flatMap((c) => c.variants);
  const count = (s: VariantStatus) => all.filter((v) => v.status === s).length;
  return { cases: mutated, totals: { cases: mutated.length, variants: all.length, bypasses: count('bypass'), holds: count('holds'), undecided: count('undecided'), notBuilt: count('not-built') } };
}
