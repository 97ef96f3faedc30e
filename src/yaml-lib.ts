/**
 * The `yaml` library, as loaded at run time: the one-file bundle the build makes of it
 * (scripts/bundle-yaml.js) when it is there, yaml itself otherwise (tests run the sources). Both are
 * the same code, so types come from 'yaml'; node kinds are told apart by yaml's global symbols, so
 * nodes of either copy are recognised by the other.
 */
import * as path from 'node:path';
import type * as Yaml from 'yaml';

/** Where the build writes the bundle (beside this module's compiled file). */
export const YAML_BUNDLE = path.join(__dirname, 'vendor', 'yaml.js');

function load(): typeof Yaml {
  try {
    return require(YAML_BUNDLE) as typeof Yaml;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    return require('yaml') as typeof Yaml;
  }
}

const yaml = load();
export default yaml;
export const { isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseAllDocuments, parseDocument, Parser, visit } = yaml;
export type LineCounter = Yaml.LineCounter;
export type Parser = Yaml.Parser;
