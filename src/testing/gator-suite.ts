/**
 * gator's `Suite` files (test.gatekeeper.sh/v1alpha1) with gator's semantics: each test pairs a
 * template with a constraint; each case reviews one object (a plain object, reviewed without an
 * operation, or an AdmissionReview whose request is used as is) with optional inventory, and asserts
 * `violations: yes|no|N`, counting only results whose message matches the `message` regex.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'yaml';
import { visit } from '../yaml-lib';
import { objectReview, type AdmissionRequest, type ClusterContext, type Decision, type KubeObject } from '../admission';
import type { SourceFile } from '../discover/walk';
import { readYaml, type YamlDoc } from '../discover/yaml-doc';
import type { SourceRef } from '../facts';
import { re2 } from '../eval/rego/regex';
import { GatekeeperPolicy, readTemplate, type RegoCompileError, type Template } from '../eval/gatekeeper';
import { brokenSuite, type CaseResult, type LoadedSuite, type MutationTarget, type SuiteCase, type SuiteFormat } from './suite-format';

const FORMAT = 'gator';

/** A problem that makes the whole suite unreadable, at the place to fix. */
class SuiteProblem extends Error {
  constructor(readonly at: SourceRef, message: string) {
    super(message);
  }
}

interface Assertion {
  /** 'yes', 'no' or an exact count. */
  violations: 'yes' | 'no' | number;
  message?: RegExp;
}

function toJS(y: YamlDoc, node: Node | undefined): unknown {
  return node?.toJS(y.doc, { maxAliasCount: 1000 });
}

/**
 * Objects by file text: released versions of a library repeat the same sample files, which are read
 * once. Callers never modify the objects (requests and evaluators copy what they change).
 */
const parsedObjects = new Map<string, KubeObject[]>();

function readText(dir: string, rel: string, at: SourceRef): { text: string; shown: string } {
  try {
    return { text: fs.readFileSync(path.join(dir, rel), 'utf8'), shown: path.join(path.dirname(at.file), rel).split(path.sep).join('/') };
  } catch {
    throw new SuiteProblem(at, `cannot read ${rel}: no such file`);
  }
}

/** The YAML documents of a file beside the suite; a missing or broken file is a problem at `at`. */
function readDocs(rel: string, at: SourceRef, text: string, shown: string): YamlDoc[] {
  const loaded = readYaml({ path: shown, text });
  if (loaded.error) throw new SuiteProblem(loaded.error, `${rel}: ${loaded.error.message}`);
  const docs = loaded.docs.filter((d) => d.isMap(d.root));
  if (docs.length === 0) throw new SuiteProblem(at, `${rel} defines no objects`);
  return docs;
}

function readObjects(dir: string, rel: string, at: SourceRef): KubeObject[] {
  const { text, shown } = readText(dir, rel, at);
  let objects = parsedObjects.get(text);
  if (!objects) {
    objects = readDocs(rel, at, text, shown).map((d) => toJS(d, d.root) as KubeObject);
    if (parsedObjects.size > 10_000) parsedObjects.clear();
    parsedObjects.set(text, objects);
  }
  return objects;
}

function assertionOf(y: YamlDoc, node: Node): Assertion {
  const v = y.scalar(y.get(node, 'violations'));
  const msg = y.str(y.get(node, 'message'));
  let violations: Assertion['violations'];
  // `yes`/`no` arrive as YAML 1.1 booleans; gator reads them as the strings.
  if (v === undefined || v === null || v === true || v === 'yes') violations = 'yes';
  else if (v === false || v === 'no') violations = 'no';
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) violations = v;
  else throw new SuiteProblem(y.keyRef(node, 'violations'), 'assertion.violations must be a nonnegative integer, "yes", or "no"');
  let message: RegExp | undefined;
  if (msg !== undefined) {
    try {
      message = re2(msg); // gator compiles it with Go's regexp
    } catch {
      throw new SuiteProblem(y.keyRef(node, 'message'), `assertion.message is not a valid regular expression: ${msg}`);
    }
  }
  return { violations, ...(message ? { message } : {}) };
}

function describe(a: Assertion): string {
  const count = a.violations === 'yes' ? 'at least 1 violation' : a.violations === 'no' ? 'no violations' : `exactly ${a.violations} violation${a.violations === 1 ? '' : 's'}`;
  return a.message ? `${count} matching /${a.message.source}/` : count;
}

function holds(a: Assertion, matching: number): boolean {
  return a.violations === 'yes' ? matching > 0 : a.violations === 'no' ? matching === 0 : matching === a.violations;
}

/** The request gator builds for the reviewed object. */
function requestFor(obj: KubeObject, at: SourceRef): AdmissionRequest {
  const group = String(obj.apiVersion ?? '').split('/');
  if (obj.kind !== 'AdmissionReview' || group.length !== 2 || group[0] !== 'admission.k8s.io') return objectReview(obj);
  const r = obj.request as KubeObject | undefined;
  if (!r) throw new SuiteProblem(at, 'the AdmissionReview has no request');
  if (!r.object && !r.oldObject) throw new SuiteProblem(at, 'the AdmissionRequest has neither object nor oldObject to review');
  return {
    uid: '',
    kind: { group: '', version: '', kind: '' },
    resource: { group: '', version: '', resource: '' },
    userInfo: { username: '' },
    ...(r as object),
    operation: (r.operation as AdmissionRequest['operation']) ?? '',
  } as AdmissionRequest;
}

function clusterOf(inventory: KubeObject[]): ClusterContext {
  const namespaces = new Map<string, KubeObject>();
  for (const o of inventory) {
    const name = (o.metadata as KubeObject | undefined)?.name;
    if (o.kind === 'Namespace' && typeof name === 'string') namespaces.set(name, o);
  }
  return { namespaces, inventory };
}

/** The line in the YAML file of a line inside an embedded Rego module (a block scalar starts a line below its key). */
function regoPlace(y: YamlDoc, template: Template, e: RegoCompileError): SourceRef {
  const text = template.rego?.modules.find((m) => m.file === e.module)?.text;
  let found: SourceRef | undefined;
  if (text !== undefined && e.line) {
    visit(y.doc, {
      Scalar(_key, node) {
        if (node.value !== text || !node.range) return undefined;
        const start = y.refAt(node.range[0]);
        const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
        const line = start.line + (block ? 1 : 0) + e.line! - 1;
        // The block's indentation is that of its first line (start.line is the `|` line).
        const indent = block ? /^ */.exec(y.text.split('\n')[start.line] ?? '')![0].length : start.column - 1;
        found = { file: start.file, line, column: indent + (e.column ?? 1) };
        return visit.BREAK;
      },
    });
  }
  return found ?? template.at;
}

function loadTemplate(dir: string, rel: string, at: SourceRef): Template {
  const { text, shown } = readText(dir, rel, at);
  const docs = readDocs(rel, at, text, shown);
  const doc = docs[0]!;
  const r = readTemplate(toJS(doc, doc.root) as KubeObject, doc.ref(doc.root));
  if ('error' in r) throw new SuiteProblem(doc.ref(doc.root), `${rel}: ${r.error}`);
  // A template Gatekeeper would refuse (Rego that does not compile) makes the suite unreadable.
  const rego = r.template.rego && new GatekeeperPolicy(r.template, {}).compiledRego();
  if (rego && 'error' in rego) throw new SuiteProblem(regoPlace(docs[0]!, r.template, rego), `${rel}: ${rego.error}`);
  return r.template;
}

function unjudged(name: string, casePath: string, at: SourceRef, expected: string, why: string): SuiteCase {
  return { name, path: casePath, at, run: () => ({ status: 'error', expected, actual: `not evaluated: ${why}`, decisions: [] }) };
}

function loadSuite(y: YamlDoc, file: SourceFile): LoadedSuite {
  const dir = path.dirname(file.path);
  const suiteName = y.str(y.at(y.root, 'metadata', 'name')) ?? path.basename(dir);
  const cases: SuiteCase[] = [];
  const templates = new Map<string, Template>();
  if (y.scalar(y.get(y.root, 'skip')) === true) return { format: FORMAT, name: suiteName, file: file.path, cases };
  try {
    for (const test of y.items(y.get(y.root, 'tests'))) {
      if (y.scalar(y.get(test, 'skip')) === true) continue;
      const testName = y.str(y.get(test, 'name')) ?? '';
      const templatePath = y.str(y.get(test, 'template'));
      const constraintPath = y.str(y.get(test, 'constraint'));
      if (!templatePath || !constraintPath) throw new SuiteProblem(y.ref(test), `test ${testName} needs a template and a constraint`);
      const templateAt = y.keyRef(test, 'template');
      const template = templates.get(templatePath) ?? loadTemplate(dir, templatePath, templateAt);
      templates.set(templatePath, template);
      const constraintAt = y.keyRef(test, 'constraint');
      const constraint = readObjects(dir, constraintPath, constraintAt)[0]!;
      if (constraint.kind !== template.kind) throw new SuiteProblem(constraintAt, `${constraintPath} is a ${String(constraint.kind)}, the template defines ${template.kind}`);
      const policy = new GatekeeperPolicy(template, constraint);
      // What polcov cannot judge is an error case, never a silent pass: the constraint schema check
      // behind `invalid: true`, and the resources an ExpansionTemplate would generate.
      if (y.scalar(y.get(test, 'invalid')) === true) {
        cases.push(unjudged(`${testName} (invalid constraint)`, `${suiteName}/${testName}`, y.keyRef(test, 'invalid'), 'the constraint is rejected by the template schema',
          'polcov does not check constraints against the template schema'));
        continue;
      }
      const expansion = y.str(y.get(test, 'expansion'));
      const allowed: KubeObject[] = [];
      for (const c of y.items(y.get(test, 'cases'))) {
        if (y.scalar(y.get(c, 'skip')) === true) continue;
        const name = y.str(y.get(c, 'name')) ?? '';
        const at = y.ref(c);
        const objectPath = y.str(y.get(c, 'object'));
        if (!objectPath) throw new SuiteProblem(at, `case ${name} must define object`);
        const objectAt = y.keyRef(c, 'object');
        const reviewed = readObjects(dir, objectPath, objectAt);
        if (reviewed.length !== 1) throw new SuiteProblem(objectAt, `${objectPath} defines ${reviewed.length} objects, a case reviews exactly one`);
        const request = requestFor(reviewed[0]!, objectAt);
        const inventory = y.strings(y.get(c, 'inventory')).flatMap((p) => readObjects(dir, p, y.keyRef(c, 'inventory')));
        const assertions = y.items(y.get(c, 'assertions')).map((a) => assertionOf(y, a));
        if (assertions.length === 0) throw new SuiteProblem(at, `case ${name}: assertions must be non-empty`);
        const cluster = clusterOf(inventory);
        if (assertions.every((a) => a.violations === 'no' && !a.message) && request.object) allowed.push(request.object);
        if (expansion) {
          cases.push(unjudged(name, `${suiteName}/${testName}/${name}`, at, assertions.map(describe).join('; '), `polcov does not run ExpansionTemplates (${expansion})`));
          continue;
        }
        cases.push({
          name,
          path: `${suiteName}/${testName}/${name}`,
          at,
          run: (settings) => judge(policy.evaluate(request, cluster, { gatekeeperVersion: settings.gatekeeperVersion, enforcementPoint: 'gator.gatekeeper.sh' }), assertions),
          ...(expectsViolations(assertions) && request.object ? { mutation: mutationTarget(policy, request.object, allowed, cluster) } : {}),
        });
      }
    }
  } catch (e) {
    if (e instanceof SuiteProblem) return brokenSuite(FORMAT, suiteName, file.path, e.at, e.message);
    throw e;
  }
  return { format: FORMAT, name: suiteName, file: file.path, cases };
}

const expectsViolations = (assertions: Assertion[]): boolean => assertions.some((a) => a.violations === 'yes' || (typeof a.violations === 'number' && a.violations > 0));

/** Variants go through the webhook, as real admission requests. */
function mutationTarget(policy: GatekeeperPolicy, object: KubeObject, allowed: KubeObject[], cluster: ClusterContext): MutationTarget {
  return {
    object,
    allowed,
    policy: policy.name,
    policyAt: policy.template.at,
    evaluate: (request, settings) => [policy.evaluate(request, cluster, { gatekeeperVersion: settings.gatekeeperVersion, enforcementPoint: 'validation.gatekeeper.sh' })],
  };
}

/** gator's verdict on one case: every assertion must hold over the results' messages. */
function judge(d: Decision, assertions: Assertion[]): CaseResult {
  const expected = assertions.map(describe).join('; ');
  if (d.verdict === 'error' || d.verdict === 'undecided') return { status: 'error', expected, actual: `${d.verdict}: ${d.reason ?? ''}`, decisions: [d] };
  const messages = d.messages;
  const failedAssertion = assertions.find((a) => !holds(a, a.message ? messages.filter((m) => a.message!.test(m)).length : messages.length));
  const actual = messages.length === 0 ? 'no violations' : `${messages.length} violation${messages.length === 1 ? '' : 's'}: ${messages.join(' | ')}`;
  return { status: failedAssertion ? 'fail' : 'pass', expected, actual, decisions: [d] };
}

export const gatorSuiteFormat: SuiteFormat = {
  id: FORMAT,
  detect: (f) => /\.ya?ml$/i.test(f.path) && f.text.includes('test.gatekeeper.sh/') && /^kind:\s*Suite\s*$/m.test(f.text),
  load(file) {
    const loaded = readYaml(file);
    if (loaded.error) return [brokenSuite(FORMAT, path.basename(path.dirname(file.path)), file.path, loaded.error, loaded.error.message)];
    return loaded.docs.filter((y) => y.str(y.get(y.root, 'kind')) === 'Suite').map((y) => loadSuite(y, file));
  },
};
