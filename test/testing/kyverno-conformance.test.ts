/**
 * Conformance with kyverno/policies' own Kyverno CLI tests (docs/conformance.md): at least 98 % of
 * the results polcov evaluates agree, none needs cluster data the test does not supply, and every
 * result that does not agree is explained in the doc.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kyvernoConformance } from '../../src/testing/kyverno-conformance';

const ROOT = path.join('..', 'shared', 'corpus', 'kyverno-policies');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping Kyverno conformance: ${ROOT} is absent`);

(present ? describe : describe.skip)('conformance with kyverno/policies CLI tests', () => {
  const c = present ? kyvernoConformance(ROOT) : undefined;

  it('reads every test', () => {
    expect(c!.unreadable).toEqual([]);
    expect(c!.tests).toBeGreaterThanOrEqual(492);
  });

  it('at least 98 % of the evaluated results agree', () => {
    expect(c!.agreeing / c!.evaluated).toBeGreaterThanOrEqual(0.98);
  });

  it('results needing cluster data stay within 3 %', () => {
    expect(c!.counts['needs-cluster'] / (c!.evaluated + c!.counts['needs-cluster'])).toBeLessThanOrEqual(0.03);
  });

  it('docs/conformance.md lists every disagreeing result', () => {
    const doc = fs.readFileSync(path.join('docs', 'conformance.md'), 'utf8');
    const missing = c!.disagreeing
      .map((r) => `${r.file.split(path.sep).slice(0, 2).join('/')}\`, \`${r.expected.resource}\``)
      .filter((key) => !doc.includes(key));
    expect(missing).toEqual([]);
  });
});
