/**
 * Conformance with gatekeeper-library's own gator suites (docs/conformance.md): at least 99 % of the
 * cases agree, and every case that does not is explained in the doc.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conformance } from '../../src/testing/conformance';

const ROOT = path.join('..', 'shared', 'corpus', 'gatekeeper-library');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping conformance: ${ROOT} is absent`);

(present ? describe : describe.skip)('conformance with gatekeeper-library gator suites', () => {
  const c = present ? conformance(ROOT) : undefined;
  const gator = () => c!.formats.gator!;

  it('finds every suite and case', () => {
    expect(c!.unreadable).toEqual([]);
    expect(gator().total).toBeGreaterThanOrEqual(1000);
  });

  it('at least 99 % of the gator cases agree', () => {
    expect(gator().agree / gator().total).toBeGreaterThanOrEqual(0.99);
  });

  it('docs/conformance.md lists every disagreeing gator case', () => {
    const doc = fs.readFileSync(path.join('docs', 'conformance.md'), 'utf8');
    const missing = c!.disagreeing
      .filter((d) => !d.file.endsWith('.rego'))
      .map((d) => `${path.relative(ROOT, d.file).split(path.sep).join('/')}:${d.line}`)
      .filter((where) => !doc.includes(`| ${where} |`));
    expect(missing).toEqual([]);
  });
});
