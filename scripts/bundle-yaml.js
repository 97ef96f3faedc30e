#!/usr/bin/env node
/**
 * Bundles the `yaml` library into one file, dist/vendor/yaml.js, which src/yaml-lib.ts loads in its
 * place: Node loads yaml's 80 modules one by one (a stat, a read and a compile each), which cost a
 * one-file scan about 45 ms of its 0.25 s; one file costs about 10. The bundle is yaml's own code,
 * unchanged, with its licence at the top. Part of `npm run build`.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { buildSync } = require('esbuild');

const root = path.join(__dirname, '..');
const { YAML_BUNDLE } = require(path.join(root, 'dist', 'yaml-lib'));
const pkg = path.dirname(require.resolve('yaml/package.json'));
const { version } = require('yaml/package.json');
const licence = fs.readFileSync(path.join(pkg, 'LICENSE'), 'utf8').trim();

buildSync({
  entryPoints: [require.resolve('yaml')],
  outfile: YAML_BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: `/*! yaml ${version}, bundled into one file by polcov's build.\n${licence}\n*/` },
});
