/**
 * Gatekeeper: ConstraintTemplates and their constraints. Each template is analysed once; each
 * constraint of its kind yields its own PolicyFacts (policy = the constraint) with the template's
 * rules under the constraint's match and enforcement. A template without a constraint in the
 * scanned files is reported as if one matched Pods and denied; a constraint whose template is not
 * in the scanned files contributes only its exemptions.
 */
import * as path from 'node:path';
import type { PolicyFacts } from '../../facts';
import { failureReason, unanalyzablePolicy } from '../guard';
import type { Analyze, PolicyDoc } from '../types';
import { readConstraint } from './constraint';
import { ruleFacts } from './rule-facts';
import { analyzeTemplate, type AnalyzedTemplate } from './template';

const TEMPLATE_API = /^templates\.gatekeeper\.sh\//;

const isTemplate = (d: PolicyDoc): boolean => TEMPLATE_API.test(d.apiVersion) && d.kind === 'ConstraintTemplate';

function safeTemplate(doc: PolicyDoc): AnalyzedTemplate {
  try {
    return analyzeTemplate(doc);
  } catch (e) {
    return { doc, kind: doc.name, entries: [], parameters: new Set(), problems: [{ reason: failureReason(e), at: doc.at }], exemptions: [], celCode: [] };
  }
}

const policyRef = (d: PolicyDoc) => ({ kind: d.kind, name: d.name, ...(d.namespace ? { namespace: d.namespace } : {}) });

function templateFacts(t: AnalyzedTemplate): PolicyFacts {
  const enforcement = { blocking: true, action: 'deny (no constraint in the scanned files)', at: t.doc.at };
  return {
    engine: 'gatekeeper',
    policy: policyRef(t.doc),
    at: t.doc.at,
    rules: t.entries.map((e) => ruleFacts(e, { matchesPod: true, ephemeralSubresource: 'yes', subresourceAt: t.doc.at, enforcement })),
    exemptions: t.problems.length === 0 ? t.exemptions : [],
    unanalyzable: t.problems,
  };
}

function constraintFacts(doc: PolicyDoc, t: AnalyzedTemplate | undefined): PolicyFacts {
  const c = readConstraint(doc);
  const usable = t && t.problems.length === 0;
  // exemptImages only matters when the template reads it (or when that is not known).
  const readsExemptImages = !usable || t.parameters === 'unknown' || t.parameters.has('exemptImages');
  return {
    engine: 'gatekeeper',
    policy: policyRef(doc),
    at: doc.at,
    rules: usable
      ? t.entries.map((e) =>
          ruleFacts(e, {
            matchesPod: c.matchesPod,
            ...(c.controllersOnlyAt ? { controllersOnlyAt: c.controllersOnlyAt } : {}),
            ephemeralSubresource: 'yes',
            subresourceAt: c.kindsAt,
            enforcement: c.enforcement,
          }),
        )
      : [],
    exemptions: [...(readsExemptImages ? c.exemptImages : []), ...c.excludedNamespaces, ...(usable ? t.exemptions : [])],
    unanalyzable: [],
    ...(c.namespaces ? { namespaces: c.namespaces } : {}),
    ...(c.partialScope ? { partialScope: c.partialScope } : {}),
  };
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

export const analyze: Analyze = (docs) => {
  const templates = docs.filter(isTemplate).map(safeTemplate);
  const byKind = new Map<string, AnalyzedTemplate[]>();
  for (const t of templates) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), t]);
  const linked = new Set<AnalyzedTemplate>();
  const out: PolicyFacts[] = [];
  for (const doc of docs.filter((d) => !isTemplate(d))) {
    const t = closest(byKind.get(doc.kind), doc.at.file);
    if (t) linked.add(t);
    try {
      out.push(constraintFacts(doc, t));
    } catch (e) {
      out.push(unanalyzablePolicy('gatekeeper', doc, failureReason(e)));
    }
  }
  for (const t of templates) if (!linked.has(t) || t.problems.length > 0) out.push(templateFacts(t));
  return out;
};
