#!/usr/bin/env node
/**
 * Compiles the policy schemas (schema/policies/) into standalone validators in dist/schema-validators/,
 * with the options src/engines/schema-check.ts uses, so that a scan loads neither ajv nor its compiler.
 * Part of `npm run build`.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv').default;
const standalone = require('ajv/dist/standalone').default;

const root = path.join(__dirname, '..');
const { SCHEMA_DIR, AJV_OPTIONS, VALIDATORS_DIR } = require(path.join(root, 'dist', 'engines', 'schema-check'));
fs.rmSync(VALIDATORS_DIR, { recursive: true, force: true });
fs.mkdirSync(VALIDATORS_DIR, { recursive: true });
for (const file of fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))) {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')));
  fs.writeFileSync(path.join(VALIDATORS_DIR, file.replace(/\.schema\.json$/, '.js')), standalone(ajv, validate));
}
