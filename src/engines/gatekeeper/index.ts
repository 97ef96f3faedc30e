/**
 * Gatekeeper: ConstraintTemplates and their constraints. A template alone enforces nothing: each
 * template is analysed once, and each constraint of its kind yields its own PolicyFacts (policy =
 * the constraint) with the template's rules under the constraint's match, enforcement and
 * parameters. When the scanned files hold no constraint at all (a template library), every
 * template is judged as if a constraint with default parameters matched Pods and denied; when they
 * hold some, a template without one covers nothing. A constraint whose kind no scanned template
 * defines covers nothing and contributes only its exemptions. Of a template with both CEL and Rego,
 * the half the target Gatekeeper runs counts (versions.ts). Documents are read as their files are
 * (`linking`), keeping facts and a template's text rather than syntax trees, and linked at the end.
 */
import * as path from 'node:path';
import { rereader } from '../../discover/yaml-doc';
import type { PolicyFacts, SourceRef } from '../../facts';
import { lazy } from '../../lazy';
import { failureReason, unanalyzablePolicy } from '../guard';
import type { Analyze, DocIdentity, EngineContext, Linking, PolicyDoc } from '../types';
import { readConstraint, type ConstraintFacts } from './constraint';
import { ruleFacts, type RunContext } from './rule-facts';
import { analyzeTemplate, type AnalyzedTemplate as Analysis, type RegoRunner, type TemplateEntry } from './template';
import { templateMemo } from './template-memo';
import { templatePool } from './template-pool';
import { codeEngine } from './versions';

const TEMPLATE_API = /^templates\.gatekeeper\.sh\//;

const isTemplate = (d: PolicyDoc): boolean => TEMPLATE_API.test(d.apiVersion) && d.kind === 'ConstraintTemplate';

const identityOf = ({ kind, name, namespace, at }: PolicyDoc): DocIdentity => ({ kind, name, ...(namespace ? { namespace } : {}), at });

/** analyzeTemplate, with what it throws (in either of its steps) as a problem of the whole template. */
function safeTemplate(doc: PolicyDoc, parameters: unknown, mode: 'check-only' | undefined, rego: RegoRunner): () => Analysis {
  const { name, at } = doc;
  const failed = (e: unknown): Analysis => ({ kind: name, entries: [], dual: false, parameters: new Set(), problems: [{ reason: failureReason(e), at }], exemptions: [] });
  let finish: () => Analysis;
  try {
    finish = analyzeTemplate(doc, parameters, mode, rego);
  } catch (e) {
    const analysis = failed(e);
    return () => analysis;
  }
  return lazy(() => {
    try {
      return finish();
    } catch (e) {
      return failed(e);
    }
  });
}

/**
 * A template as read on arrival: checked as Gatekeeper checks it (what it refuses decides the links)
 * and analysed under the parameters it is expected to run with, by parameters (JSON); read again
 * from its text when linking needs it under others.
 */
interface TemplateRead {
  identity: DocIdentity;
  /** This and the analyses are taken when linking needs them: meanwhile they may be under way on the worker thread. */
  checked: () => Analysis;
  analyses: Map<string, () => Analysis>;
  /** Where the constraint kind it defines is written. */
  kindAt: SourceRef;
  again: () => PolicyDoc;
}

/** A constraint as read on arrival (or why it could not be). */
interface ConstraintRead {
  identity: DocIdentity;
  constraint: ConstraintFacts | { failure: string };
  /** Where its `kind` is written. */
  kindAt: SourceRef;
}

const parametersKey = (parameters: unknown): string => JSON.stringify(parameters ?? null);

function readConstraintDoc(doc: PolicyDoc): ConstraintRead {
  let constraint: ConstraintRead['constraint'];
  try {
    constraint = readConstraint(doc);
  } catch (e) {
    constraint = { failure: failureReason(e) };
  }
  return { identity: identityOf(doc), constraint, kindAt: doc.yaml.ref(doc.yaml.get(doc.yaml.root, 'kind'), doc.at) };
}

/**
 * A template's analysis under parameters, in a mode, by way of the scan's memo of analyses by text;
 * taken when needed, as its Rego may be under way on the worker thread (template-pool.ts).
 */
type Analyse = (doc: PolicyDoc, parameters: unknown, mode?: 'check-only') => () => Analysis;

/**
 * `expected`: the parameters of the constraints of its kind read so far in its folder (samples
 * folders are read before the template's file); none: the defaults, as for a template without one.
 */
function readTemplateDoc(doc: PolicyDoc, expected: (kind: string, folder: string) => unknown[], analyse: Analyse): TemplateRead {
  const y = doc.yaml;
  const identity = identityOf(doc);
  const checked = analyse(doc, {}, 'check-only');
  const kindNode = y.at(y.root, 'spec', 'crd', 'spec', 'names', 'kind');
  // As analyzeTemplate names it. Should Gatekeeper refuse the template, these analyses go unused.
  const parameters = expected(y.str(kindNode) ?? doc.name, path.posix.dirname(doc.at.file));
  const analyses = new Map<string, () => Analysis>();
  for (const p of parameters.length > 0 ? parameters : [{}]) {
    const key = parametersKey(p);
    if (!analyses.has(key)) analyses.set(key, analyse(doc, p));
  }
  return { identity, checked, analyses, kindAt: y.ref(kindNode, doc.at), again: readAgain(doc) };
}

/** The document parsed again; the closure holds its file's text, not its syntax tree. */
function readAgain(doc: PolicyDoc): () => PolicyDoc {
  const reparse = rereader(doc.yaml);
  const identity = identityOf(doc);
  const { apiVersion } = doc;
  return () => ({ ...identity, apiVersion, yaml: reparse() });
}

/** A template entry as a rule, under a run context; on a dual-engine template, tagged with its half. */
function entryFacts(t: Analysis, e: TemplateEntry, run: RunContext, ctx: EngineContext) {
  const facts = ruleFacts(e, run);
  return t.dual ? { ...facts, codeEngine: codeEngine(e.engine, ctx.gatekeeperMinor) } : facts;
}

const policyRef = (d: DocIdentity) => ({ kind: d.kind, name: d.name, ...(d.namespace ? { namespace: d.namespace } : {}) });

/**
 * A template on its own: judged as if enforced when the scanned files hold no constraint at all
 * (`assumed`), else it enforces nothing. A refused or unreadable one is reported either way.
 */
function templateFacts(read: TemplateRead, t: Analysis, assumed: boolean, ctx: EngineContext): PolicyFacts {
  const { identity } = read;
  const enforcement = { blocking: true, action: 'deny (no constraint in the scanned files: judged as if one with default parameters matched Pods)', at: identity.at };
  const usable = t.problems.length === 0;
  return {
    engine: 'gatekeeper',
    policy: policyRef(identity),
    at: identity.at,
    rules: assumed ? t.entries.map((e) => entryFacts(t, e, { matchesPod: true, ephemeralSubresource: 'yes', subresourceAt: identity.at, enforcement }, ctx)) : [],
    exemptions: usable && assumed ? t.exemptions : [],
    unanalyzable: t.problems,
    ...(usable ? { constraintLink: { state: assumed ? 'assumed' : 'no-constraint', kind: t.kind, at: read.kindAt } } : {}),
  };
}

function constraintFacts(
  read: ConstraintRead,
  c: ConstraintFacts,
  t: Analysis | undefined,
  ctx: EngineContext,
  missing: () => { nearest?: string; refused?: boolean; noTemplates?: boolean },
): PolicyFacts {
  const { identity } = read;
  const usable = t && t.problems.length === 0;
  // exemptImages only matters when the template reads it (or when that is not known).
  const readsExemptImages = !usable || t.parameters === 'unknown' || t.parameters.has('exemptImages');
  // `exemptImages: ["*"]` exempts every container: only pod-level checks are left.
  const everyImage = readsExemptImages && c.exemptImages.some((e) => e.value === '*');
  const kept = (e: TemplateEntry): TemplateEntry => (everyImage ? { ...e, checks: e.checks.filter((x) => x.location === 'pod'), forbidsEphemeral: undefined } : e);
  return {
    engine: 'gatekeeper',
    policy: policyRef(identity),
    at: identity.at,
    rules: usable
      ? t.entries.map((e) =>
          entryFacts(
            t,
            kept(e),
            {
              matchesPod: c.matchesPod,
              ...(c.controllersOnlyAt ? { controllersOnlyAt: c.controllersOnlyAt } : {}),
              ephemeralSubresource: 'yes',
              subresourceAt: c.kindsAt,
              enforcement: c.enforcement,
            },
            ctx,
          ),
        )
      : [],
    exemptions: [...(readsExemptImages ? c.exemptImages : []), ...c.excludedNamespaces, ...(usable ? t.exemptions : [])],
    unanalyzable: [],
    ...(c.namespaces ? { namespaces: c.namespaces } : {}),
    ...(c.partialScope ? { partialScope: c.partialScope } : {}),
    ...(t ? {} : { constraintLink: { state: 'no-template', kind: identity.kind, at: read.kindAt, ...missing() } }),
  };
}

/** Edit distance, for naming the defined kind a constraint's kind is likely a typo of. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Why no template enforces a constraint of `kind`: a refused template of that kind, or a likely typo. */
function missingTemplate(kind: string, templates: TemplateRead[]): { nearest?: string; refused?: boolean; noTemplates?: boolean } {
  if (templates.length === 0) return { noTemplates: true };
  const checked = templates.map((t) => t.checked());
  if (checked.some((t) => t.problems.length > 0 && t.kind === kind)) return { refused: true };
  const nearest = nearestKind(kind, checked.filter((t) => t.problems.length === 0).map((t) => t.kind));
  return nearest ? { nearest } : {};
}

/** The defined kind closest to `kind` (case aside, at most 2 edits), if any. */
function nearestKind(kind: string, defined: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of defined) {
    const d = distance(kind.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** The template of a constraint's kind that sits closest to it (samples keep several variants of one kind). */
function closest(candidates: TemplateRead[] | undefined, file: string): TemplateRead | undefined {
  const dirs = (f: string): string[] => path.posix.dirname(f).split('/');
  const target = dirs(file);
  let best: TemplateRead | undefined;
  let bestShared = -1;
  for (const t of candidates ?? []) {
    const d = dirs(t.identity.at.file);
    let shared = 0;
    while (shared < d.length && d[shared] === target[shared]) shared++;
    if (shared > bestShared) [best, bestShared] = [t, shared];
  }
  return best;
}

/**
 * A template's analyses under the parameters its constraints give: those expected are at hand, others
 * analyse the template read again (once for all its constraints, let go of after them).
 */
function underParameters(t: TemplateRead, analyse: Analyse): (parameters: unknown) => Analysis {
  let doc: PolicyDoc | undefined;
  return (parameters) => {
    const key = parametersKey(parameters);
    let found = t.analyses.get(key);
    if (!found) t.analyses.set(key, (found = analyse((doc ??= t.again()), parameters)));
    return found();
  };
}

function link(templates: TemplateRead[], constraints: ConstraintRead[], ctx: EngineContext, analyse: Analyse): PolicyFacts[] {
  // A refused template defines no CRD: constraints of its kind have nothing to enforce.
  const byKind = new Map<string, TemplateRead[]>();
  for (const t of templates) {
    const { problems, kind } = t.checked();
    if (problems.length === 0) byKind.set(kind, [...(byKind.get(kind) ?? []), t]);
  }
  // Constraints by the template they link to, so that each template is read again at most once.
  const byTemplate = new Map<TemplateRead | undefined, ConstraintRead[]>();
  for (const c of constraints) {
    const t = closest(byKind.get(c.identity.kind), c.identity.at.file);
    byTemplate.set(t, [...(byTemplate.get(t) ?? []), c]);
  }
  const out: PolicyFacts[] = [];
  for (const [t, linked] of byTemplate) {
    const analysis = t && underParameters(t, analyse);
    for (const c of linked) {
      const facts = c.constraint;
      if ('failure' in facts) {
        out.push(unanalyzablePolicy('gatekeeper', c.identity, facts.failure));
        continue;
      }
      try {
        out.push(constraintFacts(c, facts, analysis?.(facts.parameters), ctx, () => missingTemplate(c.identity.kind, templates)));
      } catch (e) {
        out.push(unanalyzablePolicy('gatekeeper', c.identity, failureReason(e)));
      }
    }
  }
  for (const t of templates) if (!byTemplate.has(t)) out.push(templateFacts(t, underParameters(t, analyse)({}), constraints.length === 0, ctx));
  return out;
}

/**
 * A scan's Gatekeeper documents, read as their files are (a template is checked and analysed, a
 * constraint read, and their syntax trees let go of) and linked once every file is read.
 */
export function linking(ctx: EngineContext): Linking {
  const templates: TemplateRead[] = [];
  const constraints: ConstraintRead[] = [];
  const memo = templateMemo<Analysis>();
  const pool = templatePool(ctx.worker ?? false);
  const analyse: Analyse = (doc, parameters, mode) =>
    memo(doc.yaml.text, doc.yaml.root.range?.[0] ?? 0, doc.at.file, `${mode ?? 'analyse'} ${parametersKey(parameters)}`, () => safeTemplate(doc, parameters, mode, pool.rego));
  const inFolder = (folder: string, file: string): boolean => folder === '.' || file.startsWith(`${folder}/`);
  const parametersOfKind = (kind: string, folder: string): unknown[] =>
    constraints.flatMap((c) => (c.identity.kind === kind && inFolder(folder, c.identity.at.file) && !('failure' in c.constraint) ? [c.constraint.parameters] : []));
  return {
    read: (doc) => {
      if (isTemplate(doc)) templates.push(readTemplateDoc(doc, parametersOfKind, analyse));
      else constraints.push(readConstraintDoc(doc));
    },
    link: () => {
      try {
        return link(templates, constraints, ctx, analyse);
      } finally {
        pool.close();
      }
    },
  };
}

export const analyze: Analyze = (docs, _raw, ctx) => {
  const all = linking(ctx);
  for (const d of docs) all.read(d);
  return all.link();
};
