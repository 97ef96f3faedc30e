/**
 * Kyverno MutatingPolicy (`policies.kyverno.io`, CEL, modelled on MutatingAdmissionPolicy) on one
 * admission request, as `pkg/cel/policies/mpol` evaluates it: `matchConstraints` (not matched: no
 * response), `matchConditions` (false: skip), lazy `variables`, then each mutation in order on the
 * object the previous one produced — `ApplyConfiguration` merged as server-side apply does,
 * `JSONPatch` applied as RFC 6902. A mutation that applies is a pass carrying the patched object;
 * an evaluation error is an error; what needs data polcov lacks is undecided, never a pass.
 */
import { asObject, asObjects, type AdmissionRequest, type ClusterContext, type KubeObject } from '../../admission';
import { evalCel, fromCel, lazyVariables, requestVariable, toCel, type CelOutcome, type CelProgram } from '../cel';
import { autogenTargets } from '../kyverno-cel';
import { compileKyvernoCel, GlobalContext, ResourceContext } from '../kyverno-cel/environment';
import { compilePolicy, resourcesMatch } from '../vap';
import { mergeApplyConfiguration } from './apply-configuration';
import { applyJsonPatch, type JsonPatchOp } from './json-patch';
import { rewriteHas } from './has-rewrite';
import { rewriteTypedLiterals } from './typed-literals';

export interface MutationResult {
  /** No status: the policy does not match the request (the Kyverno CLI passes such a row). */
  status?: 'pass' | 'skip' | 'error' | 'undecided';
  message: string;
  /** The object after every mutation (a pass only). */
  patched?: KubeObject;
}

const compileMpolCel = (text: string) => compileKyvernoCel(rewriteHas(rewriteTypedLiterals(text)));

function compileMutations(spec: KubeObject): { kind: 'apply' | 'json'; program: CelProgram }[] {
  return asObjects(spec.mutations).map((m, i) => {
    const kind = m.patchType === 'ApplyConfiguration' ? 'apply' : m.patchType === 'JSONPatch' ? 'json' : undefined;
    if (!kind) throw new Error(`mutations[${i}]: patchType ${String(m.patchType)} is not supported`);
    const c = compileMpolCel(String(asObject(kind === 'apply' ? m.applyConfiguration : m.jsonPatch).expression ?? ''));
    if ('error' in c) throw new Error(`mutations[${i}]: ${c.error}`);
    return { kind, program: c.program };
  });
}

function failure(o: CelOutcome, where: string): MutationResult | undefined {
  if ('undecided' in o) return { status: 'undecided', message: `${where}: ${o.undecided}` };
  if ('error' in o) return { status: 'error', message: `${where}: ${o.error}` };
  return undefined;
}

/** One MutatingPolicy on one request. */
export function evaluateMutatingPolicy(policy: KubeObject, req: AdmissionRequest, cluster: ClusterContext): MutationResult {
  const spec = asObject(policy.spec);
  const match = resourcesMatch(asObject(spec.matchConstraints), req, cluster, 'matchConstraints');
  if ('undecided' in match) return { status: 'undecided', message: match.undecided };
  if ('error' in match) return { status: 'error', message: match.error };
  if (!match.matches) {
    const autogen = Array.isArray(asObject(asObject(spec.autogen).podControllers).controllers) ? autogenTargets(spec) : [];
    if (autogen.some((t) => t.group === req.resource.group && t.resource === req.resource.resource)) {
      return { status: 'undecided', message: 'autogen of MutatingPolicy mutations for pod controllers is not supported' };
    }
    return { message: match.reason ?? 'not matched' };
  }
  const compiled = compilePolicy({ variables: spec.variables, matchConditions: spec.matchConditions }, compileMpolCel);
  if ('error' in compiled) return { status: 'error', message: compiled.error };
  let mutations: ReturnType<typeof compileMutations>;
  try {
    mutations = compileMutations(spec);
  } catch (e) {
    return { status: 'error', message: (e as Error).message };
  }
  const namespace = req.namespace ? (cluster.namespaces.get(req.namespace) ?? null) : null;
  const activation = toCel({ object: req.object ?? null, oldObject: req.oldObject ?? null, request: requestVariable(req), namespaceObject: namespace }) as Record<string, unknown>;
  activation.resource = new ResourceContext(cluster.inventory);
  activation.globalContext = new GlobalContext(undefined);
  activation.variables = lazyVariables(compiled.variables, activation);

  for (const mc of compiled.matchConditions) {
    const o = evalCel(mc.program, activation);
    const f = failure(o, `matchCondition ${mc.name}`);
    if (f) return f;
    if ((o as { value: unknown }).value !== true) return { status: 'skip', message: `matchCondition ${mc.name} is false` };
  }
  let object = asObject(req.object);
  for (const [i, m] of mutations.entries()) {
    const o = evalCel(m.program, activation);
    const f = failure(o, `mutations[${i}]`);
    if (f) return f;
    const value = fromCel((o as { value: unknown }).value);
    try {
      if (m.kind === 'apply') {
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the applyConfiguration expression must return an Object');
        object = mergeApplyConfiguration(object, value as KubeObject);
      } else {
        if (!Array.isArray(value)) throw new Error('the jsonPatch expression must return a list of JSONPatch');
        object = asObject(applyJsonPatch(object, value as JsonPatchOp[]));
      }
    } catch (e) {
      return { status: 'error', message: `mutations[${i}]: ${(e as Error).message}` };
    }
    activation.object = toCel(object);
  }
  return { status: 'pass', message: 'success', patched: object };
}
