#!/usr/bin/env node
/**
 * Conformance against the policy libraries' own tests:
 * - every gator suite and OPA unit test of gatekeeper-library: "N/M cases agree" for the gator suites
 *   (and the OPA unit tests on their own line);
 * - every Kyverno CLI test of kyverno/policies: "N/M results agree", results polcov does not evaluate
 *   and results needing cluster data the test does not supply counted apart.
 * Each case or result that does not agree is printed. Exit 1 when the gator suites agree below 99 %
 * or the Kyverno results below 98 %; docs/conformance.md explains every disagreement.
 *
 *   npm run conformance [-- --corpus ../shared/corpus/gatekeeper-library --gatekeeper-version 3.16
 *                           --kyverno-corpus ../shared/corpus/kyverno-policies]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { conformance } = require('../dist/testing/conformance');
const { kyvernoConformance } = require('../dist/testing/kyverno-conformance');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
}
const shared = path.join(__dirname, '..', '..', 'shared', 'corpus');
const pct = (n, m) => ((100 * n) / m).toFixed(1);
let ok = true;

function gatekeeper() {
  const root = arg('corpus', path.join(shared, 'gatekeeper-library'));
  const TARGET = 0.99;
  if (!fs.existsSync(root)) {
    console.log(`conformance: skipped, no corpus at ${root}`);
    return;
  }
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const c = conformance(root, arg('gatekeeper-version', undefined));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  for (const s of c.unreadable) console.log(`unreadable suite ${s.error.file}:${s.error.line}: ${s.error.message}`);
  for (const d of c.disagreeing) console.log(`disagrees: ${d.path} (${d.file}:${d.line}): expected ${d.expected}; polcov: ${d.actual}`);
  const line = (what, f) => `${f.agree}/${f.total} ${what} agree (${pct(f.agree, f.total)} %)`;
  const gator = c.formats.gator ?? { agree: 0, total: 0 };
  if (c.formats.rego) console.log(`OPA unit tests: ${line('tests', c.formats.rego)}`);
  console.log(`gator suites: ${line('cases', gator)}, all run in ${(ms / 1000).toFixed(1)} s (${cpuS.toFixed(1)} s of CPU)`);
  ok &&= gator.total > 0 && gator.agree / gator.total >= TARGET;
}

function kyverno() {
  const root = arg('kyverno-corpus', path.join(shared, 'kyverno-policies'));
  const TARGET = 0.98;
  if (!fs.existsSync(root)) {
    console.log(`conformance: skipped, no corpus at ${root}`);
    return;
  }
  const t0 = process.hrtime.bigint();
  const c = kyvernoConformance(root);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  for (const u of c.unreadable) console.log(`unreadable Kyverno test ${u.file}: ${u.message}`);
  for (const r of c.disagreeing) {
    const e = r.expected;
    console.log(`disagrees: ${r.file}:${e.line} ${e.policy}/${e.rule}/${e.resource}: expected ${e.result}; polcov: ${r.actual}${r.messages[0] ? ` (${r.messages[0].slice(0, 160)})` : ''}`);
  }
  const total = c.evaluated + c.counts['needs-cluster'] + c.counts.unsupported;
  console.log(`Kyverno CLI tests: ${c.agreeing}/${c.evaluated} results agree (${pct(c.agreeing, c.evaluated)} %; ${c.counts.excluded} of them rules without a response, which the Kyverno CLI passes), ${c.tests} tests run in ${(ms / 1000).toFixed(1)} s`);
  console.log(`  apart from the ${total} results: ${c.counts['needs-cluster']} need cluster data polcov does not have (not supplied, or supplied where polcov does not read it), ${c.counts.unsupported} use policy kinds or rule types polcov does not evaluate`);
  ok &&= c.unreadable.length === 0 && c.evaluated > 0 && c.agreeing / c.evaluated >= TARGET;
}

gatekeeper();
kyverno();
process.exit(ok ? 0 : 1);
