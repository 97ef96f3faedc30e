/**
 * metav1.LabelSelector matching (matchLabels AND matchExpressions with In, NotIn, Exists,
 * DoesNotExist), shared by Gatekeeper constraints and ValidatingAdmissionPolicy bindings. An empty
 * selector matches everything; an unknown operator is an error, as the API server would refuse it.
 */
import type { KubeObject } from '../admission';

export class SelectorError extends Error {}

export function labelsOf(obj: KubeObject | undefined): Record<string, string> {
  const labels = (obj?.metadata as KubeObject | undefined)?.labels;
  return labels && typeof labels === 'object' ? (labels as Record<string, string>) : {};
}

export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return true;
  if (typeof selector !== 'object') throw new SelectorError('a label selector must be an object');
  const s = selector as { matchLabels?: Record<string, unknown>; matchExpressions?: unknown[] };
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== String(v)) return false;
  for (const e of s.matchExpressions ?? []) {
    const { key, operator, values = [] } = e as { key: string; operator: string; values?: unknown[] };
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const listed = values.map(String);
    switch (operator) {
      case 'In': if (!has || !listed.includes(labels[key]!)) return false; break;
      case 'NotIn': if (has && listed.includes(labels[key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new SelectorError(`unknown label selector operator ${JSON.stringify(operator)}`);
    }
  }
  return true;
}
