/**
 * The gatekeeper-library's own Rego unit tests (`src/<group>/<policy>/*_test.rego`), run per
 * folder as its test.sh runs `opa test <folder>/*.rego`: every test must pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileRego, formatRegoError, runRegoTests } from '../../../src/eval/rego';

const SRC = path.join('..', 'shared', 'corpus', 'gatekeeper-library', 'src');
const present = fs.existsSync(SRC);

function testFolders(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('_test.rego'))) out.push(dir);
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(SRC);
  return out.sort();
}

if (!present) {
  test.skip(`../shared/corpus is absent: the gatekeeper-library unit tests need the policy corpus (${SRC})`, () => undefined);
} else {
  describe('gatekeeper-library src/**/*_test.rego with runRegoTests', () => {
    const folders = testFolders();

    it('finds the 51 unit-test files of the library', () => {
      const files = folders.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('_test.rego')));
      expect(files).toHaveLength(51);
    });

    it.each(folders.map((d) => [path.relative(SRC, d), d]))('%s: every test passes', (_name, dir) => {
      const modules = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.rego'))
        .map((f) => ({ file: path.join(dir, f), text: fs.readFileSync(path.join(dir, f), 'utf8') }));
      const { program, errors } = compileRego(modules);
      expect(errors.map(formatRegoError)).toEqual([]);
      const results = runRegoTests(program!);
      expect(results.length).toBeGreaterThan(0);
      const failures = results
        .filter((r) => r.outcome !== 'pass')
        .map((r) => `${r.file}:${r.line}: ${r.name} ${r.outcome}${r.error ? ` (${formatRegoError(r.error)})` : ''}`);
      expect(failures).toEqual([]);
    });
  });
}
