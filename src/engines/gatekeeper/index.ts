/**
 * Gatekeeper: ConstraintTemplates and their constraints. A template alone enforces nothing: each
 * template is analysed once, and each constraint of its kind yields its own PolicyFacts (policy =
 * the constraint) with the template's rules under the constraint's match, enforcement and
 * parameters. When the scanned files hold no constraint at all (a template library), every
 * template is judged as if a constraint with default parameters matched Pods and denied; when they
 * hold some, a template without one covers nothing. A constraint whose kind no scanned template
 * defines covers nothing and contributes only its exemptions. Of a template with both CEL and Rego,
 * the half the target Gatekeeper runs counts (versions.ts).
 */
import * as path from 'node:path';
import type { PolicyFacts } from '../../facts';
import { failureReason, unanalyzablePolicy } from '../guard';
import type { Analyze, EngineContext, PolicyDoc } from '../types';
import { readConstraint } from './constraint';
import { ruleFacts, type RunContext } from './rule-facts';
import { analyzeTemplate, type AnalyzedTemplate, type TemplateEntry } from './template';
import { codeEngine } from './versions';

const TEMPLATE_API = /^templates\.gatekeeper\.sh\//;

const isTemplate = (d: PolicyDoc): boolean => TEMPLATE_API.test(d.apiVersion) && d.kind === 'ConstraintTemplate';

function safeTemplate(doc: PolicyDoc, parameters: unknown, mode?: 'check-only'): AnalyzedTemplate {
  try {
    return analyzeTemplate(doc, parameters, mode);
  } catch (e) {
    return { doc, kind: doc.name, entries: [], dual: false, parameters: new Set(), problems: [{ reason: failureReason(e), at: doc.at }], exemptions: [], celCode: [] };
  }
}

/** A template entry as a rule, under a run context; on a dual-engine template, tagged with its half. */
function entryFacts(t: AnalyzedTemplate, e: TemplateEntry, run: RunContext, ctx: EngineContext) {
  const facts = ruleFacts(e, run);
  return t.dual ? { ...facts, codeEngine: codeEngine(e.engine, ctx.gatekeeperMinor) } : facts;
}

const kindAt = (d: PolicyDoc): PolicyDoc['at'] => d.yaml.ref(d.yaml.get(d.yaml.root, 'kind'), d.at);

const policyRef = (d: PolicyDoc) => ({ kind: d.kind, name: d.name, ...(d.namespace ? { namespace: d.namespace } : {}) });

/**
 * A template on its own: judged as if enforced when the scanned files hold no constraint at all
 * (`assumed`), else it enforces nothing. A refused or unreadable one is reported either way.
 */
function templateFacts(t: AnalyzedTemplate, assumed: boolean, ctx: EngineContext): PolicyFacts {
  const enforcement = { blocking: true, action: 'deny (no constraint in the scanned files: judged as if one with default parameters matched Pods)', at: t.doc.at };
  const usable = t.problems.length === 0;
  const at = t.doc.yaml.ref(t.doc.yaml.at(t.doc.yaml.root, 'spec', 'crd', 'spec', 'names', 'kind'), t.doc.at);
  return {
    engine: 'gatekeeper',
    policy: policyRef(t.doc),
    at: t.doc.at,
    rules: assumed ? t.entries.map((e) => entryFacts(t, e, { matchesPod: true, ephemeralSubresource: 'yes', subresourceAt: t.doc.at, enforcement }, ctx)) : [],
    exemptions: usable && assumed ? t.exemptions : [],
    unanalyzable: t.problems,
    ...(usable ? { constraintLink: { state: assumed ? 'assumed' : 'no-constraint', kind: t.kind, at } } : {}),
  };
}

function constraintFacts(
  doc: PolicyDoc,
  template: AnalyzedTemplate | undefined,
  ctx: EngineContext,
  missing: () => { nearest?: string; refused?: boolean; noTemplates?: boolean },
  withParameters: (t: AnalyzedTemplate, parameters: unknown) => AnalyzedTemplate,
): PolicyFacts {
  const c = readConstraint(doc);
  const t = template && withParameters(template, c.parameters);
  const usable = t && t.problems.length === 0;
  // exemptImages only matters when the template reads it (or when that is not known).
  const readsExemptImages = !usable || t.parameters === 'unknown' || t.parameters.has('exemptImages');
  // `exemptImages: ["*"]` exempts every container: only pod-level checks are left.
  const everyImage = readsExemptImages && c.exemptImages.some((e) => e.value === '*');
  const kept = (e: TemplateEntry): TemplateEntry => (everyImage ? { ...e, checks: e.checks.filter((x) => x.location === 'pod'), forbidsEphemeral: undefined } : e);
  return {
    engine: 'gatekeeper',
    policy: policyRef(doc),
    at: doc.at,
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
    ...(t ? {} : { constraintLink: { state: 'no-template', kind: doc.kind, at: kindAt(doc), ...missing() } }),
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
function missingTemplate(kind: string, templates: AnalyzedTemplate[]): { nearest?: string; refused?: boolean; noTemplates?: boolean } {
  if (templates.length === 0) return { noTemplates: true };
  if (templates.some((t) => t.problems.length > 0 && t.kind === kind)) return { refused: true };
  const nearest = nearestKind(kind, templates.filter((t) => t.problems.length === 0).map((t) => t.kind));
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
function closest(candidates: AnalyzedTemplate[] | undefined, file: string): AnalyzedTemplate | undefined {
  const dirs = (f: string): string[] => path.posix.dirname(f).split('/');
  const target = dirs(file);
  let best: AnalyzedTemplate | undefined;
  let bestShared = -1;
  for (const t of candidates ?? []) {
    const d = dirs(t.doc.at.file);
    let shared = 0;
    while (shared < d.length && d[shared] === target[shared]) shared++;
    if (shared > bestShared) [best, bestShared] = [t, shared];
  }
  return best;
}

export const analyze: Analyze = (docs, _raw, ctx) => {
  // Checked first (what Gatekeeper refuses decides the links), then analysed once per parameters
  // a constraint gives (the default, empty ones for a template judged without a constraint).
  const templates = docs.filter(isTemplate).map((d) => safeTemplate(d, {}, 'check-only'));
  const underParameters = new Map<string, AnalyzedTemplate>();
  const withParameters = (t: AnalyzedTemplate, parameters: unknown): AnalyzedTemplate => {
    const key = JSON.stringify(parameters ?? null);
    const id = `${templates.indexOf(t)}|${key}`;
    let found = underParameters.get(id);
    if (!found) underParameters.set(id, (found = safeTemplate(t.doc, parameters)));
    return found;
  };
  // A refused template defines no CRD: constraints of its kind have nothing to enforce.
  const byKind = new Map<string, AnalyzedTemplate[]>();
  for (const t of templates) if (t.problems.length === 0) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), t]);
  const linked = new Set<AnalyzedTemplate>();
  const out: PolicyFacts[] = [];
  const constraints = docs.filter((d) => !isTemplate(d));
  for (const doc of constraints) {
    const t = closest(byKind.get(doc.kind), doc.at.file);
    if (t) linked.add(t);
    try {
      out.push(constraintFacts(doc, t, ctx, () => missingTemplate(doc.kind, templates), withParameters));
    } catch (e) {
      out.push(unanalyzablePolicy('gatekeeper', doc, failureReason(e)));
    }
  }
  for (const t of templates) if (!linked.has(t)) out.push(templateFacts(withParameters(t, {}), constraints.length === 0, ctx));
  return out;
};
