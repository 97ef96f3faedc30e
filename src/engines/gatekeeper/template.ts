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
import { analyzeCelValidations } from '../cel';
import { nodeOsSelection } from '../node-os';
import { parseFailure, parseModule, RegoSyntaxError } from '../rego';
import { compileProblems } from '../rego/compile-check';
import { analyzeEntries, GATEKEEPER_ROOTS, RulesIndex, type RegoModule } from '../rego/analysis';
import { headPath } from '../rego/analysis/rules-index';
import type { EntryRuleFacts } from '../rego/analysis';
import type { PolicyDoc } from '../types';
import { embeddedRego, type EmbeddedRego } from './rego-source';
import { metadataProblems, regoProblems } from './template-refusal';

const ADMISSION_TARGET = 'admission.k8s.gatekeeper.sh';

export type CodeEngine = 'K8sNativeValidation' | 'Rego';

export interface TemplateEntry extends EntryRuleFacts {
  /** The code it comes from. */
  engine: CodeEngine;
  /** Where the code selects pods by node OS (see node-os.ts): set on host-namespace checks only. */
  nodeOsSelection?: SourceRef;
}

export interface AnalyzedTemplate {
  doc: PolicyDoc;
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
  /** K8sNativeValidation (CEL) code blocks. */
  celCode: { at: SourceRef; source: Node | undefined }[];
}

interface RegoCode {
  /** The YAML node of the entry module's source. */
  node: Node;
  entry: EmbeddedRego;
  libs: EmbeddedRego[];
  version: 'v0' | 'v1';
}

/**
 * `parameters`: the parameters of the constraint the template runs under (`{}`: the defaults of a
 * template judged without one); what they switch off checks nothing. `check-only` finds what
 * Gatekeeper refuses without analysing the checks (the parsed and compiled Rego is kept per source).
 */
export function analyzeTemplate(doc: PolicyDoc, parameters?: unknown, mode: 'analyse' | 'check-only' = 'analyse'): AnalyzedTemplate {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  const kindNode = y.at(spec, 'crd', 'spec', 'names', 'kind');
  const kind = y.str(kindNode) ?? doc.name;
  const read = new Set<string>();
  const out: AnalyzedTemplate = { doc, kind, entries: [], dual: false, parameters: read, problems: [], exemptions: [], celCode: [] };
  out.problems.push(...metadataProblems(doc, y.str(kindNode), y.ref(kindNode ?? spec, doc.at)));
  const codes: RegoCode[] = [];
  const regoProblemsFound: Unanalyzable[] = [];
  for (const target of y.items(y.get(spec, 'targets'))) {
    const name = y.str(y.get(target, 'target'));
    if (name !== undefined && name !== ADMISSION_TARGET) continue;
    readTarget(y, target, codes, out, regoProblemsFound);
  }
  const hasRego = codes.length > 0 || regoProblemsFound.length > 0;
  out.dual = hasRego && out.celCode.length > 0;
  if (mode === 'analyse') for (const cel of out.celCode) out.entries.push(celEntry(y, cel, parameters));
  if (out.celCode.length > 0) out.parameters = 'unknown';
  if (!hasRego && out.celCode.length === 0) {
    out.problems.push({ reason: 'the template has no Rego or CEL code for the admission target', at: y.keyRef(spec ?? y.root, 'targets') });
    return out;
  }
  for (const code of codes) analyzeRego(code, out, { read, known: parameters }, regoProblemsFound, mode);
  if (regoProblemsFound.length === 0) return out;
  // Alone, the Rego is the template; next to CEL it is the half that runs on older Gatekeeper only.
  if (!out.dual) out.problems.push(...regoProblemsFound);
  else out.entries.push({ engine: 'Rego', name: 'Rego code', at: regoProblemsFound[0]!.at, checks: [], listRefs: {}, unanalyzable: regoProblemsFound });
  return out;
}

interface CompiledRego {
  /** Set when Gatekeeper accepts the code. */
  modules?: RegoModule[];
  index?: RulesIndex;
  problems: Unanalyzable[];
}

/**
 * Parsed and compile-checked Rego by document and entry source node: a template is analysed once per
 * constraint's parameters. By document too, as verbatim copies share syntax trees (parse-reuse.ts)
 * and the problems found name the copy's file.
 */
const compiledBySource = new WeakMap<YamlDoc, Map<Node, CompiledRego>>();

function compile(code: RegoCode): CompiledRego {
  const problems: Unanalyzable[] = [];
  const modules = parseCode(code, problems);
  if (!modules) return { problems };
  const index = new RulesIndex(modules);
  // Gatekeeper compiles the entry module with its libs: a problem in any of them rejects the template.
  const refused = [...regoProblems(modules), ...modules.flatMap((m) => compileProblems(m, index))];
  if (refused.length > 0) return { problems: refused };
  // Gatekeeper requires the rule; bodies the parameters switch off still define it.
  if (!modules[0]!.module.rules.some((r) => headPath(r).join('.') === 'violation')) {
    problems.push({ reason: 'the Rego defines no violation rule', at: code.entry.locate(modules[0]!.module.package.pos) });
  }
  return { modules, index, problems };
}

function analyzeRego(
  code: RegoCode,
  out: AnalyzedTemplate,
  parameters: { read: Set<string>; known: unknown },
  problems: Unanalyzable[],
  mode: 'analyse' | 'check-only',
): void {
  const y = out.doc.yaml;
  const ofDoc = compiledBySource.get(y) ?? compiledBySource.set(y, new Map()).get(y)!;
  let compiled = ofDoc.get(code.node);
  if (!compiled) ofDoc.set(code.node, (compiled = compile(code)));
  problems.push(...compiled.problems);
  const { modules, index } = compiled;
  if (!modules || !index || mode === 'check-only') return;
  const analysis = analyzeEntries(modules[0]!, index, { roots: GATEKEEPER_ROOTS, isEntry: (n) => n === 'violation', parameters: parameters.known });
  out.entries.push(...analysis.rules.map((r) => withNodeOs({ ...r, engine: 'Rego' as const }, out.doc.yaml, code.node)));
  out.exemptions.push(...analysis.exemptions);
  for (const p of analysis.parameters) parameters.read.add(p);
}

/** A K8sNativeValidation block as one rule, through the shared CEL analysis. */
function celEntry(y: YamlDoc, cel: AnalyzedTemplate['celCode'][number], parameters: unknown): TemplateEntry {
  const base = { engine: 'K8sNativeValidation' as const, name: 'K8sNativeValidation', at: cel.at };
  if (!cel.source) return { ...base, checks: [], listRefs: {}, unanalyzable: [{ reason: 'K8sNativeValidation code without a source', at: cel.at }] };
  return withNodeOs({ ...base, ...analyzeCelValidations(y, cel.source, parameters) }, y, cel.source);
}

/** `code[]` entries take precedence over the older `rego`/`libs` fields. */
function readTarget(y: YamlDoc, target: Node, codes: RegoCode[], out: AnalyzedTemplate, problems: Unanalyzable[]): void {
  const code = y.items(y.get(target, 'code'));
  let hasRegoCode = false;
  for (const c of code) {
    const engine = y.str(y.get(c, 'engine'));
    const source = y.get(c, 'source');
    if (engine === 'K8sNativeValidation') out.celCode.push({ at: y.ref(c), source });
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

/**
 * The entry module first, then the libs; undefined (with the problem recorded) when one does not
 * parse, or uses a keyword Rego v0 only has with an import: Gatekeeper rejects the template then.
 */
function parseCode(code: RegoCode, problems: Unanalyzable[]): RegoModule[] | undefined {
  const modules: RegoModule[] = [];
  let rejected = false;
  for (const [i, src] of [code.entry, ...code.libs].entries()) {
    const where = i > 0 ? ` in libs[${i - 1}]` : '';
    try {
      const module = parseModule(src.text, { version: code.version });
      const first = module.keywordsWithoutImport[0];
      if (first) {
        const k = first.keyword;
        problems.push({
          reason: `uses keyword \`${k}\`${where} without \`import future.keywords.${k}\` or \`import rego.v1\`: Gatekeeper rejects this template (Rego v0 is the default without source.version: "v1")`,
          at: src.locate(first.pos),
        });
        rejected = true;
      }
      modules.push({ module, text: src.text, locate: src.locate });
    } catch (e) {
      if (!(e instanceof RegoSyntaxError)) throw e;
      problems.push({ reason: parseFailure(e, where), at: src.locate(e) });
      return undefined;
    }
  }
  return rejected ? undefined : modules;
}

/** A host-namespace check in code that picks pods by node OS may skip exactly the Windows (HostProcess) pods. */
function withNodeOs(e: TemplateEntry, y: YamlDoc, code: Node): TemplateEntry {
  if (!e.checks.some((c) => c.control === 'hostNamespaces')) return e;
  const at = nodeOsSelection(y, [code]);
  return at ? { ...e, nodeOsSelection: at } : e;
}
