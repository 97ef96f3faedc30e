/**
 * Verbatim copies of one template file (gatekeeper-library's per-version copies, vendored
 * libraries) share one analysis: each copy's facts must still name its own file, at the same lines
 * and columns, and be judged under the parameters of its own folder's constraints.
 */
import * as path from 'node:path';
import * as templateModule from '../../../src/engines/gatekeeper/template';
import { relocated } from '../../../src/engines/gatekeeper/relocated';
import type { PolicyFacts } from '../../../src/facts';
import { auditFiles, located } from '../../helpers';
import { constraint, lineCol, MATCH_POD, template } from './helpers';

/** Host network and privileged containers, each switched off by a parameter. */
const TEMPLATE = template(
  [
    'package hostnet',
    '',
    'violation[{"msg": "the host network is not allowed"}] {',
    '    not input.parameters.hostNetwork',
    '    input.review.object.spec.hostNetwork',
    '}',
    '',
    'violation[{"msg": "privileged"}] {',
    '    not input.parameters.privileged',
    '    c := input.review.object.spec.containers[_]',
    '    c.securityContext.privileged',
    '}',
  ].join('\n'),
  { kind: 'HostNet' },
);

const constraintWith = (parameters: string[]): string =>
  constraint({ kind: 'HostNet', name: 'hostnet', spec: [MATCH_POD, ...(parameters.length ? ['  parameters:', ...parameters.map((l) => `    ${l}`)] : [])].join('\n') });

/** A policy's facts with the scan folder and its top folder taken out of file names: comparable across folders. */
function portable(p: PolicyFacts, dir: string): unknown {
  const top = path.join(dir, path.relative(dir, p.at.file).split(path.sep)[0]!);
  return JSON.parse(JSON.stringify(p).split(top + path.sep).join(''));
}

const byFolder = (policies: PolicyFacts[], dir: string, folder: string): PolicyFacts[] => policies.filter((p) => path.relative(dir, p.at.file).startsWith(`${folder}/`));

describe('copies of a template file', () => {
  it('with no constraint: each copy is judged in its own file, at the same places as the original', () => {
    const r = auditFiles({ 'a/template.yaml': TEMPLATE, 'b/template.yaml': TEMPLATE, 'c/template.yaml': TEMPLATE });
    const gaps = located(r.findings, 'ephemeral-containers-unchecked');
    expect(gaps.length).toBeGreaterThan(0);
    const files = [...new Set(r.findings.map((f) => path.relative(r.dir, f.file)))].sort();
    expect(files).toEqual(['a/template.yaml', 'b/template.yaml', 'c/template.yaml']);
    const places = (folder: string) => r.findings.filter((f) => path.relative(r.dir, f.file) === `${folder}/template.yaml`).map((f) => [f.ruleId, f.line, f.column, f.message]);
    expect(places('b')).toEqual(places('a'));
    expect(places('c')).toEqual(places('a'));
    const [a, b] = ['a', 'b'].map((folder) => byFolder(r.policies, r.dir, folder));
    expect(b.map((p) => portable(p, r.dir))).toEqual(a.map((p) => portable(p, r.dir)));
    expect(JSON.stringify(b)).not.toContain(`${path.sep}a${path.sep}`);
  });

  it('are analysed once per parameters, not once per copy', () => {
    const spy = jest.spyOn(templateModule, 'analyzeTemplate');
    try {
      auditFiles({ 'a/template.yaml': TEMPLATE, 'b/template.yaml': TEMPLATE, 'c/template.yaml': TEMPLATE });
      // Checked as Gatekeeper checks it, then analysed under the default parameters: twice in all.
      expect(spy.mock.calls.map((c) => c[2] ?? 'analyse')).toEqual(['check-only', 'analyse']);
    } finally {
      spy.mockRestore();
    }
  });

  it.each([
    { a: ['hostNetwork: true'], b: [], hostNetworkIn: ['b'] },
    { a: [], b: ['hostNetwork: true'], hostNetworkIn: ['a'] },
    { a: ['hostNetwork: true'], b: ['hostNetwork: true'], hostNetworkIn: [] },
    { a: ['privileged: true'], b: ['hostNetwork: true'], hostNetworkIn: ['a'] },
  ])('under constraints a: $a, b: $b, the host network is checked in $hostNetworkIn', ({ a, b, hostNetworkIn }) => {
    const r = auditFiles({
      'a/samples/c.yaml': constraintWith(a),
      'a/template.yaml': TEMPLATE,
      'b/samples/c.yaml': constraintWith(b),
      'b/template.yaml': TEMPLATE,
    });
    const checked = r.coverage.hostNamespaces.pod.map((e) => path.relative(r.dir, e.at.file).split('/')[0]).sort();
    expect(checked).toEqual(hostNetworkIn);
    // Each copy's analysis is alone-equivalent: the same facts as its folder scanned on its own.
    for (const folder of ['a', 'b']) {
      const alone = auditFiles({ [`${folder}/samples/c.yaml`]: constraintWith(folder === 'a' ? a : b), [`${folder}/template.yaml`]: TEMPLATE });
      expect(byFolder(r.policies, r.dir, folder).map((p) => portable(p, r.dir))).toEqual(alone.policies.map((p) => portable(p, alone.dir)));
    }
  });

  it('a copy with one line more is analysed on its own: its places move with the text', () => {
    const shifted = `# a comment line\n${TEMPLATE}`;
    const r = auditFiles({ 'a/template.yaml': TEMPLATE, 'b/template.yaml': shifted });
    const line = (folder: string) => r.findings.filter((f) => path.relative(r.dir, f.file) === `${folder}/template.yaml`).map((f) => f.line);
    expect(line('b').length).toBeGreaterThan(0);
    expect(line('b')).toEqual(line('a').map((l) => l + 1));
    expect(lineCol(shifted, 'violation').line).toBe(lineCol(TEMPLATE, 'violation').line + 1);
  });
});

describe('relocated', () => {
  const ref = (file: string) => ({ file, line: 3, column: 5 });
  it.each([
    ['a place', ref('a.yaml'), ref('b.yaml')],
    ['places in arrays and objects', { checks: [{ at: ref('a.yaml') }], at: ref('a.yaml') }, { checks: [{ at: ref('b.yaml') }], at: ref('b.yaml') }],
    ['another file is left alone', { at: ref('x.yaml'), also: ref('a.yaml') }, { at: ref('x.yaml'), also: ref('b.yaml') }],
    ['a set of strings', new Set(['exemptImages']), new Set(['exemptImages'])],
    ['a field named otherwise keeps the name', { name: 'a.yaml', file: 'a.yaml' }, { name: 'a.yaml', file: 'b.yaml' }],
    ['undefined fields are kept', { at: ref('a.yaml'), updateSkipped: undefined }, { at: ref('b.yaml'), updateSkipped: undefined }],
  ])('%s', (_name, value, expected) => {
    const out = relocated(value, 'a.yaml', 'b.yaml');
    expect(out).toEqual(expected);
    expect(Object.keys(out as object)).toEqual(Object.keys(expected as object));
  });

  it('copies: the original is unchanged', () => {
    const original = { at: ref('a.yaml'), checks: [ref('a.yaml')] };
    relocated(original, 'a.yaml', 'b.yaml');
    expect(original).toEqual({ at: ref('a.yaml'), checks: [ref('a.yaml')] });
  });
});
