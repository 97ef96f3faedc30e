/**
 * Kyverno `{{ }}` substitution (kyverno/pkg/engine/variables/vars.go): every string leaf and map
 * key of a document is searched for variables; a string that is exactly one variable becomes the
 * variable's value (of any type), otherwise the value is spliced in as text (JSON for non-strings)
 * and the result is searched again, unless the variable was written `{{- … }}`.
 */
import { query } from './jmespath';

const VARIABLE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;

function variableText(raw: string): { expr: string; shallow: boolean } {
  let expr = raw.replace(/\{\{/g, '').replace(/\}\}/g, '').trim();
  const shallow = expr.startsWith('-');
  if (shallow) expr = expr.slice(1).trim();
  return { expr, shallow };
}

const MAX_ROUNDS = 100;

/** Substitutes the variables of one string; `data` is the JSON context. */
export function substituteString(value: string, data: unknown, deleteRequest = false): unknown {
  let text = value;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const vars = [...text.matchAll(VARIABLE)].map((m) => m[2]!);
    if (vars.length === 0) break;
    let shallow = false;
    for (const v of vars) {
      const parsed = variableText(v);
      shallow = parsed.shallow;
      const expr = deleteRequest ? parsed.expr.split('request.object').join('request.oldObject') : parsed.expr;
      const resolved = query(expr, data);
      if (text === v) return resolved;
      let spliced = typeof resolved === 'string' ? resolved : JSON.stringify(resolved ?? null);
      if (shallow) spliced = spliced.split('{{').join('\\{{');
      text = text.replace(v, () => spliced);
    }
    if (shallow) break;
  }
  return text.split('\\{{').join('{{');
}

/** Substitutes every variable of a JSON document (string leaves and map keys). */
export function substituteAll(doc: unknown, data: unknown, deleteRequest = false): unknown {
  if (typeof doc === 'string') return substituteString(doc, data, deleteRequest);
  if (Array.isArray(doc)) return doc.map((d) => substituteAll(d, data, deleteRequest));
  if (typeof doc === 'object' && doc !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) {
      const key = substituteString(k, data, deleteRequest);
      out[typeof key === 'string' ? key : JSON.stringify(key)] = substituteAll(v, data, deleteRequest);
    }
    return out;
  }
  return doc;
}

/** True when the text holds a `{{ }}` variable. */
export const hasVariables = (text: string): boolean => new RegExp(VARIABLE.source).test(text);
