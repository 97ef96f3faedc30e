/**
 * The parse floor bench.js compares scans with: every YAML file under a folder read and parsed with
 * `yaml`, in one process, doing nothing else.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseAllDocuments } = require('yaml');

const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() && /\.ya?ml$/i.test(e.name) ? [p] : [];
  });
for (const file of walk(process.argv[2])) parseAllDocuments(fs.readFileSync(file, 'utf8'));
