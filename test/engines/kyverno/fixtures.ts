/** A Kyverno fixture builder shared by the table tests that read positions through needles. */

/**
 * A blocking ClusterPolicy `k` with one rule matching Pods. `body` is the rest of the rule, indented
 * as a rule key (six spaces: `      validate:`); `operations` narrows the match.
 */
export function clusterPolicy(body: string, opts: { name?: string; rule?: string; operations?: string } = {}): string {
  return [
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    `  name: ${opts.name ?? 'k'}`,
    'spec:',
    '  validationFailureAction: Enforce',
    '  rules:',
    `    - name: ${opts.rule ?? 'r'}`,
    '      match:',
    '        any:',
    '          - resources:',
    '              kinds: [Pod]',
    ...(opts.operations ? [`              operations: ${opts.operations}`] : []),
    body.replace(/^\n/, '').replace(/\s+$/, ''),
    '',
  ].join('\n');
}

/** A ClusterPolicy whose rule validates `pattern` (indented under `spec:` at ten spaces). */
export const patternPolicy = (pattern: string, opts: Parameters<typeof clusterPolicy>[1] = {}): string =>
  clusterPolicy(`      validate:\n        pattern:\n${pattern.replace(/^\n/, '')}`, opts);

/** A ClusterPolicy whose rule denies when one condition holds (`key` and `value` as written in YAML). */
export const denyPolicy = (key: string, operator: string, value: string): string =>
  clusterPolicy(`      validate:\n        deny:\n          conditions:\n            any:\n              - key: ${key}\n                operator: ${operator}\n                value: ${value}`);
