/** The package version, read once from package.json, and the project's home. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** The project's home page: SARIF's informationUri and the base of every rule's help link. */
export const HOMEPAGE = 'https://github.com/polcov/polcov';
