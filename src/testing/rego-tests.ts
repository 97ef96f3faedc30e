/**
 * OPA unit tests (`*_test.rego`), as `opa test` runs them: the test file is compiled with the other
 * Rego files of its folder (the policy under test and its libs), as Rego v0 or, when only that
 * compiles, v1; every `test_*` rule passes when it is defined and not false. A folder that does not
 * compile is an unreadable suite at the v0 error's file:line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileRego, formatRegoError, runRegoTests, type RegoModuleSource } from '../eval/rego';
import { brokenSuite, type SuiteFormat } from './suite-format';

const FORMAT = 'rego';

/** The other Rego files of the folder, test files excluded (they would add their own tests). */
function siblings(file: string): RegoModuleSource[] {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.rego') && !n.endsWith('_test.rego'))
    .sort()
    .map((n) => ({ file: path.join(dir, n).split(path.sep).join('/'), text: fs.readFileSync(path.join(dir, n), 'utf8') }));
}

export const regoTestFormat: SuiteFormat = {
  id: FORMAT,
  detect: (f) => f.path.endsWith('_test.rego'),
  load(file) {
    const name = file.path;
    // Rego v0 first (Gatekeeper's, and OPA's before 1.0); a folder only v1 reads (OPA 1.0's default) as v1.
    const modules = [{ file: file.path, text: file.text }, ...siblings(file.path)];
    const v0 = compileRego(modules);
    const v1 = v0.program && v0.errors.length === 0 ? undefined : compileRego(modules.map((m) => ({ ...m, version: 'v1' as const })));
    const { program, errors } = v1?.program && v1.errors.length === 0 ? v1 : v0;
    if (!program || errors.length > 0) {
      const e = errors[0];
      const at = { file: e?.file ?? file.path, line: e?.line ?? 1, column: e?.column ?? 1 };
      return [brokenSuite(FORMAT, name, file.path, at, e ? formatRegoError(e) : 'the Rego does not compile')];
    }
    const results = runRegoTests(program).filter((r) => r.file === file.path);
    return [{
      format: FORMAT,
      name,
      file: file.path,
      cases: results.map((r) => ({
        name: r.name,
        path: r.name,
        at: { file: r.file, line: r.line, column: r.column },
        run: () => ({
          status: r.outcome,
          expected: 'defined and not false',
          actual: r.outcome === 'pass' ? 'passed' : r.outcome === 'fail' ? 'undefined or false' : `error: ${r.error ? formatRegoError(r.error) : 'unknown'}`,
          decisions: [],
        }),
      })),
    }];
  },
};
