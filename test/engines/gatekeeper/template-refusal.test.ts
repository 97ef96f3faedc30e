/**
 * What Gatekeeper's constraint framework refuses before any Rego runs (open-policy-agent/frameworks:
 * validateTemplateMetadata, the Rego driver's rewriter). A refused template has no CRD: it is
 * policy-unanalyzable, never coverage, and a constraint of its kind enforces nothing. The entry
 * module's package name is free (Gatekeeper rewrites it), so a package that differs from the kind
 * is no problem.
 */
import { auditFiles, located } from '../../helpers';
import { constraint, lineCol } from './helpers';

const ENTRY = ['package k8sprivtest', '', 'violation[{"msg": "privileged"}] {', '    c := input.review.object.spec[_][_]', '    c.securityContext.privileged', '}'];

function templateText(opts: { name?: string; kind?: string | null; rego?: string[]; libs?: string[][] } = {}): string {
  const kind = opts.kind === undefined ? 'K8sPrivTest' : opts.kind;
  return [
    'apiVersion: templates.gatekeeper.sh/v1',
    'kind: ConstraintTemplate',
    'metadata:',
    `  name: ${opts.name ?? 'k8sprivtest'}`,
    'spec:',
    ...(kind === null ? [] : ['  crd:', '    spec:', '      names:', `        kind: ${kind}`]),
    '  targets:',
    '    - target: admission.k8s.gatekeeper.sh',
    '      rego: |',
    ...(opts.rego ?? ENTRY).map((l) => (l ? `        ${l}` : '')),
    ...(opts.libs?.length ? ['      libs:', ...opts.libs.flatMap((lib) => ['        - |', ...lib.map((l) => (l ? `          ${l}` : ''))])] : []),
    '',
  ].join('\n');
}

const withImport = (imp: string): string[] => [ENTRY[0]!, '', imp, ...ENTRY.slice(1)];

const cases: { name: string; text: string; fires: { needle: string; reason: string }[]; kindless?: boolean }[] = [
  {
    name: 'metadata.name is not the lowercase of the kind',
    text: templateText({ name: 'privileged-test' }),
    fires: [{ needle: 'privileged-test', reason: 'metadata.name "privileged-test" is not the lowercase of the CRD kind "K8sPrivTest"' }],
  },
  {
    name: 'no CRD kind',
    text: templateText({ kind: null }),
    fires: [{ needle: 'targets:', reason: 'spec.crd.spec.names.kind is not set' }],
    kindless: true,
  },
  {
    name: 'a lib outside lib',
    text: templateText({ libs: [['package helpers', '', 'f(x) {', '    x == 1', '}']] }),
    fires: [{ needle: 'package helpers', reason: 'libs[0] declares package helpers; a lib\'s package must lie below lib' }],
  },
  {
    name: 'a lib that is lib itself',
    text: templateText({ libs: [['package lib', '', 'f(x) {', '    x == 1', '}']] }),
    fires: [{ needle: 'package lib', reason: 'libs[0] declares package lib;' }],
  },
  {
    name: 'an import of input',
    text: templateText({ rego: withImport('import input.review') }),
    fires: [{ needle: 'import input.review', reason: 'the Rego imports input' }],
  },
  {
    name: 'an import outside data.lib',
    text: templateText({ rego: withImport('import data.kubernetes.namespaces') }),
    fires: [{ needle: 'import data.kubernetes.namespaces', reason: 'the Rego imports data.kubernetes.namespaces, outside data.lib' }],
  },
  { name: 'an entry package unlike the kind is accepted', text: templateText({ rego: ['package anything.else', ...ENTRY.slice(1)] }), fires: [] },
  { name: 'metadata.name matches the kind ignoring case', text: templateText({ name: 'K8sPrivTest' }), fires: [] },
  {
    name: 'libs below lib and imports of data.lib and future keywords are accepted',
    text: templateText({ rego: withImport('import future.keywords.in'), libs: [['package lib.helpers', '', 'f(x) {', '    x == 1', '}']] }),
    fires: [],
  },
];

describe('templates Gatekeeper refuses', () => {
  test.each(cases)('$name', ({ text, fires, kindless }) => {
    const result = auditFiles({ 'template.yaml': `${text}---\n${constraint({ kind: 'K8sPrivTest' })}` });
    const unanalyzable = result.findings.filter((f) => f.ruleId === 'policy-unanalyzable');
    expect(located(unanalyzable)).toEqual(fires.map((f) => ({ ruleId: 'policy-unanalyzable', file: 'template.yaml', ...lineCol(text, f.needle) })));
    fires.forEach((f, i) => expect(unanalyzable[i]!.message).toContain(`Gatekeeper refuses this ConstraintTemplate: ${f.reason}`));
    // Refused, the template provides no coverage, and its constraint has no CRD to enforce.
    expect(result.coverage.privileged.containers.length > 0).toBe(fires.length === 0);
    // A template without a kind defines none: its constraint's kind is simply undefined.
    const link = result.findings.find((f) => f.ruleId === 'constraint-without-template');
    expect(link?.message.includes('is refused')).toBe(fires.length === 0 ? undefined : !kindless);
  });
});
