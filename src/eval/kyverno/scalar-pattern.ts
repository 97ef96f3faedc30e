/**
 * One leaf of a Kyverno validation pattern against one resource value: `|` alternatives, `&`
 * conjunctions, the operators `!`, `<`, `>`, `<=`, `>=`, ranges `a-b` / `a!-b`, wildcards, `null`,
 * durations and resource quantities (kyverno/pkg/engine/pattern).
 */
import { isMap, parseDuration, parseQuantity, wildcardMatch } from './values';

type Op = '' | '>=' | '<=' | '!' | '>' | '<' | '-' | '!-';

const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
const NOT_IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

export function operatorOf(pattern: string): Op {
  if (pattern.length < 2) return '';
  for (const op of ['>=', '<=', '>', '<', '!'] as const) if (pattern.startsWith(op)) return op;
  if (NOT_IN_RANGE.test(pattern)) return '!-';
  if (IN_RANGE.test(pattern)) return '-';
  return '';
}

/** Whether `value` satisfies the scalar pattern `pattern` (any JSON leaf: string, number, bool, null). */
export function matchesScalar(value: unknown, pattern: unknown): boolean {
  if (pattern === null || pattern === undefined) return matchesNil(value);
  switch (typeof pattern) {
    case 'boolean':
      return value === pattern;
    case 'number':
      return matchesNumber(value, pattern);
    case 'string':
      return matchesStringPatterns(value, pattern);
    case 'object':
      return !Array.isArray(pattern) && isMap(value);
    default:
      return false;
  }
}

function matchesNil(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return value === 0;
  if (typeof value === 'string') return value === '';
  if (typeof value === 'boolean') return !value;
  return false;
}

function matchesNumber(value: unknown, pattern: number): boolean {
  if (typeof value === 'number') return value === pattern;
  if (typeof value !== 'string') return false;
  // An integer pattern reads the string as an integer, a fractional one as a float.
  if (Number.isInteger(pattern)) return /^[+-]?\d+$/.test(value) && Number(value) === pattern;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) && Number(value) === pattern;
}

function matchesStringPatterns(value: unknown, pattern: string): boolean {
  if (value === pattern) return true;
  return pattern.split('|').some((alt) => alt.trim().split('&').every((part) => matchesStringPattern(value, part.trim())));
}

function matchesStringPattern(value: unknown, pattern: string): boolean {
  const op = operatorOf(pattern);
  if (op === '-' || op === '!-') {
    const m = (op === '-' ? IN_RANGE : NOT_IN_RANGE).exec(pattern)!;
    return op === '-'
      ? matchesStringPattern(value, `>= ${m[1]}`) && matchesStringPattern(value, `<= ${m[2]}`)
      : matchesStringPattern(value, `< ${m[1]}`) || matchesStringPattern(value, `> ${m[2]}`);
  }
  const operand = pattern.slice(op.length).trim();
  return compareMeasured(value, operand, op, parseDuration) ?? compareMeasured(value, operand, op, parseQuantity) ?? compareString(value, operand, op);
}

/** Go's `%f` / Itoa of a number, as Kyverno turns values into text before parsing a measure. */
function numberText(value: unknown): string | undefined {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(6);
  return undefined;
}

/** Compares as durations or quantities; undefined when either side is not one. */
function compareMeasured(value: unknown, operand: string, op: Op, parse: (s: string) => number | undefined): boolean | undefined {
  const want = parse(operand);
  const text = numberText(value);
  const got = text === undefined ? undefined : parse(text);
  if (want === undefined || got === undefined) return undefined;
  return compareNumbers(got, want, op);
}

export function compareNumbers(got: number, want: number, op: string): boolean | undefined {
  switch (op) {
    case '':
      return got === want;
    case '!':
      return got !== want;
    case '>':
      return got > want;
    case '<':
      return got < want;
    case '>=':
      return got >= want;
    case '<=':
      return got <= want;
    default:
      return undefined;
  }
}

/** Go's strconv.FormatFloat(v, 'E', -1, 64). */
function goFloatE(v: number): string {
  const [mant, exp] = v.toExponential().split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  return `${mant}E${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
}

function compareString(value: unknown, operand: string, op: Op): boolean {
  if (op !== '' && op !== '!') return false;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') text = Number.isInteger(value) ? String(value) : goFloatE(value);
  else if (typeof value === 'boolean') text = String(value);
  else return false;
  const hit = wildcardMatch(operand, text);
  return op === '!' ? !hit : hit;
}
