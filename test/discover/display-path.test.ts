/**
 * displayPath skips path.relative for the clean paths the walk lists; whatever the path, it must show
 * what the general rule shows: relative to the working folder when inside it, as given otherwise.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { displayPath, listFiles } from '../../src/discover/walk';

/** The general rule, as displayPath states it. */
function reference(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  const outside = rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  return (rel && !outside ? rel : p).split(path.sep).join('/');
}

describe('displayPath', () => {
  it.each([
    ['a/b.yaml', process.cwd(), 'a/b.yaml'],
    ['a/b.yaml', '/elsewhere', 'a/b.yaml'], // outside /elsewhere once resolved: shown as given
    ['/work/main/a/b.yaml', '/work/main', 'a/b.yaml'],
    ['/work/mainly/b.yaml', '/work/main', '/work/mainly/b.yaml'],
    ['/tmp/copy/a.yaml', '/work/main', '/tmp/copy/a.yaml'],
    ['/work/main', '/work/main', '/work/main'],
    ['../shared/x.yaml', process.cwd(), '../shared/x.yaml'],
    ['./a/../b.yaml', process.cwd(), 'b.yaml'],
    ['a//b.yaml', process.cwd(), 'a/b.yaml'],
    ['a/b/', process.cwd(), 'a/b'],
    ['/', '/', '/'],
    ['/a.yaml', '/', 'a.yaml'],
    ['/work/main/a.yaml', '/work/main/', 'a.yaml'],
  ])('%s from %s is %s', (p, cwd, shown) => {
    expect(displayPath(p, cwd)).toBe(shown);
    expect(displayPath(p, cwd)).toBe(reference(p, cwd));
  });

  it('agrees with path.relative on any path made of plain, dot and empty segments', () => {
    const segment = fc.constantFrom('a', 'b', 'main', 'work', '.', '..', '', 'x.yaml');
    const pathOf = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 6 })).map(([abs, segs]) => (abs ? '/' : '') + segs.join('/'));
    const cwdOf = fc.oneof(
      fc.constant(process.cwd()),
      fc.array(fc.constantFrom('a', 'b', 'main', 'work'), { maxLength: 3 }).map((segs) => `/${segs.join('/')}`),
    );
    fc.assert(
      fc.property(pathOf, cwdOf, (p, cwd) => {
        expect(displayPath(p, cwd)).toBe(reference(p, cwd));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the walk names files as path.join would', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-walk-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'p', 'q'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'p', 'q', 'x.yaml'), 'a: 1\n');
  fs.writeFileSync(path.join(dir, 'p', 'y.yaml'), 'a: 1\n');

  it.each([`${dir}/p`, `${dir}/p/`, `${dir}//p/./`, `${dir}/p/q/..`])('walking %s', (root) => {
    const files = listFiles([root], []);
    expect(files).toEqual([path.join(root, 'q', 'x.yaml'), path.join(root, 'y.yaml')]);
  });
});
