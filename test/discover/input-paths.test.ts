/** Inputs that are not plain files, inputs without end, links out of the tree, hostile shapes. */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { main } from '../../src/cli';
import { runCli, type Run } from '../ci-fixtures';
import { auditFiles, located, PRIVILEGED_POLICY, tempDir } from '../helpers';

const POLICY = PRIVILEGED_POLICY;

/** The CLI with stdin read from `stdin` (a path: /dev/zero). */
function run(args: string[], stdin: string): Run {
  const out: string[] = [];
  const code = main(args, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true }, stdin });
  return { code, out: out.join(''), err: '' };
}

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

describe('explicit paths that are not regular files', () => {
  (hasMkfifo ? it : it.skip)('a FIFO named as a path is read (as `polcov scan <(helm template …)` passes one)', async () => {
    const dir = tempDir({ 'policy.yaml': POLICY });
    const fifo = path.join(dir, 'stream');
    spawnSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat "${path.join(dir, 'policy.yaml')}" > "${fifo}"`]);
    const r = audit({ paths: [fifo] });
    await new Promise((resolve) => writer.on('close', resolve));
    expect(r.errors).toEqual([]);
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([{ ruleId: 'ephemeral-containers-unchecked', file: 'stream', line: 16, column: 13 }]);
  });

  (hasMkfifo ? it : it.skip)('a FIFO met inside a folder is reported, never read (it could block)', () => {
    const dir = tempDir({ 'policy.yaml': POLICY });
    spawnSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    const r = audit({ paths: [dir] });
    expect(r.errors).toEqual([expect.objectContaining({ file: expect.stringMatching(/pipe\.yaml$/), severity: 'warning', message: expect.stringMatching(/not a regular file/) })]);
    expect(r.policies).toHaveLength(1);
  });

  it('an endless device named as a path is cut at the size limit: one error', () => {
    const r = audit({ paths: ['/dev/zero'], maxFileBytes: 4096 });
    expect(r.errors).toEqual([expect.objectContaining({ file: '/dev/zero', severity: 'error', message: expect.stringMatching(/over the 4096-byte limit/) })]);
  });

  it('a path that cannot be read is an error, never silence', () => {
    const r = audit({ paths: ['/proc/self/nonexistent-polcov'] });
    expect(r.errors).toEqual([expect.objectContaining({ severity: 'error', message: 'cannot read: no such file or directory' })]);
  });
});

describe('limits enforced while reading', () => {
  it('stdin from /dev/zero stops at the limit: one error, and the report is written', () => {
    const r = run(['scan', '-', '--max-file-size', '4096', '--format', 'json'], '/dev/zero');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).errors).toEqual([expect.objectContaining({ file: '<stdin>', message: expect.stringMatching(/over the 4096-byte limit/) })]);
  });

  it('--config /dev/zero is a clean usage error', () => {
    const r = runCli(['scan', tempDir({ 'p.yaml': POLICY }), '--config', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('polcov: /dev/zero: over the 1048576-byte limit for a configuration file\n');
  });
});

describe('symbolic links', () => {
  it('a link that leads outside the scanned folder is reported once and not followed; --follow-symlinks follows it', () => {
    const outside = tempDir({ 'secret/policy.yaml': POLICY.replace('no-privileged', 'outside') });
    const dir = tempDir({ 'policy.yaml': POLICY });
    fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'linked'));
    fs.symlinkSync(path.join(outside, 'secret', 'policy.yaml'), path.join(dir, 'linked-file.yaml'));
    const r = audit({ paths: [dir] });
    expect(r.policies.map((p) => p.policy.name)).toEqual(['no-privileged']);
    expect(r.errors.map((e) => [path.basename(e.file), e.severity])).toEqual([['linked', 'warning'], ['linked-file.yaml', 'warning']]);
    expect(r.errors[0]!.message).toMatch(/outside the scanned paths: not followed \(--follow-symlinks follows it\)/);
    const followed = audit({ paths: [dir], followSymlinks: true });
    expect(followed.policies.map((p) => p.policy.name).sort()).toEqual(['no-privileged', 'outside']);
    expect(followed.errors).toEqual([]);
    const cli = runCli(['scan', dir, '--follow-symlinks', '--format', 'json']);
    expect(JSON.parse(cli.out).summary.policies).toBe(2);
  });

  it('a link named explicitly is followed (the user asked for it)', () => {
    const outside = tempDir({ 'policy.yaml': POLICY });
    const dir = tempDir({});
    fs.symlinkSync(path.join(outside, 'policy.yaml'), path.join(dir, 'p.yaml'));
    expect(audit({ paths: [path.join(dir, 'p.yaml')] }).policies).toHaveLength(1);
  });
});

describe('shapes that used to abort the whole scan', () => {
  it('a kind: List of 10,001 aliases is one error for that file; the other files still report', () => {
    const item = '{apiVersion: kyverno.io/v1, kind: ClusterPolicy, metadata: {name: p}, spec: {rules: []}}';
    const r = auditFiles({ 'list.yaml': `apiVersion: v1\nkind: List\nitems:\n- &p ${item}\n${'- *p\n'.repeat(10000)}`, 'good.yaml': POLICY });
    expect(r.errors).toEqual([expect.objectContaining({ file: expect.stringMatching(/list\.yaml$/), line: 2, message: expect.stringMatching(/alias/) })]);
    expect(located(r.findings, 'ephemeral-containers-unchecked')).toEqual([{ ruleId: 'ephemeral-containers-unchecked', file: 'good.yaml', line: 16, column: 13 }]);
  });

  it('YAML that mentions polcov-ignore and nests 2,000 deep is read; the report is written', () => {
    const deep = `${'['.repeat(2000)}1${']'.repeat(2000)}`;
    const text = POLICY.replace('  name: no-privileged', `  name: no-privileged # polcov-ignore ephemeral-containers-unchecked: fixture\nx: ${deep}`);
    const r = auditFiles({ 'deep.yaml': text });
    // Either the parser follows the nesting (then the comment suppresses) or the file is one
    // policy-unanalyzable finding: never a crash, never two problems.
    const unanalyzable = located(r.findings, 'policy-unanalyzable');
    expect(unanalyzable.length + r.suppressed.length).toBe(1);
    if (r.suppressed.length) expect(r.suppressed[0]!.ruleId).toBe('ephemeral-containers-unchecked');
    expect(r.errors.filter((e) => e.severity === 'error')).toEqual([]);
  });

  it('a first path whose name is too long is one error; the other paths are scanned and the report written', () => {
    const dir = tempDir({ 'p.yaml': POLICY });
    const r = runCli(['scan', path.join(dir, `${'a'.repeat(300)}.yaml`), dir, '--format', 'json']);
    const doc = JSON.parse(r.out);
    expect(r.code).toBe(2);
    expect(doc.errors).toEqual([expect.objectContaining({ message: 'cannot read: name too long' })]);
    expect(doc.summary.policies).toBe(1);
  });
});
