/**
 * A ConstraintTemplate (templates.gatekeeper.sh v1, v1beta1, v1alpha1): its Rego, written as
 * `spec.targets[].rego` plus `libs`, or as `spec.targets[].code[]` entries with `engine: Rego`
 * (`source.rego`, `source.libs`, `source.version: "v1"` for Rego v1), parsed with every position
 * mapped to the file and analysed once; constraints reuse the result. `engine: K8sNativeValidation`
 * (CEL) blocks go through the shared CEL analysis. A template with both engines runs only one of
 * them (DOMAIN.md §6): both halves are analysed on their own, each entry says which half it is in,
 * and a problem in one half concerns that half only (Gatekeeper compiles only the code it runs).
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../../discover/yaml-doc';
import type { Exemption, SourceRef, Unanalyzable } from '../../facts';
import { lazy } from '../../lazy';
import { analyzeCelValidations } from '../cel';
import { nodeOsSelection } from '../node-os';
import type { EntryRuleFacts } from '../rego/analysis';
import type { PolicyDoc } from '../types';
import { embeddedRego, type EmbeddedRego } from './rego-source';
import { runRegoJob, type RegoJob, type RegoResult } from './template-rego';
import { metadataProblems } from './template-refusal';

const ADMISSION_TARGET = 'admission.k8s.gatekeeper.sh';

export type CodeEngine = 'K8sNativeValidation' | 'Rego';

export interface TemplateEntry extends EntryRuleFacts {
  /** The code it comes from. */
  engine: CodeEngine;
  /** Where the code selects pods by node OS (see node-os.ts): set on host-namespace checks only. */
  nodeOsSelection?: SourceRef;
}

export interface AnalyzedTemplate {
  /** The constraint kind it defines (`spec.crd.spec.names.kind`). */
  kind: string;
  entries: TemplateEntry[];
  /** Both a K8sNativeValidation and a Rego half: Gatekeeper runs one of them, by version and flags. */
  dual: boolean;
  /** Constraint parameters the Rego reads; unknown where CEL reads them. */
  parameters: Set<string> | 'unknown';
  /** Problems with the whole template (or its only engine): it then provides no coverage at all. */
  problems: Unanalyzable[];
  /** Conditions in the Rego on the requesting user or on container names (`not startswith(c.name, "debugger-")`). */
  exemptions: Exemption[];
}

interface RegoCode {
  /** The YAML node of the entry module's source. */
  node: Node;
  entry: EmbeddedRego;
  libs: EmbeddedRego[];
  version: 'v0' | 'v1';
}

/** Runs a Rego job, or has it run: the result is taken when the analysis is finished. */
export type RegoRunner = (job: RegoJob) => () => RegoResult;

const runHere: RegoRunner = (job) => {
  const result = runRegoJob(job);
  return () => result;
};

/**
 * `parameters`: the parameters of the constraint the template runs under (`{}`: the defaults of a
 * template judged without one); what they switch off checks nothing. `check-only` finds what
 * Gatekeeper refuses without analysing the checks.
 *
 * What needs the syntax tree is done now; the Rego, by `rego` (on another thread, say). The analysis
 * is finished by the function returned, which holds no syntax tree.
 */
export function analyzeTemplate(doc: PolicyDoc, parameters?: unknown, mode: 'analyse' | 'check-only' = 'analyse', rego: RegoRunner = runHere): () => AnalyzedTemplate {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  const kindNode = y.at(spec, 'crd', 'spec', 'names', 'kind');
  const kind = y.str(kindNode) ?? doc.name;
  const out: AnalyzedTemplate = { kind, entries: [], dual: false, parameters: new Set(), problems: [], exemptions: [] };
  out.problems.push(...metadataProblems(doc, y.str(kindNode), y.ref(kindNode ?? spec, doc.at)));
  const codes: RegoCode[] = [];
  const celCode: CelCode[] = [];
  const regoProblemsFound: Unanalyzable[] = [];
  for (const target of y.items(y.get(spec, 'targets'))) {
    const name = y.str(y.get(target, 'target'));
    if (name !== undefined && name !== ADMISSION_TARGET) continue;
    readTarget(y, target, codes, celCode, regoProblemsFound);
  }
  const hasRego = codes.length > 0 || regoProblemsFound.length > 0;
  out.dual = hasRego && celCode.length > 0;
  if (mode === 'analyse') for (const cel of celCode) out.entries.push(celEntry(y, cel, parameters));
  if (celCode.length > 0) out.parameters = 'unknown';
  if (!hasRego && celCode.length === 0) {
    out.problems.push({ reason: 'the template has no Rego or CEL code for the admission target', at: y.keyRef(spec ?? y.root, 'targets') });
    return () => out;
  }
  return finished(out, sent(y, codes, parameters, mode, rego), regoProblemsFound);
}

/** Each Rego source's job, handed to the runner, and where its code selects pods by node OS. */
function sent(y: YamlDoc, codes: RegoCode[], parameters: unknown, mode: RegoJob['mode'], rego: RegoRunner) {
  return codes.map((code) => ({ result: rego(regoJob(code, parameters, mode)), nodeOs: nodeOsSelection(y, [code.node]) }));
}

/**
 * The analysis finished with the Rego results. A function of its own, so that the closure holds
 * only these (V8 keeps one context for all closures of a function: one over `y` would keep the tree).
 */
function finished(out: AnalyzedTemplate, pending: ReturnType<typeof sent>, regoProblemsFound: Unanalyzable[]): () => AnalyzedTemplate {
  return lazy(() => {
    for (const { result, nodeOs } of pending) {
      const r = result();
      regoProblemsFound.push(...r.problems);
      out.entries.push(...r.entries.map((e) => withNodeOs({ ...e, engine: 'Rego' as const }, nodeOs)));
      out.exemptions.push(...r.exemptions);
      if (out.parameters !== 'unknown') for (const p of r.parameters) out.parameters.add(p);
    }
    if (regoProblemsFound.length === 0) return out;
    // Alone, the Rego is the template; next to CEL it is the half that runs on older Gatekeeper only.
    if (!out.dual) out.problems.push(...regoProblemsFound);
    else out.entries.push({ engine: 'Rego', name: 'Rego code', at: regoProblemsFound[0]!.at, checks: [], listRefs: {}, unanalyzable: regoProblemsFound });
    return out;
  });
}

interface CelCode {
  at: SourceRef;
  source: Node | undefined;
}

function regoJob(code: RegoCode, parameters: unknown, mode: RegoJob['mode']): RegoJob {
  return { modules: [code.entry, ...code.libs].map(({ text, place }) => ({ text, place })), version: code.version, parameters, mode };
}

/** A K8sNativeValidation block as one rule, through the shared CEL analysis. */
function celEntry(y: YamlDoc, cel: CelCode, parameters: unknown): TemplateEntry {
  const base = { engine: 'K8sNativeValidation' as const, name: 'K8sNativeValidation', at: cel.at };
  if (!cel.source) return { ...base, checks: [], listRefs: {}, unanalyzable: [{ reason: 'K8sNativeValidation code without a source', at: cel.at }] };
  return withNodeOs({ ...base, ...analyzeCelValidations(y, cel.source, parameters) }, nodeOsSelection(y, [cel.source]));
}

/** `code[]` entries take precedence over the older `rego`/`libs` fields. */
function readTarget(y: YamlDoc, target: Node, codes: RegoCode[], celCode: CelCode[], problems: Unanalyzable[]): void {
  const code = y.items(y.get(target, 'code'));
  let hasRegoCode = false;
  for (const c of code) {
    const engine = y.str(y.get(c, 'engine'));
    const source = y.get(c, 'source');
    if (engine === 'K8sNativeValidation') celCode.push({ at: y.ref(c), source });
    if (engine !== 'Rego') continue;
    hasRegoCode = true;
    const regoNode = y.get(source, 'rego');
    const entry = embeddedRego(y, regoNode);
    if (!entry || !regoNode) {
      problems.push({ reason: 'code entry with engine Rego has no source.rego string', at: y.ref(c) });
      continue;
    }
    const version = y.str(y.get(source, 'version')) === 'v1' ? 'v1' : 'v0';
    codes.push({ node: regoNode, entry, libs: libs(y, y.get(source, 'libs'), problems), version });
  }
  const regoNode = y.get(target, 'rego');
  const rego = embeddedRego(y, regoNode);
  if (rego && regoNode && !hasRegoCode) codes.push({ node: regoNode, entry: rego, libs: libs(y, y.get(target, 'libs'), problems), version: 'v0' });
}

function libs(y: YamlDoc, node: Node | undefined, problems: Unanalyzable[]): EmbeddedRego[] {
  const found: EmbeddedRego[] = [];
  for (const item of y.items(node)) {
    const lib = embeddedRego(y, item);
    if (lib) found.push(lib);
    else problems.push({ reason: 'a lib is not a string', at: y.ref(item) });
  }
  return found;
}

/** A host-namespace check in code that picks pods by node OS may skip exactly the Windows (HostProcess) pods. */
function withNodeOs(e: TemplateEntry, at: SourceRef | undefined): TemplateEntry {
  return at && e.checks.some((c) => c.control === 'hostNamespaces') ? { ...e, nodeOsSelection: at } : e;
}
