/**
 * MutatingPolicies in a Kyverno CLI test, as the CLI runs them: every MutatingPolicy of the test in
 * order on the resource (each sees the object the previous one patched), one rule-less response per
 * policy, and the final patched object compared with the result's `patchedResources` file after
 * both are tidied (empty maps and lists dropped) — a difference fails the row.
 */
import * as path from 'node:path';
import { nameOf, nsOf, type ClusterContext, type KubeObject } from '../admission';
import type { EvalInput, PolicyResponse } from '../eval/kyverno/engine';
import { evaluateMutatingPolicy } from '../eval/kyverno-mpol';
import { deepEqual } from '../eval/kyverno/values';

export type MutatingResponse = PolicyResponse & { patched?: KubeObject };

/** The response of `policy`, evaluated in the chain of the test's MutatingPolicies. */
export function mutatingPolicyResponder(policies: readonly KubeObject[], clusterOf: (input: EvalInput) => ClusterContext) {
  const chain = policies.filter((p) => p.kind === 'MutatingPolicy');
  return (policy: KubeObject, input: EvalInput): MutatingResponse => {
    const cluster = clusterOf(input);
    let object = input.request.object;
    let mine: ReturnType<typeof evaluateMutatingPolicy> | undefined;
    for (const p of chain) {
      const r = evaluateMutatingPolicy(p, { ...input.request, ...(object ? { object } : {}) }, cluster);
      if (p === policy) mine = r;
      if (r.patched) object = r.patched;
    }
    mine ??= evaluateMutatingPolicy(policy, input.request, cluster);
    const rules = mine.status ? [{ rule: '', status: mine.status, message: mine.message }] : [];
    return { policy: nameOf(policy), enforce: () => false, rules, ...(object ? { patched: object } : {}) };
  };
}

/** The CLI's `Tidy`: maps and lists that end up empty are dropped. */
function tidy(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(tidy).filter((x) => x !== undefined);
    return out.length ? out : undefined;
  }
  if (v && typeof v === 'object') {
    const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tidy(x)]).filter(([, x]) => x !== undefined));
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/**
 * Compares the patched object with its counterpart (same apiVersion, kind, namespace, name) among
 * `expected` (the loaded `patchedResources` file): undefined when equal. When the file lacks it the
 * Kyverno CLI drops the row ("not found in manifest": neither pass nor fail) — `missing`.
 */
export function patchedDifference(actual: KubeObject, expected: readonly KubeObject[], file: string): { missing: string } | { differs: string } | undefined {
  const key = (o: KubeObject) => [o.apiVersion, o.kind, nsOf(o), nameOf(o)].join('/');
  const want = expected.find((e) => key(e) === key(actual));
  if (!want) return { missing: `resource ${key(actual)} not found in ${path.basename(file)}: the Kyverno CLI drops the row` };
  return deepEqual(tidy(actual), tidy(want)) ? undefined : { differs: `the patched resource differs from ${path.basename(file)}` };
}
