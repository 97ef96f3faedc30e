/**
 * Raw `.rego` files evaluated the way the static analysis reads them (src/engines/gatekeeper/raw-rego.ts):
 * the set's modules compiled together, as OPA loads them; each package that defines `deny`,
 * `violation` or `warn` rules (or their `_suffix` variants) is one policy, named after the package.
 * The input holds the request where each style reads it: `input.review` (Gatekeeper), `input.request`
 * (an AdmissionReview) and the object's own fields (manifest style, conftest), with empty
 * `parameters`, as a template without a constraint is judged. A rule whose value is not false,
 * undefined or empty is a violation; `warn` rules only warn.
 */
import type { AdmissionRequest, ClusterContext, Decision, Evaluator, KubeObject } from '../../admission';
import { isRegoTest, rawModule } from '../../engines/gatekeeper/raw-rego';
import { gatekeeperReview, inventoryData } from '../gatekeeper/review';
import { REGO_BUDGET } from '../gatekeeper/rego-engine';
import { compileRego, evalQuery, formatRegoError, type RegoProgram } from '../rego';

export interface RawRegoSource {
  file: string;
  text: string;
}

interface EntryPackage {
  name: string;
  /** `data["a"]["b"]` for package a.b. */
  ref: string;
  entries: string[];
  at: { file: string; line: number; column: number };
}

/** The messages of one entry rule's value: a set or object of violations, or a plain true. */
function messages(rule: string, value: unknown): string[] {
  const items = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : value === undefined || value === false ? [] : [value];
  return items.map((v) => {
    const msg = (v as { msg?: unknown } | null)?.msg ?? v;
    return typeof msg === 'string' ? msg : msg === true ? rule : JSON.stringify(msg);
  });
}

function input(req: AdmissionRequest): KubeObject {
  const object = req.object ?? req.oldObject ?? {};
  return { ...object, review: gatekeeperReview(req), request: req, parameters: {} };
}

function compile(modules: Parameters<typeof compileRego>[0]): { program: RegoProgram } | { error: string } {
  const { program, errors } = compileRego(modules);
  if (program && errors.length === 0) return { program };
  return { error: errors[0] ? formatRegoError(errors[0]) : 'the Rego does not compile' };
}

export function rawRegoEvaluator(sources: readonly RawRegoSource[]): Evaluator {
  const modules: { file: string; text: string; version: 'v0' | 'v1' }[] = [];
  const packages: EntryPackage[] = [];
  for (const s of sources.filter((x) => !isRegoTest(x.file))) {
    // A module that does not parse is the static analysis' finding; the others still load.
    const m = rawModule(s.text);
    if (!m) continue;
    modules.push({ file: s.file, text: s.text, version: m.version });
    if (m.entries.length === 0) continue;
    const name = m.pkg.join('.');
    const known = packages.find((p) => p.name === name);
    if (known) known.entries = [...new Set([...known.entries, ...m.entries])];
    else packages.push({ name, ref: `data${m.pkg.map((x) => `[${JSON.stringify(x)}]`).join('')}`, entries: m.entries, at: { file: s.file, line: m.line, column: m.column } });
  }
  const compiled = compile(modules);

  const decide = (p: EntryPackage, req: AdmissionRequest, cluster: ClusterContext): Decision => {
    const decision = (verdict: Decision['verdict'], extra: Partial<Decision> = {}): Decision => ({ engine: 'rego', policy: p.name, verdict, messages: [], at: p.at, ...extra });
    if ('error' in compiled) return decision('error', { reason: compiled.error });
    const fired: { rule: string; messages: string[] }[] = [];
    for (const rule of p.entries) {
      const out = evalQuery(compiled.program, `${p.ref}[${JSON.stringify(rule)}]`, { input: input(req), data: { inventory: inventoryData(cluster.inventory) }, budget: REGO_BUDGET });
      if (out.error) return decision('error', { reason: formatRegoError(out.error) });
      const m = messages(rule, out.value);
      if (m.length) fired.push({ rule, messages: m });
    }
    if (fired.length === 0) return decision('admit');
    const verdict = fired.some((f) => !f.rule.startsWith('warn')) ? 'deny' : 'warn';
    return decision(verdict, { rule: fired.map((f) => f.rule).join(', '), messages: fired.flatMap((f) => f.messages) });
  };
  return { engine: 'rego', evaluate: (req, cluster) => packages.map((p) => decide(p, req, cluster)) };
}
