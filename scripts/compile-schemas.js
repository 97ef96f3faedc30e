#!/usr/bin/env node
/**
 * Compiles the policy schemas (schema/policies/) and the configuration schema into standalone
 * validators in dist/schema-validators/, with the options their users (src/engines/schema-check.ts,
 * src/config/load.ts) compile them with, so that a scan loads neither ajv nor its compiler.
 * Part of `npm run build`.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv').default;
const standalone = require('ajv/dist/standalone').default;

const root = path.join(__dirname, '..');
const { SCHEMA_DIR, AJV_OPTIONS } = require(path.join(root, 'dist', 'engines', 'schema-check'));
const { CONFIG_SCHEMA_PATH, CONFIG_AJV_OPTIONS } = require(path.join(root, 'dist', 'config', 'load'));
const { VALIDATORS_DIR } = require(path.join(root, 'dist', 'schema-validator'));

function compile(name, schemaFile, options) {
  const ajv = new Ajv({ ...options, code: { source: true } });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
  fs.writeFileSync(path.join(VALIDATORS_DIR, `${name}.js`), standalone(ajv, validate));
}

fs.rmSync(VALIDATORS_DIR, { recursive: true, force: true });
fs.mkdirSync(VALIDATORS_DIR, { recursive: true });
for (const file of fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))) {
  compile(file.replace(/\.schema\.json$/, ''), path.join(SCHEMA_DIR, file), AJV_OPTIONS);
}
compile('polcov-config', CONFIG_SCHEMA_PATH, CONFIG_AJV_OPTIONS);
