#!/usr/bin/env node
/**
 * Benchmark: builds a synthetic policy repository in a temp folder (policy files mixed with ten
 * times as many ordinary manifests, as in real policy repos full of test resources), scans it,
 * and compares with the time a bare YAML parse of every file takes.
 *
 *   npm run bench [-- --policies 2000 --ratio 10 --runs 3]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseAllDocuments } = require('yaml');
const { audit } = require('../dist');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
}
const POLICIES = arg('policies', 2000);
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
