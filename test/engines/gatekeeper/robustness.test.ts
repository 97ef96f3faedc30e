/**
 * The analysis never crashes and never runs away: modules assembled from the body lines of the
 * samples (and a few hostile ones) under random rule heads are analysed within the budget.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModule, RegoSyntaxError, type Module } from '../../../src/engines/rego';
import { analyzeEntries, GATEKEEPER_ROOTS, RulesIndex } from '../../../src/engines/rego/analysis';

const NUM_RUNS = Number(process.env.REGO_PROP_RUNS ?? 300);

/** Expression lines of the samples' rule bodies. */
function sampleBodyLines(): string[] {
  const dir = path.join(__dirname, '../../../samples/gatekeeper');
  const out = new Set<string>();
  for (const sub of ['vulnerable', 'fixed']) {
    for (const f of fs.readdirSync(path.join(dir, sub))) {
      for (const line of fs.readFileSync(path.join(dir, sub, f), 'utf8').split('\n')) {
        const l = line.trim();
        const notBody = / (if|contains) /.test(l) || /^[}#-]/.test(l) || /[{}]$/.test(l) || /^(package|import) /.test(l);
        const yaml = /^[\w-]+:( |$)/.test(l);
        if (/^ {12,}\S/.test(line) && !notBody && !yaml) out.add(l);
      }
    }
  }
  return [...out];
}

const BODY = [
  ...sampleBodyLines(),
  'f(c)',
  'c := f(input.review.object)[_]',
  'c := input.review.object.spec[input.parameters.k][_]',
  'walk(input.review.object, [p, v])',
  'v.securityContext.privileged',
  'x := data.inventory.cluster["v1"]["Pod"][_]',
  'x.spec.containers[_].image == c.image',
  'some i; input.review.object.spec.containers[i].securityContext.privileged',
  'not is_update(input.review)',
  'list := lists[_]',
];

const HEADS = ['violation[{"msg": msg}]', 'pod_containers[c]', 'f(x) = c', 'is_update(review)', 'lists = ["containers"]', 'g(x) = y'];

function tryParse(src: string): Module | undefined {
  try {
    return parseModule(src);
  } catch (e) {
    if (e instanceof RegoSyntaxError) return undefined;
    throw e;
  }
}

const rule = fc.tuple(fc.constantFrom(...HEADS), fc.array(fc.constantFrom(...BODY), { minLength: 1, maxLength: 8 }));

describe('Rego analysis robustness', () => {
  test('generated modules that parse are analysed without throwing', () => {
    let analysed = 0;
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 8 }), (rules) => {
        const text = `package gen\n\nimport future.keywords.in\n\n${rules.map(([head, body]) => `${head} {\n  ${body.join('\n  ')}\n}`).join('\n\n')}\n`;
        const module = tryParse(text);
        if (!module) return;
        const mod = { module, text, locate: (p: { line: number; column: number }) => ({ file: 'gen.rego', ...p }) };
        const result = analyzeEntries(mod, new RulesIndex([mod]), { roots: GATEKEEPER_ROOTS, isEntry: (n) => n === 'violation', maxSteps: 50_000 });
        analysed++;
        for (const r of result.rules) for (const c of [...r.checks, ...r.unanalyzable]) expect(c.at.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(analysed).toBeGreaterThan(NUM_RUNS / 2);
  });
});
