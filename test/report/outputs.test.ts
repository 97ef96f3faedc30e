/** --format may repeat, --output FORMAT=FILE routes one of them, and progress stays on a terminal's stderr. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planOutputs } from '../../src/outputs';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'github'];

describe('--format and --output', () => {
  it('writes SARIF to the named file and text to stdout', () => {
    const dir = tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });
    const sarif = path.join(dir, 'polcov.sarif');
    const r = runCli(['scan', dir, '--format', 'sarif', '--output', `sarif=${sarif}`, '--format', 'text']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/gap\.yaml:17:13 {2}error {4}ephemeral-containers-unchecked/);
    expect(JSON.parse(fs.readFileSync(sarif, 'utf8')).runs[0].results).toHaveLength(1);
  });

  it('still takes a plain --output FILE with a single format', () => {
    const dir = tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL) });
    const file = path.join(dir, 'report.xml');
    expect(runCli(['scan', dir, '-f', 'junit', '-o', file]).out).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^<\?xml/);
  });

  it('plans targets and refuses ambiguous ones', () => {
    expect(planOutputs([], [], FORMATS)).toEqual([{ format: 'text' }]);
    expect(planOutputs(['json', 'json'], ['out.json'], FORMATS)).toEqual([{ format: 'json', file: 'out.json' }]);
    expect(planOutputs(['text', 'sarif', 'junit'], ['sarif=a.sarif', 'junit=b.xml'], FORMATS)).toEqual([
      { format: 'text' },
      { format: 'sarif', file: 'a.sarif' },
      { format: 'junit', file: 'b.xml' },
    ]);
    expect(() => planOutputs(['text', 'json'], [], FORMATS)).toThrow('only one format can go to stdout, not text and json');
    expect(() => planOutputs(['text', 'json'], ['out.json'], FORMATS)).toThrow('name the format: --output FORMAT=FILE');
    expect(() => planOutputs(['text'], ['sarif=x.sarif'], FORMATS)).toThrow('sarif is not among the --format values');
    expect(() => planOutputs(['json', 'text'], ['json=a', 'json=b'], FORMATS)).toThrow('json is given two files');
    expect(() => planOutputs(['json', 'sarif'], ['json=same.out', 'sarif=same.out'], FORMATS)).toThrow(
      '--output: same.out is given to both json and sarif: give each format its own file',
    );
    expect(() => planOutputs(['json', 'sarif'], ['json=same.out', 'sarif=./same.out'], FORMATS)).toThrow('is given to both json and sarif');
  });

  it('exits 2 on an unknown format or an ambiguous output, writing nothing', () => {
    const dir = tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL) });
    expect(runCli(['scan', dir, '-f', 'text', '-f', 'yaml']).code).toBe(2);
    const r = runCli(['scan', dir, '-f', 'text', '-f', 'json']);
    expect(r).toEqual({ code: 2, out: '', err: 'polcov: only one format can go to stdout, not text and json: give the others --output FORMAT=FILE\n' });
  });

  it('exits 2 when two formats name the same file, writing nothing', () => {
    const dir = tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL) });
    const same = path.join(dir, 'same.out');
    const r = runCli(['scan', dir, '-f', 'json', '-f', 'sarif', '-o', `json=${same}`, '-o', `sarif=${same}`]);
    expect(r).toEqual({ code: 2, out: '', err: `polcov: --output: ${same} is given to both json and sarif: give each format its own file\n` });
    expect(fs.existsSync(same)).toBe(false);
  });
});

describe('progress', () => {
  const many = (): string => {
    const files: Record<string, string> = { 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL) };
    for (let i = 0; i < 210; i++) files[`manifests/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n`;
    return tempDir(files);
  };

  it('draws on a terminal stderr for more than 200 files, and erases itself', () => {
    const r = runCli(['scan', many()], { stderrTTY: true });
    expect(r.err).toMatch(/^\rpolcov: reading files 1\/211 \(0%\)/);
    expect(r.err.endsWith('\r\x1b[K')).toBe(true);
    expect(r.out).not.toContain('reading files');
  });

  it('stays silent when stdout carries a machine format or stderr is not a terminal', () => {
    const dir = many();
    expect(runCli(['scan', dir, '-f', 'json'], { stderrTTY: true }).err).toBe('');
    expect(runCli(['scan', dir], { stderrTTY: false }).err).toBe('');
    expect(runCli(['scan', tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL) })], { stderrTTY: true }).err).toBe('');
  });
});
