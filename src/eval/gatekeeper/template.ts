/**
 * A ConstraintTemplate read for evaluation: the CRD kind it defines, its Rego half (entry module and
 * libs, Rego v0 or v1) and its K8sNativeValidation CEL half (variables, validations, match conditions,
 * failurePolicy),
 * each compiled once. What does not compile is an error of the template, with file:line.
 */
import { asList, asObject, type KubeObject } from '../../admission';
import type { SourceRef } from '../../facts';
import { compileCel, type CelNamed, type CelProgram, type CelValidation } from '../cel';
import { NEWEST_GATEKEEPER } from './newest';

export interface CelHalf {
  variables: CelNamed[];
  validations: CelValidation[];
  matchConditions: CelNamed[];
  /** `Fail` (Gatekeeper's default) or `Ignore`: what an expression that errs at run time does. */
  failurePolicy: 'Fail' | 'Ignore';
}

export interface RegoHalf {
  modules: { file: string; text: string; version?: 'v0' | 'v1' }[];
}

export interface Template {
  name: string;
  /** The constraint kind the template defines. */
  kind: string;
  rego?: RegoHalf;
  cel?: CelHalf;
  at: SourceRef;
}

function celProgram(text: unknown, where: string): CelProgram {
  if (typeof text !== 'string') throw new Error(`${where}: expression must be a string`);
  const c = compileCel(text);
  if ('error' in c) throw new Error(`${where}: ${c.error}`);
  return c.program;
}

function celHalf(source: KubeObject): CelHalf {
  const named = (items: unknown, what: string): CelNamed[] =>
    asList(items).map((v, i) => {
      const o = asObject(v);
      const name = typeof o.name === 'string' ? o.name : `${what}[${i}]`;
      return { name, program: celProgram(o.expression, `${what} ${name}`) };
    });
  return {
    variables: named(source.variables, 'variable'),
    // Gatekeeper's source schema spells the list `matchCondition` (singular); a `matchConditions`
    // key is not part of it and Gatekeeper does not read it.
    matchConditions: named(source.matchCondition, 'matchCondition'),
    failurePolicy: source.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    validations: asList(source.validations).map((v, i) => {
      const o = asObject(v);
      return {
        expression: celProgram(o.expression, `validations[${i}]`),
        ...(typeof o.message === 'string' ? { message: o.message } : {}),
        ...(o.messageExpression !== undefined ? { messageExpression: celProgram(o.messageExpression, `validations[${i}].messageExpression`) } : {}),
      };
    }),
  };
}

function regoHalf(entry: unknown, libs: unknown, version: unknown, file: string): RegoHalf {
  if (typeof entry !== 'string') throw new Error('the Rego code has no rego source');
  const v = version === 'v1' ? 'v1' : 'v0';
  return {
    modules: [entry, ...asList(libs)].map((text, i) => {
      if (typeof text !== 'string') throw new Error(`libs[${i - 1}] is not a string`);
      return { file: i === 0 ? `${file}#rego` : `${file}#libs[${i - 1}]`, text, version: v };
    }),
  };
}

/** The template, or the reason it cannot be evaluated. */
export function readTemplate(obj: KubeObject, at: SourceRef): { template: Template } | { error: string } {
  if (obj.kind !== 'ConstraintTemplate') return { error: `expected a ConstraintTemplate, found ${String(obj.kind)}` };
  const spec = asObject(obj.spec);
  const kind = asObject(asObject(asObject(spec.crd).spec).names).kind;
  if (typeof kind !== 'string' || !kind) return { error: 'the template defines no constraint kind (spec.crd.spec.names.kind)' };
  const target = asList(spec.targets).map(asObject).find((t) => t.target === 'admission.k8s.gatekeeper.sh');
  if (!target) return { error: 'the template has no admission.k8s.gatekeeper.sh target' };
  const template: Template = { name: String(asObject(obj.metadata).name ?? kind.toLowerCase()), kind, at };
  try {
    if (typeof target.rego === 'string') template.rego = regoHalf(target.rego, target.libs, undefined, at.file);
    for (const code of asList(target.code).map(asObject)) {
      const source = asObject(code.source);
      if (code.engine === 'Rego') template.rego = regoHalf(source.rego, source.libs, source.version, at.file);
      else if (code.engine === 'K8sNativeValidation') template.cel = celHalf(source);
    }
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (!template.rego && !template.cel) return { error: 'the template has neither Rego nor K8sNativeValidation code' };
  return { template };
}

export { NEWEST_GATEKEEPER };

/** A Gatekeeper release as a comparable number, or undefined when `version` names none (e.g. "3.17", "v3.16.2"). */
export function gatekeeperMinor(version: string): number | undefined {
  const m = /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined;
}

function minor(version: string): number {
  const n = gatekeeperMinor(version);
  if (n === undefined) throw new Error(`not a Gatekeeper version: ${version} (expected e.g. 3.17)`);
  return n;
}

/**
 * The half Gatekeeper runs (DOMAIN.md §6): CEL whenever K8sNativeValidation is enabled, which it is
 * by default since v3.17; before that the Rego half, and a CEL-only template runs nothing.
 */
export function engineFor(t: Template, gatekeeperVersion = NEWEST_GATEKEEPER): 'cel' | 'rego' | undefined {
  const celOn = minor(gatekeeperVersion) >= minor('3.17');
  if (t.cel && (celOn || !t.rego)) return celOn ? 'cel' : undefined;
  return t.rego ? 'rego' : undefined;
}
