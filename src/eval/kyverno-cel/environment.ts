/**
 * Kyverno's CEL environment: the Kubernetes libraries of `eval/cel`, plus
 * - `x.orValue(d)` on a value that is not optional returns the value (Kyverno keeps cel-go 0.27's
 *   behaviour through its `__orValueCompat__` macro) where Kubernetes CEL fails: every `orValue` call
 *   is rewritten to that compat function;
 * - the `resource` library (`Get`, `List`) over the objects the cluster context holds, and
 *   `globalContext.Get(name, projection)` over supplied values. Without that data they are undecided.
 */
import { Environment, Optional, serialize } from '@marcbachmann/cel-js';
import { nsOf, pluralOf, type KubeObject } from '../../admission';
import { CelUndecided, toCel, type CelProgram } from '../cel';
import { registerKubernetesLibraries } from '../cel/kubernetes-library';
import { selectorMatches, labelsOf } from '../label-selector';

/** `resource`: the cluster's objects, as far as the cluster context describes them. */
export class ResourceContext {
  constructor(readonly inventory: readonly KubeObject[]) {}

  list(apiVersion: string, resource: string, namespace: string): KubeObject[] {
    if (this.inventory.length === 0) throw new CelUndecided(`needs cluster data: resource ${apiVersion} ${resource} (the cluster context has no objects)`);
    return this.inventory.filter((o) => {
      const ns = nsOf(o);
      return o.apiVersion === apiVersion && pluralOf(String(o.kind ?? '')) === resource && (namespace === '' || ns === namespace);
    });
  }
}

/** `globalContext`: GlobalContextEntry values by name (and projection), when supplied. */
export class GlobalContext {
  constructor(readonly values: Readonly<Record<string, unknown>> | undefined) {}
}

const COMPAT = '__orValueCompat__';

const ENV = registerKubernetesLibraries(
  new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false }),
)
  .registerFunction(`${COMPAT}(dyn, dyn): dyn`, ((value: unknown, fallback: unknown) =>
    value instanceof Optional ? (value.hasValue() ? value.value() : fallback) : value) as never)
  .registerType('kyverno.Resource', ResourceContext)
  .registerType('kyverno.GlobalContext', GlobalContext)
  .registerFunction('kyverno.Resource.Get(string, string, string, string): dyn', ((r: ResourceContext, apiVersion: string, resource: string, namespace: string, name: string) => {
    const found = r.list(apiVersion, resource, namespace).find((o) => (o.metadata as KubeObject | undefined)?.name === name);
    if (!found) throw new Error(`${resource} "${name}" not found`);
    return toCel(found);
  }) as never)
  .registerFunction('kyverno.Resource.List(string, string, string): dyn', ((r: ResourceContext, apiVersion: string, resource: string, namespace: string) =>
    toCel({ items: r.list(apiVersion, resource, namespace) })) as never)
  .registerFunction('kyverno.Resource.List(string, string, string, map): dyn', ((r: ResourceContext, apiVersion: string, resource: string, namespace: string, labels: Map<string, string> | Record<string, string>) => {
    const matchLabels = labels instanceof Map ? Object.fromEntries(labels) : labels;
    return toCel({ items: r.list(apiVersion, resource, namespace).filter((o) => selectorMatches({ matchLabels }, labelsOf(o))) });
  }) as never)
  .registerFunction('kyverno.GlobalContext.Get(string, string): dyn', ((g: GlobalContext, name: string, projection: string) => {
    if (!g.values || !(name in g.values)) throw new CelUndecided(`needs cluster data: globalContext entry ${name}`);
    const entry = g.values[name];
    if (projection === '') return toCel(entry);
    const projected = entry && typeof entry === 'object' ? (entry as Record<string, unknown>)[projection] : undefined;
    if (projected === undefined) throw new CelUndecided(`needs cluster data: projection ${projection} of globalContext entry ${name}`);
    return toCel(projected);
  }) as never);

interface Node {
  op: string;
  args: unknown;
}

const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && 'op' in v;

/** Rewrites `r.orValue(d)` to `__orValueCompat__(r, d)`, depth-first. */
function rewrite(node: unknown, depth = 0): unknown {
  if (depth > 500) throw new Error('expression nested too deeply');
  if (Array.isArray(node)) return node.map((n) => rewrite(n, depth + 1));
  if (!isNode(node)) return node;
  if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'orValue') {
    const [, receiver, callArgs] = node.args as [string, unknown, unknown[]];
    return { ...node, op: 'call', args: [COMPAT, [rewrite(receiver, depth + 1), ...callArgs.map((a) => rewrite(a, depth + 1))]] };
  }
  return { ...node, args: Array.isArray(node.args) ? node.args.map((a) => rewrite(a, depth + 1)) : isNode(node.args) ? rewrite(node.args, depth + 1) : node.args };
}

export function compileKyvernoCel(text: string): { program: CelProgram } | { error: string } {
  try {
    const first = ENV.parse(text);
    const parsed = text.includes('orValue') ? ENV.parse(serialize(rewrite(first.ast) as never)) : first;
    return { program: { text, run: (a) => parsed(a), usesAuthorizer: false } };
  } catch (e) {
    const err = e as { message?: string };
    return { error: String(err.message ?? e).split('\n')[0] };
  }
}
