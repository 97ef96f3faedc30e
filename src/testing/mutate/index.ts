/**
 * `polcov test --mutate`: the repository's own denied test cases turned into bypass checks. For each
 * case that expects a denial and passes, the pod it reviews is rewritten the way an attacker would send
 * it — the violating container added by `kubectl debug` (an UPDATE on pods/ephemeralcontainers), the
 * violating container as an init container, HostProcess set at the other level — and each variant is
 * evaluated by the same policy. A variant the policy admits is a confirmed bypass.
 */
import { objectRequest, type AdmissionRequest, type Decision, type KubeObject } from '../../admission';
import type { SourceRef } from '../../facts';
import type { CaseReport } from '../run';
import type { MutationTarget, RunSettings, SuiteCase } from '../suite-format';
import { CONTAINER_LISTS, containersIn, ephemeralVariant, hostProcessPlacement, hostProcessVariant, initVariant, plainContainer, podOf, withSpec, type ContainerList } from './pod-variants';

const EMPTY_LISTS = { initContainers: [], ephemeralContainers: [] };
const names = (cs: { c: KubeObject }[]): string => cs.map((v) => String(v.c.name)).join(', ');

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
function outcomeOf(decisions: Decision[]): Outcome {
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
  // A container violates when a pod holding just it (beside a plain container) is denied.
  const only = (list: ContainerList, c: KubeObject) => withSpec(pod, { ...EMPTY_LISTS, containers: [plainContainer(c)], [list]: [c] });
  const violating = CONTAINER_LISTS.flatMap((list) => containersIn(pod, list).filter((c) => outcomeOf(evaluate(create(only(list, c)))) === 'holds').map((c) => ({ list, c })));
  const keep = (list: ContainerList) => containersIn(pod, list).filter((c) => !violating.some((v) => v.c === c));
  const kept = keep('containers');
  // The base pod: the case's pod without the violating containers (and without ephemeral ones: a new pod has none).
  const base = withSpec(pod, { containers: kept.length > 0 ? kept : [plainContainer(violating[0]?.c ?? {})], initContainers: keep('initContainers'), ephemeralContainers: [] });
  const baseDecisions = evaluate(create(base));
  if (violating.length === 0 || outcomeOf(baseDecisions) !== 'bypass') {
    const reason = `case \`${name}\`: no container carries the violation alone: ${violating.length === 0 ? 'no single container is denied' : `the pod without ${names(violating)} is not admitted (${why(baseDecisions)})`}`;
    results.push(as('ephemeral-update', 'not-built', reason, baseDecisions));
  } else {
    const first = violating[0]!;
    const where = first.list === 'ephemeralContainers' ? 'a CREATE' : `container ${String(first.c.name)} in ${first.list}`;
    results.push(
      judged('ephemeral-update', ephemeralVariant(base, first.c), `case \`${name}\` checks ${where}; \`kubectl debug\` adds ${String(first.c.name)} with an UPDATE on pods/ephemeralcontainers`, `${String(first.c.name)} added by \`kubectl debug\` (UPDATE on pods/ephemeralcontainers)`),
    );
    const moved = violating.filter((v) => v.list !== 'initContainers');
    if (moved.length > 0) {
      results.push(judged('init-container', initVariant(base, moved.map((v) => v.c)), `case \`${name}\` checks ${names(moved)} outside initContainers; created as init containers (CREATE)`, `${names(moved)} as init containers (CREATE)`));
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
