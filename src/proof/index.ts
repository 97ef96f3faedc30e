/**
 * Proof for gap findings: each finding of a provable rule gets a witness evaluated on its policy set
 * (every engine) and `evidence`; refuted findings leave the findings list.
 */
import { nameOf, type AdmissionRequest, type KubeObject } from '../admission';
import { VIOLATIONS, PROVABLE_RULES } from './witness';
import { buildPolicySet, type PolicySet, type SetDocument } from './policy-set';
import { candidateImages, candidateLabels } from './repair';
import { proveFromTests, TestMaterial } from './from-tests';
import { prove, type Repairs } from './verdict';
import type { Finding, PolicyFacts } from '../facts';

export { buildPolicySet, evaluateSet, type PolicySet, type SetDocument } from './policy-set';
export { buildWitness, basePod, hostProcessPod, VIOLATIONS, PROVABLE_RULES, type Witness } from './witness';
export { judge, prove, type Evidence } from './verdict';

export interface WitnessRequests {
  base: AdmissionRequest;
  gap: AdmissionRequest;
  contrast?: AdmissionRequest;
}

export interface ProofResult {
  findings: Finding[];
  refuted: Finding[];
  /** The requests evaluated per confirmed finding. */
  witnesses: Map<Finding, WitnessRequests>;
  counts: { confirmed: number; refuted: number; unconfirmed: number };
}

export interface ProofInput {
  findings: Finding[];
  documents: SetDocument[];
  policies: PolicyFacts[];
  /** The policy set a file belongs to (one set when absent). */
  setOf?: (file: string) => string;
  gatekeeperVersion?: string;
  kubernetesMinor?: number;
  /** Files that may define tests (gator suites, Kyverno CLI tests): witnesses for what the synthetic one leaves unconfirmed. */
  testDefinitions?: readonly string[];
}

const witnessable = (c: string): boolean => c in VIOLATIONS;

/** `items` by the set their file belongs to, each file's set looked up once (a glob match per folder level). */
function groupBySet<T>(items: readonly T[], fileOf: (x: T) => string, setOf: (file: string) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const key = setOf(fileOf(x));
    const group = groups.get(key);
    if (group) group.push(x);
    else groups.set(key, [x]);
  }
  return groups;
}

function memoised(fn: (file: string) => string): (file: string) => string {
  const known = new Map<string, string>();
  return (file) => {
    let v = known.get(file);
    if (v === undefined) known.set(file, (v = fn(file)));
    return v;
  };
}

/** The set's webhook configurations by `Kind/name`, for the findings on registrations. */
function webhookConfigurations(docs: readonly SetDocument[]): Map<string, KubeObject> {
  return new Map(docs.filter((d) => d.engine === 'webhook').map((d) => [`${String(d.object.kind)}/${nameOf(d.object)}`, d.object]));
}

export function proveFindings(input: ProofInput): ProofResult {
  const setOf = memoised(input.setOf ?? (() => ''));
  const documentsOf = groupBySet(input.documents, (d) => d.at.file, setOf);
  const policiesOf = groupBySet(input.policies, (p) => p.at.file, setOf);
  const sets = new Map<string, { set: PolicySet; repairs: Repairs }>();
  const setFor = (file: string) => {
    const key = setOf(file);
    let s = sets.get(key);
    if (!s) {
      const documents = documentsOf.get(key) ?? [];
      s = { set: buildPolicySet(documents, policiesOf.get(key) ?? [], input), repairs: { images: candidateImages(documents), labels: candidateLabels(documents), configurations: webhookConfigurations(documents) } };
      sets.set(key, s);
    }
    return s;
  };
  const tests = new TestMaterial(input.testDefinitions ?? []);
  const out: ProofResult = { findings: [], refuted: [], witnesses: new Map(), counts: { confirmed: 0, refuted: 0, unconfirmed: 0 } };
  for (const f of input.findings) {
    if (!PROVABLE_RULES.has(f.ruleId)) {
      out.findings.push(f);
      continue;
    }
    const { set, repairs } = setFor(f.file);
    const synthetic = prove(f, set, input.policies, witnessable, repairs);
    const { requests, ...evidence } = (synthetic.verdict === 'unconfirmed' && f.engine !== 'webhook' && proveFromTests(f, set, input.policies, tests, synthetic)) || synthetic;
    const proved: Finding = { ...f, evidence };
    out.counts[evidence.verdict]++;
    if (evidence.verdict === 'refuted') out.refuted.push(proved);
    else out.findings.push(proved);
    if (evidence.verdict === 'confirmed' && requests) out.witnesses.set(proved, requests);
  }
  return out;
}
