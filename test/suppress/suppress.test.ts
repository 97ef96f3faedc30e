/** `# polcov-ignore <rule-id>: <reason>` silences exactly the named rules in exactly its document. */
import * as path from 'node:path';
import type { Finding } from '../../src/facts';
import { applySuppressions, documentRanges } from '../../src/suppress';
import { RULES } from '../../src/rules';
import { ALL_LISTS, HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { auditFiles, tempDir } from '../helpers';

const KNOWN = new Set(RULES.map((r) => r.meta.id));
/** A gap policy with a comment after its `metadata:` line. */
const withComment = (name: string, comment: string, lists = NO_EPHEMERAL): string =>
  privilegedPolicy(name, lists).replace('metadata:\n', `metadata:\n  ${comment}\n`);

describe('inline suppressions', () => {
  it('silence the named rule in that document only, and are counted', () => {
    const file = `${withComment('a', '# polcov-ignore ephemeral-containers-unchecked: debug is disabled on these nodes')}---\n${privilegedPolicy('b', NO_EPHEMERAL)}`;
    const r = auditFiles({ 'two.yaml': file, 'hp.yaml': HOST_PROCESS });
    expect(r.findings.map((f) => f.policy.name)).toEqual(['b']);
    expect(r.suppressed).toEqual([
      expect.objectContaining({ ruleId: 'ephemeral-containers-unchecked', policy: { kind: 'ClusterPolicy', name: 'a' }, suppression: { reason: 'debug is disabled on these nodes', line: 4 } }),
    ]);
    expect(r.summary).toMatchObject({ suppressed: 1, findings: { error: 1, warning: 0, note: 0 } });
  });

  it('leave other rules in the same document alone; several ids may be listed', () => {
    const only = auditFiles({ 'p.yaml': withComment('a', '# polcov-ignore init-containers-unchecked: init runs our own image', ['containers']), 'hp.yaml': HOST_PROCESS });
    expect(only.findings.map((f) => f.ruleId)).toEqual(['ephemeral-containers-unchecked']);
    expect(only.suppressed.map((f) => f.ruleId)).toEqual(['init-containers-unchecked']);
    const both = auditFiles({
      'p.yaml': withComment('a', '# polcov-ignore init-containers-unchecked, ephemeral-containers-unchecked: accepted risk, TICKET-12', ['containers']),
      'hp.yaml': HOST_PROCESS,
    });
    expect(both.findings).toEqual([]);
    expect(both.suppressed.map((f) => f.suppression.reason)).toEqual(['accepted risk, TICKET-12', 'accepted risk, TICKET-12']);
  });

  it('without a reason suppress nothing and are reported as a warning', () => {
    const r = auditFiles({ 'p.yaml': withComment('a', '# polcov-ignore ephemeral-containers-unchecked'), 'hp.yaml': HOST_PROCESS });
    expect(r.findings.map((f) => f.ruleId)).toEqual(['ephemeral-containers-unchecked']);
    expect(r.suppressed).toEqual([]);
    expect(r.errors).toEqual([
      {
        file: path.join(r.dir, 'p.yaml'),
        line: 4,
        column: 3,
        severity: 'warning',
        message: 'polcov-ignore needs a reason: write "# polcov-ignore ephemeral-containers-unchecked: <why this is safe>"; nothing is suppressed',
      },
    ]);
    expect(r.summary.errors).toBe(0);
  });

  it('warn about rule ids polcov does not have', () => {
    const r = auditFiles({ 'p.yaml': withComment('a', '# polcov-ignore ephemeral-containers-uncheked: typo'), 'hp.yaml': HOST_PROCESS });
    expect(r.findings).toHaveLength(1);
    expect(r.errors.map((e) => e.message)).toEqual(['polcov-ignore names no polcov rule: ephemeral-containers-uncheked']);
  });

  it('are counted in every format', () => {
    const dir = tempDir({ 'p.yaml': withComment('a', '# polcov-ignore ephemeral-containers-unchecked: <b>nodes</b> & co'), 'hp.yaml': HOST_PROCESS });
    const out = (f: string): string => runCli(['scan', dir, '-f', f]).out;
    expect(out('text').trim().split('\n').pop()).toBe('No findings (0 errors, 0 warnings, 0 notes) in 2 policies from 2 files; 1 suppressed.');
    const json = JSON.parse(out('json'));
    expect(json.summary.suppressed).toBe(1);
    expect(Object.keys(json).slice(-4)).toEqual(['errors', 'skipped', 'suppressed', 'summary']);
    const sarif = JSON.parse(out('sarif')).runs[0];
    expect(sarif.results[0].suppressions).toEqual([{ kind: 'inSource', justification: '<b>nodes</b> & co' }]);
    expect(sarif.properties.summary.suppressed).toBe(1);
    expect(out('junit')).toContain('<system-out>suppressed ephemeral-containers-unchecked at');
    expect(out('junit')).toContain(': &lt;b&gt;nodes&lt;/b&gt; &amp; co</system-out>');
    expect(out('markdown')).toContain('<summary>1 suppressed</summary>');
    expect(out('markdown')).toContain('| &lt;b&gt;nodes&lt;/b&gt; &amp; co |');
    expect(out('github')).toBe('polcov: No findings (0 errors, 0 warnings, 0 notes) in 2 policies from 2 files; 1 suppressed.\n');
  });
});

describe('only real comments suppress', () => {
  const message = (value: string): string => privilegedPolicy('a', NO_EPHEMERAL).replace('message: Privileged mode is not allowed.', `message: ${value}`);

  it.each([
    ['a double-quoted string', '"Privileged # polcov-ignore ephemeral-containers-unchecked: sneaky"'],
    ['a single-quoted string', "'Privileged # polcov-ignore ephemeral-containers-unchecked: sneaky'"],
    ['a block scalar', '|\n          Privileged\n          # polcov-ignore ephemeral-containers-unchecked: sneaky'],
    ['a flow mapping value', '{text: "# polcov-ignore ephemeral-containers-unchecked: sneaky"}'],
  ])('not a marker inside %s', (_what, value) => {
    const r = auditFiles({ 'p.yaml': message(value), 'hp.yaml': HOST_PROCESS });
    expect(r.findings.map((f) => f.ruleId)).toEqual(['ephemeral-containers-unchecked']);
    expect(r.suppressed).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('a comment after a value on the same line still counts', () => {
    const r = auditFiles({ 'p.yaml': message('"Privileged # not this" # polcov-ignore ephemeral-containers-unchecked: debug is off'), 'hp.yaml': HOST_PROCESS });
    expect(r.findings).toEqual([]);
    expect(r.suppressed.map((f) => f.suppression)).toEqual([{ reason: 'debug is off', line: 14 }]);
  });

  it('in Rego, not inside a string or a raw string', () => {
    const finding = { ruleId: 'ephemeral-containers-unchecked', file: 'p.rego', line: 5, column: 1 } as Finding;
    const rego = (body: string): { path: string; text: string } => ({ path: 'p.rego', text: `package p\n${body}\ndeny[msg] { true }\n` });
    const run = (body: string): { kept: number; errors: string[] } => {
      const errors: { message: string }[] = [];
      const r = applySuppressions([finding], [rego(body)], KNOWN, errors as never);
      return { kept: r.findings.length, errors: errors.map((e) => e.message) };
    };
    expect(run('msg := "x # polcov-ignore ephemeral-containers-unchecked: sneaky"\n')).toEqual({ kept: 1, errors: [] });
    expect(run('msg := "a \\" # polcov-ignore ephemeral-containers-unchecked: sneaky"\n')).toEqual({ kept: 1, errors: [] });
    expect(run('msg := `multi\n# polcov-ignore ephemeral-containers-unchecked: sneaky\n`')).toEqual({ kept: 1, errors: [] });
    expect(run('msg := "#" # polcov-ignore ephemeral-containers-unchecked: checked by a webhook\n')).toEqual({ kept: 0, errors: [] });
  });
});

describe('suppressions that match nothing', () => {
  it('are reported with file, line and column, for known rule ids only', () => {
    const clean = withComment('a', '# polcov-ignore ephemeral-containers-unchecked, init-containers-unchecked, no-such-rule: stale', ALL_LISTS);
    const r = auditFiles({ 'p.yaml': clean, 'hp.yaml': HOST_PROCESS });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([
      { file: path.join(r.dir, 'p.yaml'), line: 4, column: 3, severity: 'warning', message: 'polcov-ignore names no polcov rule: no-such-rule' },
      {
        file: path.join(r.dir, 'p.yaml'),
        line: 4,
        column: 3,
        severity: 'warning',
        message: 'polcov-ignore ephemeral-containers-unchecked, init-containers-unchecked matches no finding in this document',
      },
    ]);
    expect(r.summary.errors).toBe(0);
  });

  it('name only the ids without a finding; a finding in another document does not count', () => {
    const file = `${withComment('a', '# polcov-ignore ephemeral-containers-unchecked, init-containers-unchecked: accepted')}---\n${privilegedPolicy('b', ['containers'])}`;
    const r = auditFiles({ 'two.yaml': file, 'hp.yaml': HOST_PROCESS });
    expect(r.suppressed.map((f) => `${f.ruleId} ${f.policy.name}`)).toEqual(['ephemeral-containers-unchecked a']);
    expect(r.errors.map((e) => [e.line, e.message])).toEqual([[4, 'polcov-ignore init-containers-unchecked matches no finding in this document']]);
  });

  it('are not reported for unknown ids alone, or for rules switched off', () => {
    const unknownOnly = auditFiles({ 'p.yaml': withComment('a', '# polcov-ignore no-such-rule: typo', ALL_LISTS), 'hp.yaml': HOST_PROCESS });
    expect(unknownOnly.errors.map((e) => e.message)).toEqual(['polcov-ignore names no polcov rule: no-such-rule']);
    const source = { path: 'p.yaml', text: '# polcov-ignore ephemeral-containers-unchecked: off here\na: 1\n' };
    const errors: unknown[] = [];
    applySuppressions([], [source], KNOWN, errors as never, new Set());
    expect(errors).toEqual([]);
    const off = auditFiles(
      { 'p.yaml': withComment('a', '# polcov-ignore ephemeral-containers-unchecked: checked elsewhere', ALL_LISTS), 'hp.yaml': HOST_PROCESS },
      { ruleLevels: { 'ephemeral-containers-unchecked': 'off' } },
    );
    expect(off.errors).toEqual([]);
  });

  it('show in the text report without failing the run', () => {
    const dir = tempDir({ 'p.yaml': withComment('a', '# polcov-ignore ephemeral-containers-unchecked: stale', ALL_LISTS), 'hp.yaml': HOST_PROCESS });
    const r = runCli(['scan', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('polcov-ignore ephemeral-containers-unchecked matches no finding in this document');
  });
});

describe('document ranges', () => {
  it('split on --- at line start; a comment-only preamble belongs to the next document', () => {
    const lines = ['# polcov-ignore x: y', '---', 'a: 1', '---', 'b: 2', '  --- not a marker', '---', 'c: 3'];
    expect(documentRanges(lines, false).map((r) => [r.first, r.last])).toEqual([
      [1, 3],
      [4, 6],
      [7, 8],
    ]);
    expect(documentRanges(lines, true).map((r) => [r.first, r.last])).toEqual([[1, 8]]);
  });

  it('cover a whole .rego file', () => {
    const rego = { path: 'p.rego', text: 'package p\n# polcov-ignore ephemeral-containers-unchecked: checked by a webhook\n\ndeny[msg] { true }\n' };
    const finding = { ruleId: 'ephemeral-containers-unchecked', file: 'p.rego', line: 4, column: 1 } as Finding;
    const other = { ...finding, ruleId: 'init-containers-unchecked' };
    const r = applySuppressions([finding, other], [rego], KNOWN, []);
    expect(r.suppressed.map((f) => f.ruleId)).toEqual(['ephemeral-containers-unchecked']);
    expect(r.findings).toEqual([other]);
  });
});
