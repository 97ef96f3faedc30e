/**
 * Fixture builders for Gatekeeper tests. `template()` puts the Rego in a literal block whose first
 * line is file line REGO_FIRST_LINE, indented by REGO_INDENT, so a Rego position maps to the file
 * by plain arithmetic; `at()` finds a snippet in the Rego and says where it is in the file.
 */
import type { Expected } from '../../helpers';

export const REGO_FIRST_LINE = 13;
export const REGO_INDENT = 8;
const LIB_INDENT = 10;

export interface TemplateOptions {
  name?: string;
  kind?: string;
  libs?: string[];
  /** Use `code: [{engine: Rego, source: {version: v1}}]` instead of `rego:`. */
  v1?: boolean;
}

const indent = (text: string, n: number): string =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');

/** The lines of a ConstraintTemplate up to its admission target entry. */
function templateHead(opts: { name?: string; kind?: string }): string[] {
  const kind = opts.kind ?? 'TestKind';
  return [
    'apiVersion: templates.gatekeeper.sh/v1',
    'kind: ConstraintTemplate',
    'metadata:',
    `  name: ${opts.name ?? kind.toLowerCase()}`,
    'spec:',
    '  crd:',
    '    spec:',
    '      names:',
    `        kind: ${kind}`,
    '  targets:',
    '    - target: admission.k8s.gatekeeper.sh',
  ];
}

/**
 * A ConstraintTemplate with a K8sNativeValidation (CEL) code block: `validations` are raw lines under
 * `validations:` (indented by 14), then a Rego code block when `rego` lines are given.
 */
export function celTemplate(validations: string[], opts: { name?: string; kind?: string; rego?: string[] } = {}): string {
  return [
    ...templateHead(opts),
    '      code:',
    '        - engine: K8sNativeValidation',
    '          source:',
    '            validations:',
    ...validations,
    ...(opts.rego ? ['        - engine: Rego', '          source:', '            rego: |', ...opts.rego.map((l) => (l ? `              ${l}` : ''))] : []),
    '',
  ].join('\n');
}

/** A ConstraintTemplate; the Rego starts on file line 13, column 9 (v0 shape). */
export function template(rego: string, opts: TemplateOptions = {}): string {
  const head = templateHead(opts);
  const libs = opts.libs ?? [];
  if (opts.v1) {
    // The Rego then starts on line 17, indented by 14: use at(…, { v1: true }).
    return [
      ...head,
      '      code:',
      '        - engine: Rego',
      '          source:',
      '            version: "v1"',
      '            rego: |',
      indent(rego, 14),
      ...(libs.length ? ['            libs:', ...libs.flatMap((l) => ['              - |', indent(l, 18)])] : []),
      '',
    ].join('\n');
  }
  return [
    ...head,
    '      rego: |',
    indent(rego, REGO_INDENT),
    ...(libs.length ? ['      libs:', ...libs.flatMap((l) => ['        - |', indent(l, LIB_INDENT)])] : []),
    '',
  ].join('\n');
}

export interface ConstraintOptions {
  kind?: string;
  name?: string;
  /** Raw YAML lines under `spec:` (indented by two spaces). */
  spec?: string;
}

export const MATCH_POD = ['  match:', '    kinds:', '      - apiGroups: [""]', '        kinds: ["Pod"]'].join('\n');

export function constraint(opts: ConstraintOptions = {}): string {
  return [
    'apiVersion: constraints.gatekeeper.sh/v1beta1',
    `kind: ${opts.kind ?? 'TestKind'}`,
    'metadata:',
    `  name: ${opts.name ?? 'test-constraint'}`,
    'spec:',
    opts.spec ?? MATCH_POD,
    '',
  ].join('\n');
}

/** Line and column (1-based) of the n-th occurrence of `needle` in `text`. */
export function lineCol(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${nth} not found`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Where a snippet of the template's Rego is in the file; `lib` selects a lib (0-based) of a v0 template. */
export function at(
  ruleId: string,
  rego: string,
  needle: string,
  opts: { nth?: number; v1?: boolean; lib?: { index: number; libs: string[] } } = {},
): Omit<Expected, 'file'> {
  if (opts.lib) {
    // Libs follow the entry Rego: `libs:` then, per lib, a `- |` line and its text.
    let line = REGO_FIRST_LINE + rego.replace(/\n$/, '').split('\n').length + 1;
    for (let i = 0; i < opts.lib.index; i++) line += 1 + opts.lib.libs[i]!.replace(/\n$/, '').split('\n').length;
    const p = lineCol(opts.lib.libs[opts.lib.index]!, needle, opts.nth);
    return { ruleId, line: line + p.line, column: LIB_INDENT + p.column };
  }
  const p = lineCol(rego, needle, opts.nth);
  const [first, ind] = opts.v1 ? [17, 14] : [REGO_FIRST_LINE, REGO_INDENT];
  return { ruleId, line: first + p.line - 1, column: ind + p.column };
}
