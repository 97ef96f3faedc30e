/**
 * ConstraintTemplates with both K8sNativeValidation (CEL) and Rego code (DOMAIN.md §6): Gatekeeper
 * runs one of them — the CEL half from v3.17, where the flag is on by default, the Rego half before.
 * Both halves are analysed; a gap in either is reported, naming its engine and the releases that run
 * it; only the half the target release runs counts as coverage (--gatekeeper-version).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit, UsageError } from '../../../src/audit';
import { runCli } from '../../ci-fixtures';
import { auditFiles, located, tempDir } from '../../helpers';
import { celTemplate, constraint, lineCol } from './helpers';

const CEL_GUARDED = 'request.operation == "UPDATE" || object.spec.containers.all(c, !has(c.securityContext) || c.securityContext.privileged != true)';
const CEL_ALL_LISTS =
  '(object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []) + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])).all(c, !has(c.securityContext) || c.securityContext.privileged != true)';

const REGO_ALL_LISTS = ['package dualpriv', '', 'violation[{"msg": "privileged"}] {', '    c := input.review.object.spec[_][_]', '    c.securityContext.privileged', '}'];
const REGO_GUARDED = [
  'package dualpriv',
  '',
  'violation[{"msg": "privileged"}] {',
  '    not input.review.operation == "UPDATE"',
  '    c := input.review.object.spec[_][_]',
  '    c.securityContext.privileged',
  '}',
];
const REGO_UNDEFINED_CALL = ['package dualpriv', '', 'violation[{"msg": "privileged"}] {', '    c := input.review.object.spec[_][_]', '    no_such_helper(c)', '}'];

/** A dual-engine template (CEL first, as in gatekeeper-library) and a constraint matching Pods. */
function dual(cel: string, rego: string[]): string {
  return [celTemplate([`              - expression: '${cel}'`], { name: 'dualpriv', kind: 'DualPriv', rego }), constraint({ kind: 'DualPriv', name: 'dual-priv' })].join('---\n');
}

interface Case {
  name: string;
  cel: string;
  rego: string[];
  version?: string;
  /** Expected findings of ephemeral-update-skipped and ephemeral-containers-unchecked, by needle in the file. */
  fires: { ruleId: string; needle: string; engine: 'K8sNativeValidation (CEL)' | 'Rego'; counted: boolean }[];
  /** Whether ephemeral containers count as covered for `privileged`. */
  ephemeralCovered: boolean;
}

const RULE_IDS = ['ephemeral-update-skipped', 'ephemeral-containers-unchecked', 'init-containers-unchecked', 'policy-unanalyzable'];

const cases: Case[] = [
  {
    name: 'CEL guard skips UPDATE, Rego clean: the running CEL half is the gap (default target)',
    cel: CEL_GUARDED,
    rego: REGO_ALL_LISTS,
    fires: [
      { ruleId: 'ephemeral-update-skipped', needle: 'request.operation == "UPDATE"', engine: 'K8sNativeValidation (CEL)', counted: true },
      // The CEL reads containers only: its own list gaps, not hidden by the Rego half that reads every list.
      { ruleId: 'ephemeral-containers-unchecked', needle: 'object.spec.containers', engine: 'K8sNativeValidation (CEL)', counted: true },
      { ruleId: 'init-containers-unchecked', needle: 'object.spec.containers', engine: 'K8sNativeValidation (CEL)', counted: true },
    ],
    ephemeralCovered: false,
  },
  {
    name: 'the same on Gatekeeper 3.16: the Rego half counts, the CEL gap is still reported',
    cel: CEL_GUARDED,
    rego: REGO_ALL_LISTS,
    version: '3.16',
    fires: [
      { ruleId: 'ephemeral-update-skipped', needle: 'request.operation == "UPDATE"', engine: 'K8sNativeValidation (CEL)', counted: false },
      { ruleId: 'ephemeral-containers-unchecked', needle: 'object.spec.containers', engine: 'K8sNativeValidation (CEL)', counted: false },
      { ruleId: 'init-containers-unchecked', needle: 'object.spec.containers', engine: 'K8sNativeValidation (CEL)', counted: false },
    ],
    ephemeralCovered: true,
  },
  {
    name: 'Rego guard skips UPDATE, CEL checks every list: covered on 3.17+, the Rego gap reported',
    cel: CEL_ALL_LISTS,
    rego: REGO_GUARDED,
    version: 'v3.17.0',
    fires: [{ ruleId: 'ephemeral-update-skipped', needle: 'not input.review.operation == "UPDATE"', engine: 'Rego', counted: false }],
    ephemeralCovered: true,
  },
  {
    name: 'Rego guard on Gatekeeper 3.16: the running half skips UPDATE',
    cel: CEL_ALL_LISTS,
    rego: REGO_GUARDED,
    version: '3.16',
    fires: [{ ruleId: 'ephemeral-update-skipped', needle: 'not input.review.operation == "UPDATE"', engine: 'Rego', counted: true }],
    ephemeralCovered: false,
  },
  {
    name: 'both halves clean: nothing, on either release',
    cel: CEL_ALL_LISTS,
    rego: REGO_ALL_LISTS,
    fires: [],
    ephemeralCovered: true,
  },
  {
    name: 'a Rego half OPA refuses concerns that half only: reported, the CEL half still counts',
    cel: CEL_ALL_LISTS,
    rego: REGO_UNDEFINED_CALL,
    fires: [{ ruleId: 'policy-unanalyzable', needle: 'no_such_helper(c)', engine: 'Rego', counted: false }],
    ephemeralCovered: true,
  },
];

describe('dual-engine ConstraintTemplates', () => {
  test.each(cases)('$name', ({ cel, rego, version, fires, ephemeralCovered }) => {
    const text = dual(cel, rego);
    const result = auditFiles({ 'dual.yaml': text }, version ? { gatekeeperVersion: version } : {});
    const got = located(result.findings).filter((f) => RULE_IDS.includes(f.ruleId));
    const expected = fires.map((f) => ({ ruleId: f.ruleId, file: 'dual.yaml', ...lineCol(text, f.needle) }));
    const order = (a: { line: number; column: number; ruleId: string }, b: typeof a) => a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : 1);
    expect(got.sort(order)).toEqual(expected.sort(order));
    for (const f of fires) {
      const finding = result.findings.find((x) => x.ruleId === f.ruleId && x.line === lineCol(text, f.needle).line)!;
      // The message names the half and the releases that run it; a half the target does not run is not coverage.
      expect(finding.message).toContain(`in its ${f.engine} code, which runs on Gatekeeper`);
      expect(finding.message.includes('not counted as coverage')).toBe(!f.counted);
      if (f.ruleId !== 'policy-unanalyzable') expect(finding.hint).toMatch(/then fix the template's .* code too/);
    }
    expect(result.coverage.privileged.ephemeralContainers.length > 0).toBe(ephemeralCovered);
  });

  test('the report says which Gatekeeper it targets', () => {
    const dir = tempDir({ 'dual.yaml': dual(CEL_GUARDED, REGO_ALL_LISTS) });
    expect(audit({ paths: [dir] }).summary.gatekeeper).toEqual({ version: '3.22', assumed: true, templatesAssumedEnforced: 0 });
    expect(audit({ paths: [dir], gatekeeperVersion: '3.16' }).summary.gatekeeper).toEqual({ version: '3.16', assumed: false, templatesAssumedEnforced: 0 });
  });

  test.each(['1.30', '3', 'banana', '3.x'])('--gatekeeper-version %s is a usage error (exit 2)', (v) => {
    const dir = tempDir({ 'dual.yaml': dual(CEL_GUARDED, REGO_ALL_LISTS) });
    expect(() => audit({ paths: [dir], gatekeeperVersion: v })).toThrow(UsageError);
    const run = runCli(['scan', dir, '--gatekeeper-version', v]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`invalid Gatekeeper version "${v}"`);
  });
});

const CORPUS = path.join(__dirname, '../../../../shared/corpus/gatekeeper-library/library/pod-security-policy/privileged-containers');
const corpusTest = fs.existsSync(CORPUS) ? test : test.skip;
if (!fs.existsSync(CORPUS)) console.warn(`skipping the gatekeeper-library check: ${CORPUS} is absent`);

describe('gatekeeper-library pod-security-policy/privileged-containers', () => {
  corpusTest('by default the gap that runs is the CEL guard variables.isUpdate; the Rego `not is_update` is reported as the older releases’', () => {
    const file = path.join(CORPUS, 'template.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const result = audit({ paths: [CORPUS] });
    const skipped = result.findings.filter((f) => f.ruleId === 'ephemeral-update-skipped');
    expect(skipped.map((f) => ({ file: f.file, line: f.line, column: f.column }))).toEqual([
      { file, ...lineCol(text, 'has(request.operation) && request.operation == "UPDATE"') },
      { file, ...lineCol(text, 'not is_update(input.review)') },
    ]);
    expect(skipped[0]!.message).toContain('K8sNativeValidation (CEL) code, which runs on Gatekeeper v3.17 and later');
    expect(skipped[0]!.message).not.toContain('not counted as coverage');
    expect(skipped[1]!.message).toContain('Rego code, which runs on Gatekeeper before v3.17');
    expect(skipped[1]!.message).toContain('not counted as coverage');
  });
});

/** A CEL-only template with one validation. */
function celOnly(validation: string): string {
  return celTemplate([`              - expression: '${validation}'`], { name: 'celports', kind: 'CelPorts' });
}

describe('has() in a CEL filter predicate demands nothing', () => {
  const ALL = '(object.spec.containers + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : []))';
  test.each([
    // The filter picks the bad containers: those with host ports. Having ports is no requirement.
    { name: 'filter of the bad ones, checked empty', validation: `size(${ALL}.filter(c, has(c.ports) && c.ports.exists(p, has(p.hostPort)))) == 0`, fires: false },
    // Every container must declare ports: a requirement ephemeral containers cannot meet.
    { name: 'all(c, has(c.ports))', validation: `${ALL}.all(c, has(c.ports))`, fires: true },
  ])('$name: ephemeral-field-not-settable fires: $fires', ({ validation, fires }) => {
    const text = celOnly(validation);
    const found = located(auditFiles({ 'cel.yaml': text }).findings, 'ephemeral-field-not-settable');
    expect(found).toEqual(fires ? [{ ruleId: 'ephemeral-field-not-settable', file: 'cel.yaml', ...lineCol(text, 'c.ports)') }] : []);
  });
});
