/**
 * Kyverno `validate.pattern` on a resource, with every anchor: condition `(k)`, global `<(k)`,
 * equality `=(k)`, existence `^(k)`, negation `X(k)` (kyverno/pkg/engine/validate). The outcome
 * says pass, skip (a condition or global anchor did not hold), fail (with the path) or error.
 */
import { matchesScalar } from './scalar-pattern';
import { hasWildcard, isMap, wildcardMatch } from './values';

export type AnchorType = '' | '<' | 'X' | '+' | '=' | '^';

const ANCHOR = /^([+<=X^])?\((.+)\)$/;

export function parseAnchor(raw: string): { type: AnchorType; key: string } | undefined {
  const m = ANCHOR.exec(raw.trim());
  return m ? { type: (m[1] ?? '') as AnchorType, key: m[2]! } : undefined;
}

type Code = 'condition' | 'global' | 'negation';
const CODE_TEXT: Record<Code, string> = {
  condition: 'conditional anchor mismatch',
  global: 'global anchor mismatch',
  negation: 'negation anchor matched in resource',
};

/** An error on the walk: an anchor error (with its code) or any other, classified by its text as Kyverno does. */
class WalkError {
  constructor(
    readonly message: string,
    readonly code?: Code,
    /** Set on the skip errors a map or list gathers (Kyverno's PatternError). */
    readonly gathered = false,
  ) {}
  is(code: Code): boolean {
    return this.code ? this.code === code : this.message.includes(CODE_TEXT[code]);
  }
  get skips(): boolean {
    return this.is('condition') || this.is('global');
  }
}

const anchorError = (code: Code, msg: string): WalkError => new WalkError(`${CODE_TEXT[code]}: ${msg}`, code);

type Step = { path: string; error: WalkError } | undefined;

/** Tracks whether the anchored keys of the pattern were ever present in the resource. */
class AnchorSeen {
  private seen = new Map<string, boolean>();
  check(pattern: Record<string, unknown>, resource: unknown): void {
    for (const key of Object.keys(pattern)) {
      const a = parseAnchor(key);
      if (!a || !['', '^', 'X'].includes(a.type)) continue;
      if (this.seen.get(key)) continue;
      this.seen.set(key, hasKey(resource, a.key));
    }
  }
  keysMissing(): boolean {
    return [...this.seen].some(([k, v]) => !v && parseAnchor(k)?.type !== 'X');
  }
}

function hasKey(resource: unknown, key: string): boolean {
  if (isMap(resource)) return key in resource;
  if (Array.isArray(resource)) return resource.some((r) => hasKey(r, key));
  return false;
}

export type PatternOutcome =
  | { status: 'pass' }
  | { status: 'skip'; message: string }
  | { status: 'fail'; path: string; message: string }
  | { status: 'error'; message: string };

/** Kyverno's MatchPattern: the pattern tree against the resource from the root path `/`. */
export function matchPattern(resource: unknown, pattern: unknown): PatternOutcome {
  const seen = new AnchorSeen();
  const step = element(resource, pattern, '/', seen);
  if (!step) return { status: 'pass' };
  const { error, path } = step;
  if (error.skips) return { status: 'skip', message: error.message };
  if (error.is('negation')) return { status: 'fail', path, message: error.message };
  if (seen.keysMissing() || path === '') return { status: 'error', message: error.message };
  return { status: 'fail', path, message: error.message };
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const fmtValue = (v: unknown): string => (v === null || v === undefined ? '<nil>' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function element(resource: unknown, pattern: unknown, path: string, seen: AnchorSeen): Step {
  if (isMap(pattern)) {
    if (!isMap(resource)) {
      return { path, error: new WalkError(`pattern and resource have different structures. Path: ${path}. Expected ${typeName(pattern)}, found ${typeName(resource)}`) };
    }
    seen.check(pattern, resource);
    return map(resource, pattern, path, seen);
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(resource)) {
      return { path, error: new WalkError(`validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern`) };
    }
    return array(resource, pattern, path, seen);
  }
  const values = Array.isArray(resource) ? resource : [resource];
  if (values.every((v) => matchesScalar(v, pattern))) return undefined;
  return { path, error: new WalkError(`resource value '${fmtValue(resource)}' does not match '${fmtValue(pattern)}' at path ${path}`) };
}

function map(resource: Record<string, unknown>, rawPattern: Record<string, unknown>, path: string, seen: AnchorSeen): Step {
  const pattern = expandMetadataWildcards(rawPattern, resource);
  const anchored = Object.keys(pattern).filter((k) => isValidationAnchor(k)).sort();
  const plain = Object.keys(pattern).filter((k) => !isValidationAnchor(k));
  const skipErrors: WalkError[] = [];
  let applied = 0;
  const directSkip = (): boolean => skipErrors.some((e) => !e.gathered);
  for (const key of anchored) {
    const step = handle(key, pattern[key], resource, path, seen);
    if (step) {
      if (step.error.skips) {
        skipErrors.push(step.error);
        continue;
      }
      if (!directSkip()) return step;
      continue;
    }
    applied++;
  }
  if (skipErrors.length > 0 && (applied === 0 || directSkip())) {
    return { path, error: new WalkError(skipErrors.map((e) => e.message).join('; '), undefined, true) };
  }
  for (const key of orderPlainKeys(plain, pattern)) {
    const step = handle(key, pattern[key], resource, path, seen);
    if (step) return step;
  }
  return undefined;
}

/** `+(k)` only mutates; every other anchor is evaluated before plain keys. */
function isValidationAnchor(key: string): boolean {
  const a = parseAnchor(key);
  return a !== undefined && a.type !== '+';
}

/** Plain keys in name order, those holding anchors further down first (Kyverno evaluates them first). */
function orderPlainKeys(keys: string[], pattern: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of [...keys].sort()) {
    if (parseAnchor(k)?.type === '<' || hasNestedAnchors(pattern[k])) out.unshift(k);
    else out.push(k);
  }
  return out;
}

function hasNestedAnchors(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNestedAnchors);
  if (!isMap(v)) return false;
  return Object.keys(v).some((k) => isValidationAnchor(k)) || Object.values(v).some(hasNestedAnchors);
}

function handle(key: string, pattern: unknown, resource: Record<string, unknown>, path: string, seen: AnchorSeen): Step {
  const a = parseAnchor(key);
  const name = a && a.type !== '+' ? a.key : key;
  const at = `${path}${name}/`;
  const present = name in resource;
  const value = resource[name];
  switch (a && a.type !== '+' ? a.type : undefined) {
    case 'X':
      return present ? { path: at, error: anchorError('negation', `${at} is not allowed`) } : undefined;
    case '=':
      return present ? element(value, pattern, at, seen) : undefined;
    case '': {
      if (!present) return { path: at, error: anchorError('condition', "conditional anchor key doesn't exist in the resource") };
      const step = element(value, pattern, at, seen);
      return step && { path: step.path, error: anchorError('condition', step.error.message) };
    }
    case '<': {
      if (!present) return undefined;
      const step = element(value, pattern, at, seen);
      return step && { path: step.path, error: anchorError('global', step.error.message) };
    }
    case '^':
      return present ? existence(value, pattern, at, seen) : undefined;
    default:
      if (pattern === '*') return value !== null && value !== undefined ? undefined : { path, error: new WalkError(`${path}/${key} not found`) };
      return element(value, pattern, at, seen);
  }
}

/** `^(list)`: each pattern element must match at least one element of the list. */
function existence(value: unknown, pattern: unknown, at: string, seen: AnchorSeen): Step {
  if (!Array.isArray(value)) return { path: at, error: new WalkError(`invalid resource type ${typeName(value)}: Existence ^ () anchor can be used only on list/array type resource`) };
  if (!Array.isArray(pattern)) return { path: at, error: new WalkError('invalid pattern type: Pattern has to be of list to compare against resource') };
  for (const p of pattern) {
    if (!isMap(p)) return { path: at, error: new WalkError('invalid pattern type: Pattern has to be of type map to compare against items in resource') };
    if (!value.some((r, i) => element(r, p, `${at}${i}/`, seen) === undefined)) {
      return { path: at, error: new WalkError(`existence anchor validation failed at path ${at}`) };
    }
  }
  return undefined;
}

function array(resource: unknown[], pattern: unknown[], path: string, seen: AnchorSeen): Step {
  if (pattern.length === 0) return { path, error: new WalkError('pattern Array empty') };
  const first = pattern[0];
  if (isMap(first)) return eachElement(resource.map((r, i) => [r, first, i] as const), path, seen);
  if (!Array.isArray(first)) return element(resource, first, path, seen);
  if (resource.length < pattern.length) {
    return { path: '', error: new WalkError(`validate Array failed, array length mismatch, resource Array len is ${resource.length} and pattern Array len is ${pattern.length}`) };
  }
  return eachElement(pattern.map((p, i) => [resource[i], p, i] as const), path, seen);
}

/** Every element must match; elements a conditional anchor skips do not count, and all skipped is a skip. */
function eachElement(pairs: (readonly [unknown, unknown, number])[], path: string, seen: AnchorSeen): Step {
  let applied = 0;
  const skipped: WalkError[] = [];
  for (const [r, p, i] of pairs) {
    const step = element(r, p, `${path}${i}/`, seen);
    if (!step) {
      applied++;
      continue;
    }
    if (step.error.skips) skipped.push(step.error);
    else return step;
  }
  if (applied === 0 && skipped.length > 0) return { path, error: new WalkError(skipped.map((e) => e.message).join('; '), undefined, true) };
  return undefined;
}

/**
 * Wildcard keys under `metadata.labels` / `metadata.annotations` in the pattern stand for the
 * resource's matching keys (Kyverno's ExpandInMetadata).
 */
function expandMetadataWildcards(pattern: Record<string, unknown>, resource: Record<string, unknown>): Record<string, unknown> {
  const metaKey = Object.keys(pattern).find((k) => k === 'metadata' || parseAnchor(k)?.key === 'metadata');
  const meta = metaKey ? pattern[metaKey] : undefined;
  const resourceMeta = resource.metadata;
  if (!metaKey || !isMap(meta) || !isMap(resourceMeta)) return pattern;
  const expanded: Record<string, unknown> = { ...meta };
  for (const tag of ['labels', 'annotations']) {
    const tagKey = Object.keys(meta).find((k) => k === tag || parseAnchor(k)?.key === tag);
    const patternTags = tagKey ? meta[tagKey] : undefined;
    const resourceTagKey = Object.keys(resourceMeta).find((k) => k === tag);
    const resourceTags = resourceTagKey ? resourceMeta[resourceTagKey] : undefined;
    if (!tagKey || !isMap(patternTags) || !isMap(resourceTags)) continue;
    const names = Object.keys(resourceTags).filter((k) => typeof resourceTags[k] === 'string');
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patternTags)) {
      if (typeof v !== 'string') continue;
      const a = parseAnchor(k);
      const bare = a ? a.key : k;
      const hit = hasWildcard(k) ? names.find((n) => wildcardMatch(bare, n)) : undefined;
      out[hit === undefined ? k : a ? `${a.type}(${hit})` : hit] = v;
    }
    expanded[tagKey] = out;
  }
  return { ...pattern, [metaKey]: expanded };
}
