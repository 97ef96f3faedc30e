#!/usr/bin/env node
/**
 * Conformance: runs every gator suite and OPA unit test of the gatekeeper-library corpus with polcov
 * and prints "N/M cases agree" for the gator suites (and the OPA unit tests on their own line), then
 * each case that does not. Exit 1 when the gator suites agree below the 99 % target;
 * docs/conformance.md explains every disagreeing case.
 *
 *   npm run conformance [-- --corpus ../shared/corpus/gatekeeper-library --gatekeeper-version 3.16]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { conformance } = require('../dist/testing/conformance');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
}
const root = arg('corpus', path.join(__dirname, '..', '..', 'shared', 'corpus', 'gatekeeper-library'));
const TARGET = 0.99;

if (!fs.existsSync(root)) {
  console.log(`conformance: skipped, no corpus at ${root}`);
  process.exit(0);
}
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const c = conformance(root, arg('gatekeeper-version', undefined));
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
for (const s of c.unreadable) console.log(`unreadable suite ${s.error.file}:${s.error.line}: ${s.error.message}`);
for (const d of c.disagreeing) console.log(`disagrees: ${d.path} (${d.file}:${d.line}): expected ${d.expected}; polcov: ${d.actual}`);
const line = (what, f) => `${f.agree}/${f.total} ${what} agree (${((100 * f.agree) / f.total).toFixed(1)} %)`;
const gator = c.formats.gator ?? { agree: 0, total: 0 };
if (c.formats.rego) console.log(`OPA unit tests: ${line('tests', c.formats.rego)}`);
console.log(`gator suites: ${line('cases', gator)}, all run in ${(ms / 1000).toFixed(1)} s (${cpuS.toFixed(1)} s of CPU)`);
process.exit(gator.total > 0 && gator.agree / gator.total >= TARGET ? 0 : 1);
