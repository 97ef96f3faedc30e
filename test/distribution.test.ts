/** The GitHub Action and the pre-commit hook are valid YAML and run the CLI the way the README says. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

const load = (file: string): unknown => {
  const doc = parseDocument(fs.readFileSync(path.join(__dirname, '..', file), 'utf8'));
  expect(doc.errors).toEqual([]);
  return doc.toJS();
};

it('action.yml is a composite action on Node 20 that scans and uploads SARIF', () => {
  const action = load('action.yml') as { inputs: Record<string, unknown>; runs: { using: string; steps: { uses?: string; with?: Record<string, unknown>; run?: string }[] } };
  expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['paths', 'fail-on', 'args']));
  expect(action.runs.using).toBe('composite');
  expect(action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toEqual({ 'node-version': 20 });
  const scan = action.runs.steps.find((s) => s.run?.includes('scan $POLCOV_PATHS'))?.run ?? '';
  // --fail-on only when the input is set, so failOn in .polcov.yaml applies otherwise.
  expect(scan).toContain('if [ -n "$POLCOV_FAIL_ON" ]; then fail_on=(--fail-on "$POLCOV_FAIL_ON"); fi');
  expect(scan).toContain('scan $POLCOV_PATHS "${fail_on[@]}"');
  expect(action.runs.steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))).toBe(true);
});

it('.pre-commit-hooks.yaml runs `polcov scan` as a node hook on policy-like files', () => {
  const [hook] = load('.pre-commit-hooks.yaml') as { id: string; entry: string; language: string; files: string }[];
  expect(hook).toMatchObject({ id: 'polcov', entry: 'polcov scan', language: 'node' });
  const files = new RegExp(hook!.files);
  expect(['a.yaml', 'b.yml', 'c.json', 'd.rego'].every((f) => files.test(f))).toBe(true);
  expect(files.test('README.md')).toBe(false);
});
