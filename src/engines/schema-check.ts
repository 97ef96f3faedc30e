/**
 * Policy documents checked against schemas of the fields polcov reads (schema/policies/, ajv). A
 * CRD's structural schema prunes unknown fields and the API server rejects them in built-in
 * kinds, so `validat:` for `validate:` leaves a rule that checks nothing (Kyverno then rejects
 * the policy) while the file still reads as a check. Each problem is reported at the key, and the
 * policy counts as no coverage.
 */
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Node } from 'yaml';
import type { Unanalyzable } from '../facts';
import { podSecurityConfig } from './psa';
import type { PolicyDoc } from './types';
import { schemaValidator } from '../schema-validator';

export const SCHEMA_DIR = path.join(__dirname, '..', '..', 'schema', 'policies');
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;

/** The schema of a document, and the node it applies to. */
function schemaOf(doc: PolicyDoc): { name: string; node: Node | undefined } | undefined {
  const group = doc.apiVersion.split('/')[0];
  const root = { node: doc.yaml.root };
  if (group === 'kyverno.io' && (doc.kind === 'ClusterPolicy' || doc.kind === 'Policy')) return { name: 'kyverno-policy', ...root };
  if (group === 'policies.kyverno.io' && doc.kind.endsWith('ValidatingPolicy')) return { name: 'kyverno-validating-policy', ...root };
  if (group === 'templates.gatekeeper.sh' && doc.kind === 'ConstraintTemplate') return { name: 'gatekeeper-template', ...root };
  if (group === 'constraints.gatekeeper.sh') return { name: 'gatekeeper-constraint', ...root };
  if (group === 'admissionregistration.k8s.io' && doc.kind === 'ValidatingAdmissionPolicy') return { name: 'validating-admission-policy', ...root };
  if (group === 'admissionregistration.k8s.io' && doc.kind === 'ValidatingAdmissionPolicyBinding') return { name: 'validating-admission-policy-binding', ...root };
  if (doc.kind === 'PodSecurityPolicy') return { name: 'pod-security-policy', ...root };
  if (doc.kind === 'PodSecurityConfiguration' || doc.kind === 'AdmissionConfiguration') return { name: 'pod-security-configuration', node: podSecurityConfig(doc) };
  return undefined;
}

/** The schema's validator (compiled at build time, else now). */
function validator(name: string): ValidateFunction {
  return schemaValidator(name, path.join(SCHEMA_DIR, `${name}.schema.json`), AJV_OPTIONS);
}

const MAX_REPORTED = 5;
const MAX_ALIASES = 1_000;

/** What Kubernetes would reject or prune in the document, each at its key. */
export function schemaProblems(doc: PolicyDoc): Unanalyzable[] {
  const s = schemaOf(doc);
  if (!s?.node) return [];
  const validate = validator(s.name);
  let data: unknown;
  try {
    // With the document, so aliases resolve to their values (bounded: discovery has refused alias bombs).
    data = s.node.toJS(doc.yaml.doc, { maxAliasCount: MAX_ALIASES });
  } catch {
    return [{ reason: `too complex to follow: YAML aliases expand more than ${MAX_ALIASES} times`, at: doc.at }];
  }
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: Unanalyzable[] = [];
  for (const e of validate.errors ?? []) {
    // `if`/`then` errors repeat the errors inside them.
    if (e.keyword === 'if') continue;
    const problem = describe(doc, s.node, e);
    const key = `${problem.at.line}:${problem.at.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
    if (out.length === MAX_REPORTED) break;
  }
  return out;
}

function describe(doc: PolicyDoc, root: Node, e: ErrorObject): Unanalyzable {
  const y = doc.yaml;
  const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: Node | undefined = root;
  for (const s of segs) node = y.isSeq(node) ? y.items(node)[Number(s)] : y.get(node, s);
  const where = segs.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
  const what = `${doc.kind} ${where || '(document)'}`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return { reason: `${what}: \`${key}\` is not a field there (known: ${known.join(', ')}); the API server drops or rejects it, so the policy does not do what it says`, at: y.keyRef(node, key) };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { reason: `${what} has no \`${key}\`, which the API server requires`, at: y.ref(node, doc.at) };
    }
    default:
      return { reason: `${what} ${e.message ?? 'is not valid'}: the API server rejects it`, at: y.ref(node, doc.at) };
  }
}
