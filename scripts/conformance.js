#!/usr/bin/env node
/**
 * Conformance: runs every Kyverno CLI test under ../shared/corpus/kyverno-policies (or the folder
 * given) with polcov's Kyverno evaluation and prints "N/M results agree". Rows that need cluster data
 * the test does not supply, and rows for policy kinds or rule types polcov does not evaluate, are
 * counted apart. `--list` prints every row that does not agree.
 */
const fs = require('node:fs');
const path = require('node:path');
const { loadKyvernoTest, runKyvernoTest } = require('../dist/testing/kyverno-test');

const args = process.argv.slice(2);
const list = args.includes('--list');
const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..', '..', 'shared', 'corpus', 'kyverno-policies'));
if (!fs.existsSync(root)) {
  console.log(`conformance: ${root} is absent; nothing to run`);
  process.exit(0);
}

function* testFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== '.git') yield* testFiles(p);
    else if (e.name === 'kyverno-test.yaml') yield p;
  }
}

const counts = { agree: 0, excluded: 0, disagree: 0, 'needs-cluster': 0, unsupported: 0, 'not-found': 0, 'load-error': 0 };
const problems = [];
let files = 0;
const started = Date.now();
for (const file of testFiles(root)) {
  files++;
  const rel = path.relative(root, file);
  let rows;
  try {
    rows = runKyvernoTest(loadKyvernoTest(file, fs.readFileSync(file, 'utf8')));
  } catch (e) {
    counts['load-error']++;
    problems.push(`${rel}: load error: ${e.message}`);
    continue;
  }
  for (const r of rows) {
    counts[r.outcome]++;
    if (r.outcome !== 'agree' && r.outcome !== 'excluded') {
      problems.push(`${rel}:${r.expected.line} ${r.outcome} ${r.expected.policy}/${r.expected.rule}/${r.expected.resource}: want ${r.expected.result}, got ${r.actual}${r.messages[0] ? ` (${r.messages[0].slice(0, 160)})` : ''}`);
    }
  }
}
const evaluated = counts.agree + counts.excluded + counts.disagree + counts['not-found'];
const total = evaluated + counts['needs-cluster'] + counts.unsupported;
if (list) for (const p of problems) console.log(p);
console.log(`${files} Kyverno CLI tests, ${total} expected results (${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`${counts.agree + counts.excluded}/${evaluated} results agree (${counts.excluded} of them rules that gave no response, which the Kyverno CLI passes)`);
console.log(`apart: ${counts['needs-cluster']} need cluster data the test does not supply; ${counts.unsupported} use policy kinds or rule types polcov does not evaluate`);
if (counts['load-error']) console.log(`${counts['load-error']} tests could not be loaded`);
