/**
 * The GitHub Action and the pre-commit hook: action.yml follows GitHub's action metadata syntax
 * (test/action-metadata.schema.json), runs only the action's own checkout, and its scripts pass
 * shellcheck; the hook runs `polcov scan` as a node hook (test/pre-commit.test.ts installs it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import { itWithTool } from './ci-fixtures';

interface Step {
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  shell?: string;
  'working-directory'?: string;
}
interface Action {
  inputs: Record<string, unknown>;
  runs: { using: string; steps: Step[] };
}

const load = (file: string): unknown => {
  const doc = parseDocument(fs.readFileSync(path.join(__dirname, '..', file), 'utf8'));
  expect(doc.errors).toEqual([]);
  return doc.toJS();
};
const action = load('action.yml') as Action;

describe('action.yml', () => {
  const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(JSON.parse(fs.readFileSync(path.join(__dirname, 'action-metadata.schema.json'), 'utf8')) as object);

  it('follows GitHub`s action metadata syntax', () => {
    // The schema does reject what GitHub rejects: a run step without a shell, an input without a description.
    expect(validate({ name: 'a', description: 'b', runs: { using: 'composite', steps: [{ run: 'true' }] } })).toBe(false);
    expect(validate({ name: 'a', description: 'b', inputs: { x: { default: '' } }, runs: { using: 'node20', main: 'a.js' } })).toBe(false);
    validate(action);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('builds and runs its own checkout, never a package fetched by name', () => {
    const steps = action.runs.steps;
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toEqual({ 'node-version': 20 });
    expect(steps.find((s) => s.name === 'build polcov')).toMatchObject({ 'working-directory': '${{ github.action_path }}', run: 'npm ci --no-audit --no-fund' });
    const scripts = steps.map((s) => s.run ?? '').join('\n');
    expect(scripts).not.toMatch(/\bnpx\b|npm (exec|install|i)\b|polcov@/);
    const scan = steps.find((s) => s.name === 'polcov scan')!.run!;
    expect(scan).toContain('polcov=("$GITHUB_ACTION_PATH/dist/cli.js" scan)');
    // --fail-on only when the input is set, so failOn in .polcov.yaml applies otherwise.
    expect(scan).toContain('if [ -n "$POLCOV_FAIL_ON" ]; then fail_on=(--fail-on "$POLCOV_FAIL_ON"); fi');
    expect(steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))).toBe(true);
  });

  itWithTool('shellcheck', 'shellcheck')('has scripts shellcheck passes, each directive on the command it excuses', () => {
    for (const step of action.runs.steps.filter((s) => s.run)) {
      const r = spawnSync('shellcheck', ['--shell=bash', '-'], { input: step.run, encoding: 'utf8' });
      expect({ step: step.name, output: r.stdout }).toEqual({ step: step.name, output: '' });
    }
  });
});

it('.pre-commit-hooks.yaml runs `polcov scan` as a node hook on policy-like files', () => {
  const [hook] = load('.pre-commit-hooks.yaml') as { id: string; entry: string; language: string; files: string }[];
  expect(hook).toMatchObject({ id: 'polcov', entry: 'polcov scan', language: 'node' });
  const files = new RegExp(hook!.files);
  expect(['a.yaml', 'b.yml', 'c.json', 'd.rego'].every((f) => files.test(f))).toBe(true);
  expect(files.test('README.md')).toBe(false);
});
