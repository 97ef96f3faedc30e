/**
 * The policy and configuration schemas' validators are compiled at build time (scripts/compile-schemas.js, ajv
 * standalone code); run from the sources, ajv compiles them at first use. Both must judge a document
 * alike, with the same errors (schema-check.ts turns them into findings at the offending key).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type Options, type ValidateFunction } from 'ajv';
import standalone from 'ajv/dist/standalone';
import { CONFIG_AJV_OPTIONS, CONFIG_SCHEMA_PATH } from '../../src/config/load';
import { AJV_OPTIONS, SCHEMA_DIR } from '../../src/engines/schema-check';

function standaloneValidator(schema: object, options: Options = AJV_OPTIONS): ValidateFunction {
  const ajv = new Ajv({ ...options, code: { source: true } });
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', standalone(ajv, ajv.compile(schema)))(module, module.exports, require);
  return module.exports as ValidateFunction;
}

// Documents a schema accepts or rejects in different ways: wrong types, unknown and missing keys.
const DOCUMENTS: unknown[] = [
  {},
  { spec: 'not a map' },
  { spec: {} },
  { spec: { rules: [{ name: 'r', validat: { pattern: {} } }] } },
  { spec: { rules: [{ name: 'r', validate: { pattern: { spec: {} } } }], validationFailureAction: 7 } },
  { spec: { crd: { spec: { names: { kind: 'K' } } }, targets: [{ target: 'admission.k8s.gatekeeper.sh', rego: 1 }] } },
  { spec: { matchConstraints: { resourceRules: [{ operations: 'CREATE' }] }, validations: [{ expresion: 'true' }] } },
  { spec: { privileged: 'yes', runAsUser: { rule: 'RunAsAny' }, unknownField: true } },
  { defaults: { enforce: 'restricted' }, exemptions: { usernames: 'x' } },
];

const schemas = fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'));

describe('precompiled policy schema validators', () => {
  test('there are schemas to compile', () => {
    expect(schemas.length).toBeGreaterThan(5);
  });

  it.each(schemas)('%s: the standalone validator judges every document as ajv does', (file) => {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as object;
    const compiled = new Ajv(AJV_OPTIONS).compile(schema);
    const built = standaloneValidator(schema);
    let rejected = 0;
    for (const doc of DOCUMENTS) {
      const verdict = compiled(doc);
      expect(built(doc)).toBe(verdict);
      expect(built.errors ?? null).toEqual(compiled.errors ?? null);
      if (!verdict) rejected++;
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('precompiled configuration schema validator', () => {
  it('judges configurations as ajv does, with the first error the loader reports', () => {
    const schema = JSON.parse(fs.readFileSync(CONFIG_SCHEMA_PATH, 'utf8')) as object;
    const compiled = new Ajv(CONFIG_AJV_OPTIONS).compile(schema);
    const built = standaloneValidator(schema, CONFIG_AJV_OPTIONS);
    const configs: unknown[] = [{}, { sets: ['a/*'] }, { sets: 3 }, { rules: { 'hostprocess-unchecked': 'off' } }, { rules: { x: 7 } }, { unknown: true }, 'text'];
    const verdicts = configs.map((c) => {
      const verdict = compiled(c);
      expect(built(c)).toBe(verdict);
      expect(built.errors?.[0] ?? null).toEqual(compiled.errors?.[0] ?? null);
      return verdict;
    });
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });
});
