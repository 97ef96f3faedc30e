/** The CLI contract: formats, exit codes, colour, stdin, the rules listing. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../src/rules';
import { runCli, type Run } from './ci-fixtures';
import { tempDir, yaml } from './helpers';

const GAP = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: gap
  spec:
    validationFailureAction: Enforce
    rules:
      - name: r
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          pattern:
            spec:
              =(hostNetwork): "false"
              =(securityContext):
                =(windowsOptions):
                  =(hostProcess): "false"
              =(ephemeralContainers):
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
              =(initContainers):
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
              containers:
                - =(securityContext):
                    =(privileged): "false"
                    =(windowsOptions):
                      =(hostProcess): "false"
`;
/** The same policy with privileged checked in every list: no finding at all. */
const CLEAN = GAP.replace(/(=\((?:ephemeral|init)Containers\):\n {14}- =\(securityContext\):\n)/g, '$1                  =(privileged): "false"\n');
const AUDIT = CLEAN.replace('Enforce', 'Audit');

/** The CLI with captured output; `stdin` feeds `-`, `tty` makes stdout look like a terminal. */
function run(args: string[], stdin?: string, tty = false): Run {
  return runCli(args, { ...(stdin !== undefined ? { stdin } : {}), stdoutTTY: tty });
}

describe('polcov scan', () => {
  it('exits 0 on a clean set, 1 on findings at or above --fail-on, and honours never', () => {
    const clean = tempDir({ 'p.yaml': CLEAN });
    const gap = tempDir({ 'p.yaml': GAP });
    const audit = tempDir({ 'p.yaml': AUDIT });
    expect(run(['scan', clean]).code).toBe(0);
    expect(run(['scan', gap]).code).toBe(1);
    expect(run(['scan', gap, '--fail-on', 'never']).code).toBe(0);
    // An Audit policy yields a note (enforcement-not-blocking) plus set-level errors it no longer covers.
    expect(run(['scan', audit, '--fail-on', 'note']).code).toBe(1);
  });

  it('exits 0 for --help and --version, 2 without a command', () => {
    expect(run(['--help']).code).toBe(0);
    expect(run(['scan', '--help']).code).toBe(0);
    expect(run(['--version'])).toEqual({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+\n$/), err: '' });
    const none = run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: polcov');
  });

  it('exits 2 on a bad flag or value, and on input errors', () => {
    expect(run(['scan', '--format', 'yaml']).code).toBe(2);
    expect(run(['scan', '--kubernetes-version', 'banana', '.']).code).toBe(2);
    expect(run(['scan', '--bogus']).code).toBe(2);
    const dir = tempDir({ 'p.yaml': CLEAN, 'bad.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata: [kyverno.io,\n b: }' });
    expect(run(['scan', dir]).code).toBe(2);
  });

  it('a policy file that does not parse is one policy-unanalyzable finding (exit 1), not also an input error', () => {
    const dir = tempDir({ 'p.yaml': CLEAN, 'bad.yaml': 'kind: ClusterPolicy\napiVersion: kyverno.io/v1\nspec: [a,\n b: }' });
    const r = run(['scan', dir, '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.errors).toEqual([]);
    expect(doc.findings.filter((f: { file: string }) => f.file.endsWith('bad.yaml')).map((f: { ruleId: string; line: number }) => [f.ruleId, f.line])).toEqual([['policy-unanalyzable', 4]]);
  });

  it('prints text grouped by file with file:line:col, severity, rule id, message and an indented hint', () => {
    const dir = tempDir({ 'p.yaml': GAP });
    const { out } = run(['scan', dir]);
    const file = path.join(dir, 'p.yaml');
    expect(out).toContain(`${file}:28:13  error    ephemeral-containers-unchecked  ClusterPolicy gap rule "r" checks privileged in containers but not in ephemeralContainers`);
    expect(out).toMatch(/\n {4}fix: add an =\(ephemeralContainers\) entry/);
    expect(out.trim().split('\n').pop()).toBe('2 findings (1 error, 1 warning, 0 notes) in 1 policy from 1 file.');
    expect(out).not.toContain('\x1b[');
  });

  it('colours only on a TTY and never with NO_COLOR or --no-color', () => {
    const dir = tempDir({ 'p.yaml': GAP });
    expect(run(['scan', dir], undefined, true).out).toContain('\x1b[31m');
    expect(run(['scan', dir, '--no-color'], undefined, true).out).not.toContain('\x1b[');
    process.env.NO_COLOR = '1';
    try {
      expect(run(['scan', dir], undefined, true).out).not.toContain('\x1b[');
    } finally {
      delete process.env.NO_COLOR;
    }
  });

  it('writes the JSON contract, deterministic across runs', () => {
    const dir = tempDir({ 'a.yaml': GAP, 'b.yaml': AUDIT });
    const first = run(['scan', dir, '--format', 'json']).out;
    expect(run(['scan', dir, '--format', 'json']).out).toBe(first);
    const doc = JSON.parse(first);
    // DESIGN's keys, plus `skipped` and `suppressed` (extra keys are allowed) before the summary.
    expect(Object.keys(doc)).toEqual(['tool', 'findings', 'policies', 'coverage', 'errors', 'skipped', 'suppressed', 'summary']);
    expect(doc.tool).toEqual({ name: 'polcov', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc.findings[0]).toEqual({
      ruleId: expect.any(String),
      severity: expect.stringMatching(/^(error|warning|note)$/),
      engine: 'kyverno',
      policy: { kind: 'ClusterPolicy', name: 'gap' },
      rule: 'r',
      control: 'privileged',
      location: 'ephemeralContainers',
      file: path.join(dir, 'a.yaml'),
      line: 28,
      column: 13,
      message: expect.any(String),
      hint: expect.any(String),
    });
    const order = doc.findings.map((f: { file: string; line: number; ruleId: string }) => `${f.file}:${String(f.line).padStart(5, '0')}:${f.ruleId}`);
    expect(order).toEqual([...order].sort());
    expect(doc.summary.findings).toEqual({ error: 1, warning: 1, note: 1 });
  });

  it('escapes control characters that policy text would send to the terminal', () => {
    const dir = tempDir({ 'p.yaml': GAP.replace('name: gap', 'name: "gap\\u001b[31m\\nforged"') });
    const { out } = run(['scan', dir, '--no-color']);
    expect(out).not.toContain('\x1b');
    expect(out).toContain('ClusterPolicy gap\\x1b[31m\\nforged rule');
  });

  it('says which file a file system error is about, and rejects empty option values', () => {
    const dir = tempDir({ 'p.yaml': GAP });
    const r = run(['scan', dir, '--output', path.join(dir, 'p.yaml', 'report.txt')]);
    expect(r).toEqual({ code: 2, out: '', err: `polcov: cannot use ${path.join(dir, 'p.yaml', 'report.txt')}: a parent is not a directory\n` });
    for (const flag of ['--diff-base', '--baseline', '--write-baseline', '--config']) {
      const empty = run(['scan', dir, flag, '']);
      expect(empty.code).toBe(2);
      expect(empty.err).toContain('must not be empty');
    }
  });

  it('--max-file-size skips larger files with an error naming the limit, and exits 2', () => {
    const dir = tempDir({ 'p.yaml': GAP });
    const r = run(['scan', dir, '--max-file-size', '100']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/p\.yaml {2}error {4}file is \d+ bytes, over the 100-byte limit/);
    expect(run(['scan', dir, '--max-file-size', 'lots']).code).toBe(2);
  });

  it('writes the report to --output and nothing to stdout', () => {
    const dir = tempDir({ 'p.yaml': GAP });
    const out = path.join(dir, 'report.json');
    const r = run(['scan', dir, '--format', 'json', '--output', out]);
    expect(r.out).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).findings.length).toBe(2);
  });

  it('reads "-" from stdin', () => {
    const r = run(['scan', '-', '--format', 'json'], GAP);
    expect(JSON.parse(r.out).findings.map((f: { file: string }) => f.file)).toEqual(['<stdin>', '<stdin>']);
  });
});

describe('polcov rules', () => {
  it('lists every rule with severity, summary and its page in this installation', () => {
    const { out, code } = run(['rules']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(RULES.length);
    for (const r of RULES) {
      const page = lines.find((l) => l.startsWith(`${r.meta.id} `))?.match(/^\S+ +(\S+) +.* (\S+\.md)$/);
      expect(page?.[1]).toBe(r.meta.severity);
      expect(fs.readFileSync(page![2]!, 'utf8')).toMatch(new RegExp(`^# ${r.meta.id}\n`));
    }
  });
});
