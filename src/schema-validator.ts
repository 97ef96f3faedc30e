/**
 * JSON Schema validators (ajv): compiled at build time into standalone code (scripts/compile-schemas.js)
 * so that a scan loads neither ajv nor its compiler; run from the sources, compiled at first use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as AjvModule from 'ajv';
import type { Options, ValidateFunction } from 'ajv';

/** Where the build writes the standalone validators, one `<name>.js` each. */
export const VALIDATORS_DIR = path.join(__dirname, 'schema-validators');

const compiled = new Map<string, ValidateFunction>();

/** The validator of `schemaFile` named `name`: the one compiled at build time, else compiled now with `options`. */
export function schemaValidator(name: string, schemaFile: string, options: Options): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const built = path.join(VALIDATORS_DIR, `${name}.js`);
    v = fs.existsSync(built)
      ? (require(built) as ValidateFunction)
      : new (require('ajv') as typeof AjvModule).default(options).compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);
    compiled.set(name, v);
  }
  return v;
}
