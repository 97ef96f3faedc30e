#!/usr/bin/env node
/**
 * Benchmarks, one function per section (SECTIONS at the end; `--only a,b` runs some of them):
 *
 * - synthetic: a synthetic policy repository (policy files mixed with ten times as many ordinary
 *   manifests) scanned in process, against a bare YAML parse of every file;
 * - rego: Rego lines parsed per second, and Gatekeeper templates analysed per second;
 * - shapes: hostile YAML and Rego shapes, which must scale linearly;
 * - single: a one-file scan (what a pre-commit hook pays) against `node -e 0`, in child processes;
 * - corpus: ../shared/corpus at 1, 4 and 16 copies: wall and CPU time and peak RSS of a scan (child
 *   processes), against the parse floor (`yaml` parse of every YAML file in one process).
 * - proof: ../shared/corpus scanned with and without `--prove` (one policy set per policy folder),
 *   alternately in child processes: what proof costs on top of a scan.
 * - kyvernoTests: the kyverno-policies corpus's Kyverno CLI tests, expected results judged per second;
 * - regoEval: the concrete Rego evaluator, templates compiled and evaluated per second;
 * - suiteCases: `polcov test` on the gatekeeper-library gator suites, suite cases per second.
 *
 *   npm run bench [-- --only corpus,single --policies 2000 --ratio 10 --runs 3 --templates 3000 --copies 1,4,16 --proof-runs 3]
 *
 * `--before <checkout>` adds another built polcov checkout (e.g. main) to the single, corpus and proof
 * sections, run alternately with this one: a before/after comparison on a busy machine.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseAllDocuments } = require('yaml');
const { audit } = require('../dist');
const { parseModule } = require('../dist/engines/rego');

function arg(name, dflt, parse = Number) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : parse(process.argv[i + 1]);
}
const POLICIES = arg('policies', 2000);
const TEMPLATES = arg('templates', 3000);
const RATIO = arg('ratio', 10);
const RUNS = arg('runs', 3);

const kyverno = (i) => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: policy-${i}
  annotations:
    policies.kyverno.io/title: Synthetic policy ${i}
spec:
  validationFailureAction: ${i % 5 === 0 ? 'Audit' : 'Enforce'}
  rules:
    - name: privileged-${i}
      match:
        any:
          - resources:
              kinds: [Pod]
              ${i % 7 === 0 ? 'operations: [CREATE]' : ''}
      validate:
        message: Privileged mode is not allowed.
        pattern:
          spec:
            ${i % 3 === 0 ? '' : '=(ephemeralContainers):\n              - =(securityContext):\n                  =(privileged): "false"'}
            =(initContainers):
              - =(securityContext):
                  =(privileged): "false"
            containers:
              - =(securityContext):
                  =(privileged): "false"
    - name: caps-${i}
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        foreach:
          - list: "request.object.spec.[ephemeralContainers, initContainers, containers][]"
            deny:
              conditions:
                all:
                  - key: "{{ element.securityContext.capabilities.add[] || \`[]\` }}"
                    operator: AnyNotIn
                    value: [NET_BIND_SERVICE]
`;

const psp = (i) => `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: psp-${i}
spec:
  privileged: false
  hostNetwork: ${i % 2 === 0}
  volumes: [configMap, secret, emptyDir]
  runAsUser:
    rule: MustRunAsNonRoot
`;

const manifest = (i) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  labels:
    app: app-${i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-${i}
  template:
    metadata:
      labels:
        app: app-${i}
    spec:
      containers:
        - name: app
          image: registry.example/app-${i}:1.${i % 50}
          ports:
            - containerPort: 8080
          securityContext:
            privileged: false
            runAsNonRoot: true
          resources:
            limits:
              memory: 128Mi
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-${i}
data:
  key: value-${i}
`;

function build() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-bench-'));
  let bytes = 0;
  const write = (rel, text) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    bytes += Buffer.byteLength(text);
  };
  for (let i = 0; i < POLICIES; i++) write(`policies/${i % 20}/p-${i}.yaml`, i % 10 === 9 ? psp(i) : kyverno(i));
  for (let i = 0; i < POLICIES * RATIO; i++) write(`tests/${i % 100}/resource-${i}.yaml`, manifest(i));
  return { dir, files: POLICIES * (1 + RATIO), bytes };
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
}

function bareParse(dir) {
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const f of walk(dir)) parseAllDocuments(fs.readFileSync(f, 'utf8'));
}

const best = (xs) => Math.min(...xs);

function synthetic() {
  const { dir, files, bytes } = build();
  try {
    const scans = [];
    const parses = [];
    let result;
    for (let r = 0; r < RUNS; r++) {
      const s = time(() => audit({ paths: [dir] }));
      scans.push(s.ms);
      result = s.out;
      parses.push(time(() => bareParse(dir)).ms);
    }
    const scanMs = best(scans);
    const parseMs = best(parses);
    const mb = bytes / 1024 / 1024;
    console.log(`synthetic repo: ${files} files (${POLICIES} policies, ${POLICIES * RATIO} other manifests), ${mb.toFixed(1)} MB`);
    console.log(`polcov scan:    ${scanMs.toFixed(0)} ms  (${((files / scanMs) * 1000).toFixed(0)} files/s, ${((mb / scanMs) * 1000).toFixed(1)} MB/s)`);
    console.log(`bare YAML parse of every file: ${parseMs.toFixed(0)} ms  (scan is ${(parseMs / scanMs).toFixed(1)}x faster)`);
    console.log(`findings: ${result.findings.length}, policies: ${result.policies.length}`);
    console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------- Rego

const LISTS = ['containers', 'initContainers', 'ephemeralContainers'];
const FIELDS = [
  ['privileged', 'c.securityContext.privileged'],
  ['escalation', 'c.securityContext.allowPrivilegeEscalation == true'],
  ['caps', 'c.securityContext.capabilities.add[_] == "SYS_ADMIN"'],
  ['hostprocess', 'object.get(c, ["securityContext", "windowsOptions", "hostProcess"], false) == true'],
];

const updateLib = `package lib.updates

is_update(review) {
    review.operation == "UPDATE"
}
`;

const exemptLib = `package lib.images

is_exempt(container) {
    exempt := object.get(object.get(input, "parameters", {}), "exemptImages", [])
    some i
    image_matches(container.image, exempt[i])
}

image_matches(image, pattern) {
    not endswith(pattern, "*")
    image == pattern
}

image_matches(image, pattern) {
    endswith(pattern, "*")
    startswith(image, trim_suffix(pattern, "*"))
}
`;

/** A template's Rego: a violation per checked field over a helper set of 2 or 3 container lists. */
function templateRego(i) {
  const lists = i % 3 === 0 ? LISTS.slice(0, 2) : LISTS;
  const [name, test] = FIELDS[i % FIELDS.length];
  const guard = i % 4 === 0 ? '    not is_update(input.review)\n' : '';
  const helpers = lists.map((l) => `pod_containers[c] {\n    c := input.review.object.spec.${l}[_]\n}\n`).join('\n');
  return `package synthetic${i}

import data.lib.updates.is_update
import data.lib.images.is_exempt

violation[{"msg": msg, "details": {"container": c.name}}] {
${guard}    c := pod_containers[_]
    not is_exempt(c)
    ${test}
    msg := sprintf("container %v violates ${name} (template ${i})", [c.name])
}

violation[{"msg": msg}] {
    input.review.object.spec.hostNetwork
    msg := "the pod must not use the host network"
}

${helpers}`;
}

const indent = (text, n) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');

function templateYaml(i, rego) {
  return `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: synthetic${i}
spec:
  crd:
    spec:
      names:
        kind: Synthetic${i}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
${indent(rego, 8)}
      libs:
        - |
${indent(updateLib, 10)}
        - |
${indent(exemptLib, 10)}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: Synthetic${i}
metadata:
  name: synthetic-${i}
spec:
  enforcementAction: ${i % 5 === 0 ? 'dryrun' : 'deny'}
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
  parameters:
    exemptImages: ["registry.example/debug-${i}/*"]
`;
}

function rego() {
  const gkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-bench-rego-'));
  try {
    const sources = [];
    for (let i = 0; i < TEMPLATES; i++) {
      const rego = templateRego(i);
      sources.push(rego, updateLib, exemptLib);
      fs.mkdirSync(path.join(gkDir, String(i % 30)), { recursive: true });
      fs.writeFileSync(path.join(gkDir, String(i % 30), `template-${i}.yaml`), templateYaml(i, rego));
    }
    const lines = sources.reduce((n, s) => n + s.split('\n').length, 0);
    const parseRuns = [];
    const scanRuns = [];
    let gkResult;
    for (let r = 0; r < RUNS; r++) {
      parseRuns.push(time(() => sources.forEach((s) => parseModule(s))).ms);
      const s = time(() => audit({ paths: [gkDir] }));
      scanRuns.push(s.ms);
      gkResult = s.out;
    }
    const regoParseMs = best(parseRuns);
    const gkScanMs = best(scanRuns);
    console.log(`rego parse:     ${lines} lines in ${regoParseMs.toFixed(0)} ms  (${((lines / regoParseMs) * 1000).toFixed(0)} lines/s)`);
    console.log(`gatekeeper:     ${TEMPLATES} templates (+2 libs and a constraint each) in ${gkScanMs.toFixed(0)} ms  (${((TEMPLATES / gkScanMs) * 1000).toFixed(0)} templates/s, whole pipeline)`);
    console.log(`gatekeeper findings: ${gkResult.findings.length}, policies: ${gkResult.policies.length}`);
  } finally {
    fs.rmSync(gkDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------- hostile YAML shapes
// Each must scale linearly (issue 14): many documents in one file, many keys in one mapping.

function shapes() {
  const yamlShapes = [
    {
      name: '20,000 documents in one file',
      text: Array.from({ length: 20000 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`).join('---\n') + '# kyverno.io\n',
    },
    {
      name: '80,000 keys in one mapping',
      text: `apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: wide\n  annotations:\n${Array.from({ length: 80000 }, (_, i) => `    k${i}: v`).join('\n')}\nspec:\n  rules: []\n`,
    },
  ];
  for (const shape of yamlShapes) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(time(() => audit({ paths: ['-'], stdin: shape.text })).ms);
    console.log(`${shape.name.padEnd(31)} ${(Buffer.byteLength(shape.text) / 1024 / 1024).toFixed(1)} MB in ${best(runs).toFixed(0)} ms`);
  }

  // Hostile Rego shapes (issue 14): each must scale linearly with its size and end as one
  // policy-unanalyzable finding, not a hang. Timed at two sizes: the ratio should be about 2.
  const regoShapes = {
    'reference chain': (kb) => `package refs\ndeny[msg] {\n  input.review.object${'.a'.repeat(kb * 512)}\n  msg := "x"\n}\n`,
    'variable chain': (kb) => {
      const n = Math.floor((kb * 1024) / 20);
      const steps = Array.from({ length: n }, (_, i) => `  x${i + 1} := x${i}.a\n`).join('');
      return `package vars\ndeny[msg] {\n  x0 := input.review.object\n${steps}  x${n}\n  msg := "x"\n}\n`;
    },
  };
  for (const [name, shape] of Object.entries(regoShapes)) {
    const ms = [100, 200].map((kb) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-bench-shape-'));
      try {
        fs.writeFileSync(path.join(dir, 'shape.rego'), shape(kb));
        return best(Array.from({ length: RUNS }, () => time(() => audit({ paths: [dir] })).ms));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    console.log(`rego ${name}: 100 KB in ${ms[0].toFixed(0)} ms, 200 KB in ${ms[1].toFixed(0)} ms (x${(ms[1] / ms[0]).toFixed(1)})`);
  }
}

// ------------------------------------------------------------------- child processes: CPU and memory

const USAGE_PRELOAD = path.join(__dirname, 'bench-usage.js');
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');
const BEFORE = arg('before', undefined, (v) => path.join(path.resolve(v), 'dist', 'cli.js'));
/** The builds measured: this one, and the one given with --before. */
const BUILDS = [{ name: 'polcov', cli: CLI }, ...(BEFORE ? [{ name: 'before', cli: BEFORE }] : [])];
const PARSE_FLOOR = path.join(__dirname, 'bench-parse-floor.js');

/** Runs `node args…` in a child process: wall time (s), CPU time (s, user + system) and peak RSS (MiB). */
function measure(args) {
  const out = path.join(os.tmpdir(), `polcov-bench-usage-${process.pid}.json`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', USAGE_PRELOAD, ...args], { env: { ...process.env, POLCOV_BENCH_USAGE: out }, stdio: 'ignore' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(' ')} exited with ${r.status}`);
  const usage = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  return { wall, ...usage };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Alternating runs of several commands (a b c a b c …), so that a machine shared with other work
 * slows each about equally; each command's median wall and CPU time, and its highest peak RSS.
 */
function paired(commands, runs) {
  const samples = commands.map(() => []);
  for (let r = 0; r < runs; r++) commands.forEach((args, k) => samples[k].push(measure(args)));
  return samples.map((s) => ({ wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)), rss: Math.max(...s.map((x) => x.rss)) }));
}

const fmt = (m) => `wall ${m.wall.toFixed(2)} s, CPU ${m.cpu.toFixed(2)} s, peak RSS ${m.rss.toFixed(0)} MiB`;

/**
 * A one-file scan against bare `node -e 0`: the start-up cost a pre-commit hook pays, without and with
 * a `.polcov.yaml` beside the file (a repository that configures polcov has one).
 */
function single() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-bench-single-'));
  try {
    const file = path.join(dir, 'policy.yaml');
    const configured = path.join(dir, 'configured', 'policy.yaml');
    fs.mkdirSync(path.dirname(configured));
    for (const f of [file, configured]) fs.writeFileSync(f, kyverno(1));
    fs.writeFileSync(path.join(dir, 'configured', '.polcov.yaml'), 'rules:\n  enforcement-not-blocking: note\n');
    const runs = BUILDS.flatMap((b) => [[b.cli, 'scan', file], [b.cli, 'scan', configured]]);
    const [bare, ...scans] = paired([['-e', '0'], ...runs], arg('single-runs', 15));
    console.log(`single file:    node -e 0: ${fmt(bare)}`);
    BUILDS.forEach((b, i) => {
      for (const [k, what] of [[2 * i, 'scan'], [2 * i + 1, 'scan with .polcov.yaml']]) {
        console.log(`                ${b.name} ${what}: ${fmt(scans[k])}`);
        console.log(`                ${b.name} ratio: wall ${(scans[k].wall / bare.wall).toFixed(2)}x, CPU ${(scans[k].cpu / bare.cpu).toFixed(2)}x (goal: at most 2.5x)`);
      }
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CORPUS = path.join(__dirname, '..', '..', 'shared', 'corpus');

/** `copies` copies of the corpus in a temp folder, hard-linked where the file system allows it. */
function corpusCopies(copies) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-bench-corpus-'));
  const copy = (from, to) => {
    fs.mkdirSync(to, { recursive: true });
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const [a, b] = [path.join(from, e.name), path.join(to, e.name)];
      if (e.isDirectory()) copy(a, b);
      else if (e.isFile()) {
        try {
          fs.linkSync(a, b);
        } catch {
          fs.copyFileSync(a, b);
        }
      }
    }
  };
  for (let i = 0; i < copies; i++) copy(CORPUS, path.join(dir, `copy-${i}`));
  return dir;
}

/** The corpus at several sizes: scan against the parse floor, and how time grows with the copies. */
function corpus() {
  if (!fs.existsSync(CORPUS)) {
    console.log(`corpus: ${path.relative(process.cwd(), CORPUS)} is absent: corpus section skipped`);
    return;
  }
  const sizes = arg('copies', [1, 4, 16], (v) => v.split(',').map(Number));
  const scans = new Map();
  for (const copies of sizes) {
    const dir = corpusCopies(copies);
    try {
      const runs = arg('corpus-runs', copies >= 16 ? 1 : 3);
      const [floor, ...measured] = paired([[PARSE_FLOOR, dir], ...BUILDS.map((b) => [b.cli, 'scan', dir, '--fail-on', 'never'])], runs);
      scans.set(copies, measured[0]);
      console.log(`corpus x${String(copies).padEnd(3)} parse floor: ${fmt(floor)}`);
      BUILDS.forEach((b, i) => {
        console.log(`            ${b.name} scan: ${fmt(measured[i])}`);
        console.log(`            ${b.name} scan / parse floor: wall ${(measured[i].wall / floor.wall).toFixed(2)}, CPU ${(measured[i].cpu / floor.cpu).toFixed(2)} (goal: at most 0.5)`);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const one = scans.get(1);
  for (const [copies, scan] of scans) {
    if (copies === 1 || !one) continue;
    console.log(`corpus x${copies} / x1: wall ${(scan.wall / one.wall).toFixed(1)}, CPU ${(scan.cpu / one.cpu).toFixed(1)} (linear: at most ${copies + 1})`);
  }
}

// ------------------------------------------------------------------------ proof (issue 13)

/** A library is not one cluster: one policy set per policy folder of each corpus library. */
const CORPUS_SETS = ['**/kyverno-policies/*/*', '**/gatekeeper-library/library/*/*', '**/gatekeeper-library/artifacthub/library/*/*/*', '**/gatekeeper-library/src/*/*'];

/** The corpus scanned with and without `--prove` (alternately, one set per policy folder): what proof costs. */
function proof() {
  if (!fs.existsSync(CORPUS)) {
    console.log(`proof: ${path.relative(process.cwd(), CORPUS)} is absent: proof section skipped`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-bench-proof-'));
  try {
    const config = path.join(dir, 'polcov.yaml');
    fs.writeFileSync(config, `sets:\n${CORPUS_SETS.map((g) => `  - "${g}"\n`).join('')}`);
    const scan = (cli) => [cli, 'scan', CORPUS, '--config', config, '--format', 'json', '--fail-on', 'never'];
    const commands = BUILDS.flatMap((b) => [scan(b.cli), [...scan(b.cli), '--prove']]);
    const measured = paired(commands, arg('proof-runs', 3));
    BUILDS.forEach((b, i) => {
      const [plain, proved] = measured.slice(2 * i, 2 * i + 2);
      console.log(`proof: ${b.name} scan:          ${fmt(plain)}`);
      console.log(`       ${b.name} scan --prove:  ${fmt(proved)}`);
      console.log(`       ${b.name} --prove / scan: wall ${(proved.wall / plain.wall).toFixed(2)}x, CPU ${(proved.cpu / plain.cpu).toFixed(2)}x (goal: at most 3x)`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ Kyverno CLI tests (issue 12)

/** Every kyverno-test.yaml of the kyverno/policies corpus: expected results judged per second. */
function benchKyvernoTests() {
  const { kyvernoConformance } = require('../dist/testing/kyverno-conformance');
  const corpus = path.join(__dirname, '..', '..', 'shared', 'corpus', 'kyverno-policies');
  if (!fs.existsSync(corpus)) {
    console.log(`kyverno tests: skipped, no corpus at ${corpus}`);
    return;
  }
  const { ms, out } = time(() => kyvernoConformance(corpus));
  const results = out.evaluated + out.counts['needs-cluster'] + out.counts.unsupported;
  console.log(`kyverno tests:  ${out.tests} tests, ${results} results in ${ms.toFixed(0)} ms  (${((results / ms) * 1000).toFixed(0)} results/s)`);
}

// ------------------------------------------------------------------------- Rego evaluation

/** The concrete Rego evaluator: synthetic templates compiled, then evaluated on a Pod CREATE and a kubectl debug UPDATE. */
function benchRegoEval() {
  const { compileRego, evalQuery } = require('../dist/eval/rego');
  const { podCreate, debugUpdate } = require('../dist/admission');
  const n = Math.min(TEMPLATES, 500);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] } };
  const debug = { name: 'debugger', image: 'busybox', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } };
  const inputs = [podCreate(pod), debugUpdate(pod, debug)].map((review) => ({ review, parameters: { exemptImages: ['registry.example/*'] } }));
  const modules = (i) => [templateRego(i), updateLib, exemptLib].map((text, j) => ({ file: `t${i}-${j}.rego`, text }));
  const compiled = time(() => Array.from({ length: n }, (_, i) => compileRego(modules(i)).program));
  const evalRuns = [];
  let violations = 0;
  for (let r = 0; r < RUNS; r++) {
    evalRuns.push(
      time(() => {
        violations = 0;
        compiled.out.forEach((program, i) => {
          for (const input of inputs) violations += evalQuery(program, `data.synthetic${i}.violation`, { input }).value.length;
        });
      }).ms,
    );
  }
  const evalMs = best(evalRuns);
  const count = n * inputs.length;
  console.log(`rego compile:   ${n} templates (+2 libs each) in ${compiled.ms.toFixed(0)} ms  (${((n / compiled.ms) * 1000).toFixed(0)} templates/s)`);
  console.log(`rego eval:      ${count} evaluations in ${evalMs.toFixed(0)} ms  (${((count / evalMs) * 1000).toFixed(0)} evaluations/s, ${violations} violations)`);
}


// ------------------------------------------------------------------------ suite cases per second

/** `polcov test` on every gator suite of the gatekeeper-library corpus: suite cases per second. */
function benchSuiteCases() {
  const { runTests } = require('../dist/testing/run');
  const corpus = path.join(__dirname, '..', '..', 'shared', 'corpus', 'gatekeeper-library');
  if (!fs.existsSync(corpus)) {
    console.log(`suite cases: skipped, no corpus at ${corpus}`);
    return;
  }
  const paths = ['library', 'artifacthub'].map((d) => path.join(corpus, d));
  // One run: later runs in the same process find the sample files already parsed.
  const cpu = process.cpuUsage();
  const { ms, out } = time(() => runTests({ paths }));
  const cpuMs = Object.values(process.cpuUsage(cpu)).reduce((a, b) => a + b, 0) / 1000;
  const { suites, cases } = out.totals;
  console.log(`polcov test:    ${suites} gator suites, ${cases} cases in ${ms.toFixed(0)} ms, ${cpuMs.toFixed(0)} ms of CPU  (${((cases / ms) * 1000).toFixed(0)} suite cases/s)`);
}

// ------------------------------------------------------------------------------------ sections

const SECTIONS = { synthetic, rego, shapes, single, corpus, proof, kyvernoTests: benchKyvernoTests, regoEval: benchRegoEval, suiteCases: benchSuiteCases };
const only = arg('only', Object.keys(SECTIONS), (v) => v.split(','));
for (const name of only) {
  if (!SECTIONS[name]) throw new Error(`no bench section "${name}" (sections: ${Object.keys(SECTIONS).join(', ')})`);
  SECTIONS[name]();
}
