/**
 * Rego modules are parsed once per text (src/text-memo.ts): the parse is shared by the template
 * check, the analysis under each constraint's parameters and evaluation, so none of them may change
 * it. A frozen module makes any write throw, which the scan would report as an unanalyzable policy.
 */
import { parseModule, RegoSyntaxError } from '../../../src/engines/rego';
import { auditFiles } from '../../helpers';
import { template } from '../gatekeeper/helpers';

const REGO = [
  'package privileged',
  '',
  'violation[{"msg": msg}] {',
  '    c := input_containers[_]',
  '    c.securityContext.privileged',
  '    msg := sprintf("privileged container %v", [c.name])',
  '}',
  '',
  'input_containers[c] {',
  '    c := input.review.object.spec.containers[_]',
  '}',
  '',
  'input_containers[c] {',
  '    c := input.review.object.spec.initContainers[_]',
  '}',
].join('\n');

function deepFreeze(o: unknown, seen = new Set<unknown>()): void {
  if (typeof o !== 'object' || o === null || seen.has(o)) return;
  seen.add(o);
  for (const v of Object.values(o)) deepFreeze(v, seen);
  Object.freeze(o);
}

describe('parsed Rego is shared per text', () => {
  it('one text, one module; another dialect, another parse', () => {
    const text = 'package a\n\nallow { true }\n';
    expect(parseModule(text)).toBe(parseModule(text));
    expect(parseModule(text, { version: 'v0' })).toBe(parseModule(text));
    const v1 = 'package a\n\nallow if { true }\n';
    expect(parseModule(v1, { version: 'v1' })).not.toBe(parseModule(v1, { version: 'v0' }));
  });

  it('a syntax error is remembered and thrown again', () => {
    const text = 'package a\n\nallow { input.x == }\n';
    let first: unknown;
    try {
      parseModule(text);
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(RegoSyntaxError);
    expect(() => parseModule(text)).toThrow(first as Error);
  });

  it('analysis and evaluation leave the shared module as it was', () => {
    const fresh = auditFiles({ 'template.yaml': template(`${REGO}\n# unshared\n`, { kind: 'Privileged' }) }, { prove: true });
    deepFreeze(parseModule(`${REGO}\n`)); // the text of the block scalar template() writes
    const frozen = auditFiles({ 'template.yaml': template(REGO, { kind: 'Privileged' }) }, { prove: true });
    expect(frozen.policies.flatMap((p) => p.unanalyzable)).toEqual([]);
    const shape = (r: typeof fresh) => r.findings.map((f) => [f.ruleId, f.line, f.column, f.evidence?.verdict]);
    expect(shape(frozen).some(([, , , verdict]) => verdict === 'confirmed')).toBe(true);
    expect(shape(frozen)).toEqual(shape(fresh));
  });
});
