/**
 * Fixtures for CEL-based policies and a table runner. Expected places are given as a needle in
 * the fixture text (its first character's line and column), so a case reads like the YAML it checks.
 */
import { auditFiles, located } from '../../helpers';

export interface Place {
  ruleId: string;
  /** Text at the expected line and column; `nth` picks a later occurrence (1-based). */
  at: string;
  nth?: number;
  /** Text the finding's message must contain. */
  says?: string;
}

export interface Case {
  name: string;
  files: Record<string, string>;
  fires: (Place & { file?: string })[];
  /** Rule ids that must not fire at all. */
  silent?: string[];
}

/** 1-based line and column of the nth occurrence of `needle`. */
export function where(text: string, needle: string, nth = 1): { line: number; column: number } {
  let i = -1;
  for (let k = 0; k < nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`fixture has no ${nth}. occurrence of ${JSON.stringify(needle)}`);
  }
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

export function runCase({ files, fires, silent }: Case, options: { kubernetesVersion?: string } = {}): void {
  const result = auditFiles(files, options);
  expect(result.errors).toEqual([]);
  const got = located(result.findings);
  for (const f of fires) {
    const file = f.file ?? Object.keys(files)[0]!;
    const expected = { ruleId: f.ruleId, file, ...where(files[file]!, f.at, f.nth) };
    expect(got).toContainEqual(expected);
    if (f.says === undefined) continue;
    const messages = result.findings.filter((_, i) => JSON.stringify(got[i]) === JSON.stringify(expected)).map((x) => x.message);
    expect(messages).toContainEqual(expect.stringContaining(f.says));
  }
  for (const id of silent ?? []) expect(got.filter((g) => g.ruleId === id)).toEqual([]);
}

export const POD_RULES = `["pods", "pods/ephemeralcontainers"]`;

/** A ValidatingAdmissionPolicy bound with Deny. `body` goes under spec, after matchConstraints. */
export function vap(body: string, opts: { resources?: string; operations?: string; name?: string; actions?: string } = {}): string {
  const name = opts.name ?? 'p';
  return [
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicy',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  matchConstraints:',
    '    resourceRules:',
    '      - apiGroups: [""]',
    '        apiVersions: ["v1"]',
    `        operations: ${opts.operations ?? '["CREATE", "UPDATE"]'}`,
    `        resources: ${opts.resources ?? POD_RULES}`,
    body.replace(/^\n/, '').replace(/\s+$/, ''),
    '---',
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicyBinding',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  policyName: ${name}`,
    `  validationActions: ${opts.actions ?? '[Deny]'}`,
    '',
  ].join('\n');
}

/** A VAP whose only validation is `expression` (a double-quoted-free single line). */
export function vapExpr(expression: string, opts: Parameters<typeof vap>[1] = {}): string {
  return vap(`  validations:\n    - expression: '${expression}'`, opts);
}

/** Every control the policy's rules check, as "control@location", for fact-level assertions. */
export function checked(files: Record<string, string>): string[] {
  const result = auditFiles(files);
  return [...new Set(result.policies.flatMap((p) => p.rules.flatMap((r) => r.checks.map((c) => `${c.control}@${c.location}`))))].sort();
}
