/**
 * Issue 14 item 11: configuration trust. A `.polcov.yaml` above the repository root does not
 * apply; the configuration in use is named on stderr; one rule for several paths, whatever their
 * order; `ignore` globs match in linear time.
 */
import * as path from 'node:path';
import { compileGlob, ignoreMatcher } from '../../src/config/glob';
import { findConfig } from '../../src/config/load';
import { HOST_PROCESS, privilegedPolicy, NO_EPHEMERAL, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

const GAP = privilegedPolicy('gap', NO_EPHEMERAL);

describe('where the configuration is found', () => {
  test('a file above the repository root is not applied', () => {
    const outer = tempDir({ '.polcov.yaml': 'failOn: never\n', 'repo/.git/HEAD': 'ref: refs/heads/main\n', 'repo/policies/gap.yaml': GAP, 'repo/policies/hp.yaml': HOST_PROCESS });
    const policies = path.join(outer, 'repo', 'policies');
    expect(findConfig([policies])).toBeUndefined();
    const r = runCli(['scan', policies]);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/configuration/);
  });

  test('the configuration applied is named on stderr', () => {
    const root = tempDir({ '.git/HEAD': 'x\n', '.polcov.yaml': 'failOn: never\n', 'policies/gap.yaml': GAP });
    const r = runCli(['scan', path.join(root, 'policies')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`polcov: using configuration ${path.join(root, '.polcov.yaml').split(path.sep).join('/')}\n`);
  });

  test('several paths: the folder that holds them all, whatever the order', () => {
    const root = tempDir({
      '.git/HEAD': 'x\n',
      '.polcov.yaml': 'failOn: never\n',
      'a/.polcov.yaml': 'failOn: note\n',
      'a/gap.yaml': GAP,
      'b/hp.yaml': HOST_PROCESS,
    });
    const [a, b] = [path.join(root, 'a'), path.join(root, 'b')];
    expect(findConfig([a, b])).toBe(path.join(root, '.polcov.yaml'));
    expect(findConfig([b, a])).toBe(path.join(root, '.polcov.yaml'));
    expect(findConfig([path.join(a, 'gap.yaml')])).toBe(path.join(a, '.polcov.yaml'));
    expect(runCli(['scan', a, b]).code).toBe(runCli(['scan', b, a]).code);
  });
});

describe('ignore globs match in linear time', () => {
  test('a pattern made to backtrack answers at once, and correctly', () => {
    const hostile = `${'*a'.repeat(40)}b`;
    const name = 'a'.repeat(4000);
    expect(compileGlob(hostile).test(name)).toBe(false);
    expect(compileGlob(hostile).test(`${name}b`)).toBe(true);
    const deep = `${'**/'.repeat(30)}x`;
    expect(ignoreMatcher([deep], '/r')(`/r/${'d/'.repeat(300)}y`)).toBe(false);
    expect(ignoreMatcher([deep], '/r')(`/r/${'d/'.repeat(300)}x`)).toBe(true);
  });
});
