/**
 * Witnesses from the repository's own tests, for findings whose synthetic witness stays unconfirmed:
 * the gator suites and Kyverno CLI tests that name the finding's policy give a base pod the set admits
 * (an allowed case's pod, or a denied case's pod with its containers replaced by a plain one) and the
 * container whose presence makes a denied case denied (or, for a violation in the pod's volumes, a
 * read-only mount made writable). A Kyverno test's values evaluate the policy when it needs them.
 * Test files are read only when a finding needs them, and each suite is loaded once.
 */
import { nameOf, podCreate, type AdmissionRequest, type ClusterContext, type KubeObject } from '../admission';
import { debuggableViolation, hostProcessDisagrees, initViolationProblem, namesOf, podOf, violatingContainers, violatingInContainers, withPlainContainer, writableMountOf, type Placed } from '../admission/pod-variants';
import { DEFAULT_MAX_FILE_BYTES } from '../audit';
import { testedPolicies } from '../discover/test-material';
import { readSource } from '../discover/walk';
import type { Finding, PolicyFacts } from '../facts';
import { SUITE_FORMATS } from '../testing/formats';
import { outcomeOf } from '../testing/mutate';
import type { LoadedSuite, MutationTarget } from '../testing/suite-format';
import { evaluateSet, type PolicySet } from './policy-set';
import { basePod, caseWitness, HOSTPROCESS_RULES } from './witness';
import { judge, namespaceOf, ownDecision, policyOf, type Evidence } from './verdict';

/** A denied case of a test: where it is written and what `--mutate` evaluates its variants with. */
export interface DeniedCase {
  /** The test file. */
  file: string;
  /** The case and its test file, as the evidence names them. */
  from: string;
  target: MutationTarget;
}

/** The test definitions of a scan, read and loaded on first use. */
export class TestMaterial {
  private testsOf?: Map<string, string[]>;
  private readonly loaded = new Map<string, LoadedSuite[]>();

  constructor(private readonly definitions: readonly string[]) {}

  /** The denied cases of the tests that name one of `policyFiles` (display paths). */
  deniedCases(policyFiles: readonly string[]): DeniedCase[] {
    const tests = [...new Set(policyFiles.flatMap((f) => this.index().get(f) ?? []))];
    return tests.flatMap((t) => this.suites(t)).flatMap((s) => s.cases.flatMap((c) => (c.mutation ? [{ file: s.file, from: `case \`${c.name}\` of ${s.file}`, target: c.mutation }] : [])));
  }

  /** Policy file -> the test definitions that name it; a file that cannot be read names nothing. */
  private index(): Map<string, string[]> {
    if (!this.testsOf) {
      this.testsOf = new Map();
      for (const d of this.definitions) {
        const source = readSource(d, { maxFileBytes: DEFAULT_MAX_FILE_BYTES }, []);
        for (const p of source ? testedPolicies(source) : []) this.testsOf.set(p, [...(this.testsOf.get(p) ?? []), d]);
      }
    }
    return this.testsOf;
  }

  private suites(definition: string): LoadedSuite[] {
    let suites = this.loaded.get(definition);
    if (!suites) {
      const source = readSource(definition, { maxFileBytes: DEFAULT_MAX_FILE_BYTES }, []);
      const format = source && SUITE_FORMATS.find((f) => f.detect(source));
      this.loaded.set(definition, (suites = source && format ? format.load(source) : []));
    }
    return suites;
  }
}

/** Cases tried per finding: the first few denied cases say what the tests say. */
const MAX_CASES = 5;

/** The case's policy is the finding's: named `Kind/name` by the formats, or the same Gatekeeper kind. */
function ofPolicy(target: MutationTarget, f: Finding): boolean {
  const [kind, name] = target.policy.split('/');
  return name === f.policy.name || (f.engine === 'gatekeeper' && kind === f.policy.kind);
}

const RESTRICTED = 'the restricted pod';

const inNamespace = (pod: KubeObject, namespace: string): KubeObject => ({ ...pod, metadata: { ...(pod.metadata as KubeObject | undefined), namespace } });

/**
 * Evidence from the tests that name the finding's policy, or undefined when none does. `synthetic` is
 * the evidence of the synthetic witness: its base pod is tried first, and its reason is kept when the
 * tests give no admitted base pod.
 */
export function proveFromTests(finding: Finding, set: PolicySet, policies: readonly PolicyFacts[], material: TestMaterial, synthetic: Evidence): Evidence | undefined {
  try {
    return fromTests(finding, set, policies, material, synthetic);
  } catch (e) {
    return { ...synthetic, reason: `${synthetic.reason ?? ''}; the witness from the tests failed: ${(e as Error).message}` };
  }
}

function fromTests(finding: Finding, set: PolicySet, policies: readonly PolicyFacts[], material: TestMaterial, synthetic: Evidence): Evidence | undefined {
  const own = policyOf(finding, policies);
  const cases = material.deniedCases([...new Set([finding.file, ...(own ? [own.at.file] : [])])]).filter((c) => ofPolicy(c.target, finding));
  if (cases.length === 0) return undefined;
  const namespace = namespaceOf(finding);
  const pods = (objects: readonly KubeObject[]): KubeObject[] => objects.map(podOf).filter((p): p is KubeObject => p !== undefined);
  const seen = new Set<string>(); // each pod once
  const candidates: Candidate[] = [
    { pod: synthetic.requests?.base.object ?? basePod({ namespace }), from: RESTRICTED },
    ...cases.flatMap((c) => pods(c.target.allowed).map((pod) => ({ pod, from: `the pod \`${nameOf(pod)}\` that ${c.file} admits` }))),
    ...cases.flatMap((c) => pods([c.target.object]).map((pod) => ({ pod: withPlainContainer(pod), from: `the pod of ${c.from} with a plain container` }))),
  ]
    .map((x) => ({ ...x, pod: inNamespace(x.pod, namespace) }))
    .filter((x) => !seen.has(JSON.stringify(x.pod)) && seen.add(JSON.stringify(x.pod)));
  let first: Evidence | undefined;
  for (const c of cases.slice(0, MAX_CASES)) {
    let evidence = caseEvidence(finding, c, candidates, set);
    // The policy may read what the test supplies (context, image data): then evaluated with it.
    if (c.target.data && evidence?.verdict !== 'confirmed' && evidence?.verdict !== 'refuted') {
      const withData = caseEvidence(finding, c, candidates, withTestData(set, finding, c.target));
      if (withData && withData.verdict !== 'unconfirmed') evidence = { ...withData, testData: c.target.data, ...(withData.witness ? { witness: `${withData.witness}, with ${c.target.data}` } : {}) };
    }
    if (evidence && evidence.verdict !== 'unconfirmed') return evidence;
    first ??= evidence;
  }
  return first ?? { ...synthetic, reason: `${synthetic.reason ?? ''}; no pod of the tests (${[...new Set(cases.map((c) => c.file))].join(', ')}) is admitted either` };
}

interface Candidate {
  pod: KubeObject;
  /** Where the pod comes from, in words. */
  from: string;
}

/** The set with the finding's own policy evaluated as the case's test configures it (its values and context objects). */
function withTestData(set: PolicySet, finding: Finding, target: MutationTarget): PolicySet {
  const engine = finding.engine;
  const evaluators = set.evaluators.map((e) =>
    e.engine !== engine ? e : { engine, evaluate: (req: AdmissionRequest, cluster: ClusterContext) => [...e.evaluate(req, cluster).filter((d) => !ownDecision(d, finding, engine)), ...target.evaluate(req, { gatekeeperVersion: set.gatekeeperVersion }).map((d) => ({ ...d, engine }))] },
  );
  return { ...set, evaluators, decided: new Map() };
}

/**
 * The evidence of one denied case on the first candidate base pod the set and the case's own policy
 * (as its test configures it) admit; undefined when the set admits none.
 */
function caseEvidence(finding: Finding, c: DeniedCase, candidates: readonly Candidate[], set: PolicySet): Evidence | undefined {
  const bases = candidates.filter((x) => !evaluateSet(set, podCreate(x.pod)).some((d) => ['deny', 'error', 'undecided'].includes(d.verdict)));
  if (bases.length === 0) return undefined;
  const admitted = (p: KubeObject): boolean => outcomeOf(c.target.evaluate(podCreate(p), { gatekeeperVersion: set.gatekeeperVersion })) === 'bypass';
  if (HOSTPROCESS_RULES.has(finding.ruleId)) return judge(finding, caseWitness(finding, bases[0]!.pod, undefined, bases[0]!.from), set);
  const admittedBases = bases.filter((b) => admitted(b.pod));
  if (admittedBases.length === 0) return { verdict: 'unconfirmed', reason: `no pod the set admits is admitted by the policy as its test configures it (${c.from})` };
  const picked = violationOf(finding, c, admittedBases, admitted);
  if ('reason' in picked) return { verdict: 'unconfirmed', reason: `${picked.reason} (${c.from})` };
  const e = judge(finding, caseWitness(finding, picked.base.pod, picked.container, picked.what), set);
  return e.witness && !picked.namesBase && picked.base.from !== RESTRICTED ? { ...e, witness: `${e.witness}, on ${picked.base.from}` } : e;
}

/**
 * The container of the denied case to send, on the first admitted base: one the case's own policy
 * denies in `containers` of the base, kept whole in an ephemeral or init container. When the case's
 * violation is in the pod (its volumes), which a debug container cannot change: a container of an
 * admitted base with its read-only mounts made writable, when the policy denies that.
 */
function violationOf(finding: Finding, c: DeniedCase, bases: readonly Candidate[], admitted: (p: KubeObject) => boolean): { base: Candidate; container: KubeObject; what: string; namesBase: boolean } | { reason: string } {
  const pod = podOf(c.target.object);
  if (!pod) return { reason: 'the case reviews no pod' };
  const base = bases[0]!;
  const violating: Placed[] = violatingInContainers(base.pod, violatingContainers(pod, base.pod, admitted), admitted).map((x) => ({ list: 'containers', c: x.c }));
  // Every container of a pod must agree on hostProcess: the API server refuses one that does not.
  const inContainers = violating.filter((x) => !hostProcessDisagrees(base.pod, x.c));
  if (violating.length > inContainers.length && inContainers.length === 0) return { reason: `the API server refuses ${namesOf(violating)} in the base pod: its hostProcess differs from the pod's other containers` };
  if (inContainers.length === 0) {
    const rw = writableMountOf(bases.map((b) => b.pod), admitted);
    const on = rw && bases.find((b) => b.pod === rw.base);
    if (!rw || !on) return { reason: 'the violation is not in a container (each of its containers added alone to the admitted base pod is admitted), and no admitted pod has a read-only mount the policy denies made writable' };
    return { base: on, container: rw.c, what: `${on.from}, its read-only mounts made writable (${c.from} violates in the pod, which kubectl debug cannot change)`, namesBase: true };
  }
  const picked = finding.ruleId === 'init-containers-unchecked' ? initPick(base.pod, inContainers, admitted) : debuggableViolation(base.pod, inContainers, admitted);
  return 'reason' in picked ? picked : { base, container: picked.picked.c, what: c.from, namesBase: false };
}

/** The violating containers as init containers, unless their violation is a missing probe or hook. */
function initPick(base: KubeObject, inContainers: Placed[], admitted: (p: KubeObject) => boolean): { picked: Placed } | { reason: string } {
  const problem = initViolationProblem(base, inContainers, admitted);
  return problem ? { reason: problem } : { picked: inContainers[0]! };
}
