#!/usr/bin/env node
/**
 * Byte-compares the reports of two polcov builds on the same input, in every format both know: a
 * change meant to leave the output alone (a performance change) must produce identical bytes.
 *
 *   node scripts/compare-outputs.js <other polcov checkout, built> [path to scan, default ../shared/corpus] [-- scan options…]
 *
 * Scan options after `--` are given to both builds (e.g. `-- --prove --config sets.yaml`); `--format`
 * among them names the only formats compared (repeatable). Both builds run from this folder, so their
 * reports name the same paths. Exits 1 on a difference.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dashes = process.argv.indexOf('--');
const [otherRoot, scanned = '../shared/corpus'] = process.argv.slice(2, dashes === -1 ? undefined : dashes);
const scanOptions = dashes === -1 ? [] : process.argv.slice(dashes + 1);
/** `--format x` pairs taken out of the scan options: the formats to compare. */
const chosen = [];
for (let i = scanOptions.indexOf('--format'); i !== -1; i = scanOptions.indexOf('--format')) chosen.push(...scanOptions.splice(i, 2).slice(1));
const wanted = (format) => chosen.length === 0 || chosen.includes(format);
if (!otherRoot) {
  console.error('usage: node scripts/compare-outputs.js <other polcov checkout, built> [path] [-- scan options…]');
  process.exit(2);
}
if (!fs.existsSync(scanned)) {
  console.log(`${scanned} is absent: nothing to compare`);
  process.exit(0);
}

const builds = { this: path.resolve(__dirname, '..'), other: path.resolve(otherRoot) };
const formatsOf = (root) => Object.keys(require(path.join(root, 'dist', 'report')).REPORTERS);
const formats = formatsOf(builds.this).filter((f) => formatsOf(builds.other).includes(f) && wanted(f));
const onlyOne = [...new Set([...formatsOf(builds.this), ...formatsOf(builds.other)])].filter((f) => !formats.includes(f) && wanted(f));

function report(root, format) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'scan', scanned, ...scanOptions, '--format', format, '--fail-on', 'never'], {
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { out: r.stdout, err: r.stderr.toString(), status: r.status };
}

let differ = 0;
for (const format of formats) {
  const a = report(builds.this, format);
  const b = report(builds.other, format);
  const same = a.out.equals(b.out) && a.err === b.err && a.status === b.status;
  if (!same) differ++;
  console.log(`${format.padEnd(9)} ${same ? 'identical' : 'DIFFERENT'} (${a.out.length} bytes${same ? '' : ` vs ${b.out.length}`})`);
}
if (onlyOne.length) console.log(`formats in only one build, not compared: ${onlyOne.join(', ')}`);
process.exit(differ ? 1 : 0);
