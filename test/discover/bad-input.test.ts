/** Bad input gets a clear error with file and line, and the rest of the scan still reports. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { auditFiles, located, PRIVILEGED_POLICY, tempDir, yaml } from '../helpers';

const GOOD = PRIVILEGED_POLICY.replace('name: no-privileged', 'name: good');

const BOMB = [
  'apiVersion: kyverno.io/v1',
  'kind: ClusterPolicy',
  'metadata:',
  '  name: bomb',
  '  annotations:',
  '    a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
  ...Array.from({ length: 9 }, (_, i) => `    a${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}]`),
  'spec:',
  '  rules: []',
].join('\n');

describe('bad input', () => {
  const cases: { name: string; file: string; content: string | Buffer; line: number; message: RegExp; severity?: string }[] = [
    { name: 'malformed YAML', file: 'broken.yaml', content: 'apiVersion: v1\nkind: ConfigMap\ndata: [a,\n  b: }\nkyverno.io: x\n', line: 4, message: /invalid YAML/ },
    { name: 'YAML alias bomb', file: 'bomb.yaml', content: BOMB.replace('kind: ClusterPolicy', 'kind: ConfigMap'), line: 2, message: /alias/ },
    { name: 'binary file', file: 'blob.yaml', content: Buffer.from([0x6b, 0x79, 0x0a, 0x00, 0x01, 0x02]), line: 2, message: /binary/ },
    { name: 'empty file', file: 'empty.yaml', content: '\n\n', line: 0, message: /empty/, severity: 'warning' },
  ];

  it.each(cases)('$name: one clear error with file and line, and the good policy still reports', ({ file, content, line, message, severity }) => {
    const r = auditFiles({ [file]: content, 'good.yaml': GOOD });
    expect(r.errors).toHaveLength(1);
    expect(path.basename(r.errors[0]!.file)).toBe(file);
    expect(r.errors[0]!.line).toBe(line);
    expect(r.errors[0]!.message).toMatch(message);
    expect(r.errors[0]!.severity).toBe(severity ?? 'error');
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: 'good.yaml', line: 16, column: 13 },
    ]);
  });

  const policyCases = [
    { name: 'malformed YAML', content: 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec: [a,\n  b: }\n', line: 4, message: /invalid YAML/ },
    { name: 'YAML alias bomb', content: BOMB, line: 2, message: /alias/ },
    { name: 'two syntax errors', content: 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec: [a,\n  b: }\n---\nkind: ClusterPolicy\nx: [\n', line: 4, message: /invalid YAML/ },
  ];

  it.each(policyCases)('$name in a policy file: one policy-unanalyzable finding and no input error (one file, one problem)', ({ content, line, message }) => {
    const r = auditFiles({ 'p.yaml': content, 'good.yaml': GOOD });
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 'p.yaml', line, column: expect.any(Number) }]);
    expect(r.findings.find((f) => f.ruleId === 'policy-unanalyzable')!.message).toMatch(message);
  });

  it('a policy file that cannot be parsed is also a policy-unanalyzable finding, never skipped', () => {
    const r = auditFiles({ 'broken.yaml': 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: x\nspec: [a,\n  b: }\n' });
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([
      { ruleId: 'policy-unanalyzable', file: 'broken.yaml', line: 6, column: 6 },
    ]);
    expect(r.findings[0]!.policy).toEqual({ kind: 'ClusterPolicy', name: 'x' });
  });

  it('a deeply nested document is unanalyzable, not a crash', () => {
    const deep = `${GOOD}          extra: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const r = auditFiles({ 'deep.yaml': deep.replace('containers:', `x: ${'{a: '.repeat(300)}1${'}'.repeat(300)}\n              containers:`) });
    expect(r.findings.some((f) => f.ruleId === 'policy-unanalyzable')).toBe(true);
  });

  it('a file over the size limit is an error naming the limit', () => {
    const r = auditFiles({ 'big.yaml': GOOD + '#'.repeat(2000) }, { maxFileBytes: 1000 });
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/over the 1000-byte limit/)]);
  });

  it('a path that does not exist is an error and other paths are still scanned', () => {
    const ok = auditFiles({ 'good.yaml': GOOD });
    const r = audit({ paths: [path.join(ok.dir, 'missing.yaml'), ok.dir] });
    expect(r.errors).toEqual([expect.objectContaining({ message: 'cannot read: no such file or directory', line: 0 })]);
    expect(r.findings.length).toBeGreaterThan(0);
  });
});

describe('discovery', () => {
  it('reads multi-document files and kind: List, and skips files without policy markers', () => {
    const list = yaml`
      apiVersion: v1
      kind: List
      items:
        - apiVersion: policy/v1beta1
          kind: PodSecurityPolicy
          metadata:
            name: in-list
          spec:
            privileged: false
    `;
    const r = auditFiles({
      'multi.yaml': `${GOOD}---\n${GOOD.replace('name: good', 'name: second')}`,
      'list.yaml': list,
      'deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n',
      'notes.txt': 'kind: ClusterPolicy',
    });
    expect(r.policies.map((p) => `${p.policy.kind}/${p.policy.name}`)).toEqual([
      'PodSecurityPolicy/in-list',
      'ClusterPolicy/good',
      'ClusterPolicy/second',
    ]);
    expect(r.summary.files).toBe(3);
    expect(r.summary.policyFiles).toBe(2);
    const second = r.findings.find((f) => f.policy.name === 'second' && f.ruleId === 'ephemeral-containers-unchecked');
    expect(second?.line).toBe(16 + GOOD.split('\n').length);
  });

  it('reads a manifest stream from stdin as <stdin>', () => {
    const r = audit({ paths: ['-'], stdin: GOOD });
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([
      { ruleId: 'ephemeral-containers-unchecked', file: '<stdin>', line: 16, column: 13 },
    ]);
  });

  it('reports paths relative to the working directory with forward slashes', () => {
    const r = audit({ paths: ['test/fixtures/discover'] });
    expect(r.policies.map((p) => p.at.file)).toEqual(['test/fixtures/discover/nested/policy.yml']);
  });
});

describe('walking the file system', () => {
  it('reads a folder behind a symlink loop once, and terminates', () => {
    const dir = tempDir({ 'a/good.yaml': GOOD });
    fs.symlinkSync('..', path.join(dir, 'a', 'up'));
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'a', 'again'));
    const r = audit({ paths: [dir] });
    expect(r.errors).toEqual([]);
    expect(r.policies.map((p) => path.relative(dir, p.at.file))).toEqual([path.join('a', 'good.yaml')]);
  });

  it('reads a file named twice once', () => {
    const dir = tempDir({ 'good.yaml': GOOD });
    const file = path.join(dir, 'good.yaml');
    expect(audit({ paths: [file, file, dir] }).summary.files).toBe(1);
  });

  it('a duplicated key is invalid YAML, not a silent first-value-wins', () => {
    const twice = GOOD.replace('validationFailureAction: Enforce', 'validationFailureAction: Enforce\n  validationFailureAction: Audit');
    const r = auditFiles({ 'dup.yaml': twice });
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 'dup.yaml', line: 7, column: 3 }]);
    expect(r.findings.find((f) => f.ruleId === 'policy-unanalyzable')!.message).toMatch(/invalid YAML: Map keys must be unique/);
  });

  it.each([
    { name: 'in a list item', edit: ['kinds: [Pod]', 'kinds: [Pod]\n              kinds: [Deployment]'], line: 13, column: 15 },
    { name: 'in a flow mapping', edit: ['name: good', 'name: good\n  labels: {a: "1", b: "2", a: "3"}'], line: 5, column: 28 },
    { name: 'the first of two, in document order', edit: ['name: good', 'name: good\n  name: again\n  labels: {a: "1", a: "2"}'], line: 5, column: 3 },
    { name: 'only the second occurrence is the error', edit: ['- =(securityContext):', '- =(securityContext): {}\n                =(securityContext):'], line: 18, column: 17 },
  ])('a duplicated key $name is found at its second occurrence', ({ edit, line, column }) => {
    const text = GOOD.replace(edit[0]!, edit[1]!);
    expect(text).not.toBe(GOOD);
    const r = auditFiles({ 'dup.yaml': text });
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([{ ruleId: 'policy-unanalyzable', file: 'dup.yaml', line, column }]);
  });

  it.each([
    ['one key in two sibling mappings', ['name: good', 'name: good\n  labels: {a: "1"}\n  annotations: {a: "1"}']],
    ['a key and a value alike', ['name: good', 'name: good\n  labels: {name: name}']],
  ])('no duplicate: %s', (_name, edit) => {
    const r = auditFiles({ 'ok.yaml': GOOD.replace(edit[0]!, edit[1]!) });
    expect(located(r.findings, 'policy-unanalyzable')).toEqual([]);
    expect(r.policies).toHaveLength(1);
  });

  it('empty standard input is an error (the command feeding it probably failed)', () => {
    const r = audit({ paths: ['-'], stdin: '' });
    expect(r.errors).toEqual([expect.objectContaining({ file: '<stdin>', severity: 'error', message: 'standard input is empty' })]);
  });

  it('shows paths under a folder whose name starts with .. relative to the working directory', () => {
    const dir = tempDir({ '..odd/good.yaml': GOOD });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(audit({ paths: ['..odd'] }).policies[0]!.at.file).toBe('..odd/good.yaml');
    } finally {
      process.chdir(cwd);
    }
  });
});
