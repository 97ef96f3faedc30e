/**
 * What Gatekeeper's constraint framework refuses in a ConstraintTemplate before any Rego runs
 * (open-policy-agent/frameworks: validateTemplateMetadata, the Rego driver and its rewriter):
 * - `metadata.name` must equal `spec.crd.spec.names.kind` ignoring case, and the kind must be set;
 * - each lib's package must lie strictly below `lib` (`package lib.x`);
 * - imports must name `data.lib…` or `future…` (never `input`).
 * The entry module's package name is free: Gatekeeper rewrites it. A refused template has no CRD,
 * so no constraint of its kind exists and nothing of it is enforced.
 */
import type { SourceRef, Unanalyzable } from '../../facts';
import type { Import } from '../rego/ast';
import type { RegoModule } from '../rego/analysis';
import { staticPrefix } from '../rego/analysis/rules-index';
import type { PolicyDoc } from '../types';

const REFUSED = 'Gatekeeper refuses this ConstraintTemplate';

/** `metadata.name` against the CRD kind. */
export function metadataProblems(doc: PolicyDoc, kind: string | undefined, kindAt: SourceRef): Unanalyzable[] {
  const y = doc.yaml;
  if (!kind) return [{ reason: `${REFUSED}: spec.crd.spec.names.kind is not set`, at: kindAt }];
  if (doc.name.toLowerCase() === kind.toLowerCase()) return [];
  const at = y.ref(y.at(y.root, 'metadata', 'name'), doc.at);
  return [{ reason: `${REFUSED}: metadata.name "${doc.name}" is not the lowercase of the CRD kind "${kind}" (expected "${kind.toLowerCase()}")`, at }];
}

function importProblem(imp: Import, mod: RegoModule, where: string): Unanalyzable | undefined {
  const segs = staticPrefix(imp.path);
  if (segs[0] === 'future' || (segs[0] === 'data' && segs[1] === 'lib')) return undefined;
  // `import rego.v1` selects the dialect; the framework's import check is not followed for it here.
  if (segs[0] === 'rego') return undefined;
  const what = segs[0] === 'input' ? 'imports input' : `imports ${segs.join('.')}, outside data.lib`;
  return { reason: `${REFUSED}: the Rego${where} ${what}`, at: mod.locate(imp.pos) };
}

/** Lib packages and imports of the entry module (index 0) and its libs. */
export function regoProblems(modules: RegoModule[]): Unanalyzable[] {
  const out: Unanalyzable[] = [];
  modules.forEach((m, i) => {
    const where = i > 0 ? ` in libs[${i - 1}]` : '';
    const pkg = m.module.package;
    if (i > 0 && !(pkg.segments[0] === 'lib' && pkg.segments.length > 1)) {
      out.push({ reason: `${REFUSED}: libs[${i - 1}] declares package ${pkg.segments.join('.')}; a lib's package must lie below lib (e.g. package lib.helpers)`, at: m.locate(pkg.pos) });
    }
    for (const imp of m.module.imports) {
      const p = importProblem(imp, m, where);
      if (p) out.push(p);
    }
  });
  return out;
}
