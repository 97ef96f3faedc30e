/**
 * `.polcov.yaml`: found from the scanned paths upwards to the repository root (or named with
 * --config), checked against the JSON Schema shipped in schema/, and turned into audit options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject } from 'ajv';
import { parseDocument } from '../yaml-lib';
import { UsageError, type AuditOptions } from '../audit';
import { displayPath, readLimited } from '../discover/walk';
import { repositoryRoot } from '../repo-root';
import { schemaValidator } from '../schema-validator';
import type { Severity } from '../facts';
import { RULES } from '../rules';
import { escapeGlob, fileGlob } from './glob';
import { CONFIG_NAMES } from './names';

export { CONFIG_NAMES, isConfigName } from './names';

export const CONFIG_SCHEMA_PATH = path.join(__dirname, '..', '..', 'schema', 'polcov-config.schema.json');

type RuleLevel = Severity | 'off';

const MAX_CONFIG_BYTES = 1024 * 1024;

export interface PolcovConfig {
  rules?: Record<string, RuleLevel>;
  ignore?: string[];
  sets?: string[];
  failOn?: Severity | 'never';
  kubernetesVersion?: string;
  gatekeeperVersion?: string;
  includeTests?: boolean;
  assumeEnforce?: boolean;
  failIfNoPolicies?: boolean;
}

export interface LoadedConfig {
  /** Display path of the file. */
  file: string;
  /** The path it was loaded from. */
  path: string;
  /** The folder `ignore` globs are relative to. */
  dir: string;
  config: PolcovConfig;
}

/**
 * The configuration of a scan, by one rule whatever the order of the paths: the nearest
 * `.polcov.yaml`/`.polcov.yml` in the deepest folder holding every scanned path or above it, up to
 * the root of its git repository (the folder with `.git`) and never above: a file outside the
 * repository is not the repository's to apply. Outside a repository the search stops at the current
 * folder (or, for paths outside it, at their common folder). "-" (stdin) stands for the current folder.
 */
export function findConfig(paths: string | readonly string[]): string | undefined {
  const list = typeof paths === 'string' ? [paths] : paths.length > 0 ? paths : ['.'];
  let dir = commonDir(list.map((p) => folderOf(p === '-' ? '.' : p)));
  const top = repositoryRoot(dir) ?? (isWithin(dir, process.cwd()) ? process.cwd() : dir);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(dir, name);
      if (stat(candidate)?.isFile()) return candidate;
    }
    const parent = path.dirname(dir);
    if (dir === top || parent === dir) return undefined;
    dir = parent;
  }
}

/** The folder itself, or the folder of a file (or of a path that does not exist). */
function folderOf(p: string): string {
  const abs = path.resolve(p);
  return isDir(abs) ? abs : path.dirname(abs);
}

function commonDir(dirs: string[]): string {
  return dirs.reduce((a, b) => {
    while (!isWithin(b, a)) a = path.dirname(a);
    return a;
  });
}

/** `p` is `dir` or below it. */
function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The `ignore` globs of a scan: the configured ones plus polcov's own files, which are never policies
 * and would only inflate the file count — configuration files at any depth, and `ownFiles` (the
 * configuration file in use, whatever its name, and the baseline). `root` is the folder the configured
 * globs are relative to (the configuration file's; default: the current folder).
 */
export function ignoreGlobs(configured: readonly string[] | undefined, ownFiles: readonly (string | undefined)[], root: string = process.cwd()): string[] {
  const own = ownFiles.filter((f): f is string => Boolean(f)).map((f) => fileGlob(f, root));
  return [...(configured ?? []), ...CONFIG_NAMES.map(escapeGlob), ...own];
}

/**
 * The audit options a configuration adds to the caller's (which win): what `polcov scan` applies.
 * `ownFiles` are files of the run that sit among the policies but are none (a baseline).
 * Library callers: `audit(applyConfig({ paths }, loadConfig(findConfig(paths))))`.
 */
export function applyConfig(options: AuditOptions, loaded: LoadedConfig | undefined, ownFiles: readonly (string | undefined)[] = []): AuditOptions {
  const c = loaded?.config ?? {};
  const kubernetesVersion = options.kubernetesVersion ?? c.kubernetesVersion;
  const gatekeeperVersion = options.gatekeeperVersion ?? c.gatekeeperVersion;
  return {
    ...options,
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
    ...(gatekeeperVersion ? { gatekeeperVersion } : {}),
    ...(options.ruleLevels ?? c.rules ? { ruleLevels: options.ruleLevels ?? c.rules } : {}),
    ...(loaded ? { ignoreRoot: options.ignoreRoot ?? loaded.dir } : {}),
    // The configuration file sits among the policies but is never a policy itself.
    ignore: [...(options.ignore ?? []), ...ignoreGlobs(c.ignore, [loaded?.path, ...ownFiles], loaded?.dir)],
    ...(options.sets ?? c.sets ? { sets: options.sets ?? c.sets } : {}),
    ...((options.includeTests ?? c.includeTests) ? { includeTests: true } : {}),
    ...((options.assumeEnforce ?? c.assumeEnforce) ? { assumeEnforce: true } : {}),
  };
}

function isDir(p: string): boolean {
  return stat(p)?.isDirectory() ?? false;
}

/** A path that cannot be examined (too long, no permission) holds no configuration; the scan reports it. */
function stat(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The options the configuration schema is compiled with (at build time too). */
export const CONFIG_AJV_OPTIONS = { verbose: true } as const;

function validate(data: unknown): ErrorObject | undefined {
  const validator = schemaValidator('polcov-config', CONFIG_SCHEMA_PATH, CONFIG_AJV_OPTIONS);
  return validator(data) ? undefined : validator.errors?.[0];
}

/** Reads and checks a config file; every problem is a UsageError that names the file and the key. */
export function loadConfig(file: string): LoadedConfig {
  const shown = displayPath(path.resolve(file));
  const fail = (msg: string): never => {
    throw new UsageError(`${shown}: ${msg}`);
  };
  let text = '';
  try {
    // Read no further than the limit: --config /dev/zero must fail, not fill memory.
    const buf = readLimited(file, MAX_CONFIG_BYTES);
    if (buf.length > MAX_CONFIG_BYTES) fail(`over the ${MAX_CONFIG_BYTES}-byte limit for a configuration file`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    fail(`cannot read: ${(e as Error).message}`);
  }
  const doc = parseDocument(text);
  const parseError = doc.errors[0];
  if (parseError) {
    // The yaml library appends " at line L, column C:" and a code excerpt; one line is enough.
    const message = parseError.code === 'MULTIPLE_DOCS' ? 'must hold one YAML document' : parseError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
    const at = parseError.linePos?.[0];
    throw new UsageError(`${shown}${at ? `:${at.line}:${at.col}` : ''}: ${message}`);
  }
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (e) {
    // An alias to an anchor that is not defined.
    fail((e as Error).message);
  }
  const error = validate(data);
  if (error) fail(describe(error));
  const config = data as PolcovConfig;
  const known = new Set(RULES.map((r) => r.meta.id));
  for (const id of Object.keys(config.rules ?? {})) {
    if (!known.has(id)) fail(`rules.${id} is not a polcov rule (\`polcov rules\` lists them)`);
  }
  return { file: shown, path: file, dir: path.dirname(path.resolve(file)), config };
}

const TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string' };

function describe(e: ErrorObject): string {
  const at = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  const where = at || 'the configuration';
  switch (e.keyword) {
    case 'enum':
      return `${where} must be one of ${(e.params as { allowedValues: string[] }).allowedValues.join(', ')}`;
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const expected = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).filter((k) => k !== '$schema');
      return `${at ? `${at}.` : ''}${key} is not a known key (expected ${expected.join(', ')})`;
    }
    case 'type':
      return `${where} must be ${TYPE_NAMES[(e.params as { type: string }).type] ?? (e.params as { type: string }).type}`;
    case 'pattern':
      return `${where} ${JSON.stringify(e.data)} is not valid: ${(e.parentSchema as { description?: string }).description ?? e.message}`;
    default:
      return `${where} ${e.message ?? 'is not valid'}`;
  }
}
