/**
 * Raw `.rego` files as a policy set: modules load together (libs in other files), each package with
 * deny/violation/warn rules is one policy, and the input serves Gatekeeper (`input.review`),
 * AdmissionReview (`input.request`) and manifest (`input.kind`, `input.spec`) styles.
 */
import { debugUpdate, EMPTY_CLUSTER, podCreate, type Decision, type KubeObject } from '../../src/admission';
import { rawRegoEvaluator, type RawRegoSource } from '../../src/eval/raw-rego';

const pod = (securityContext: KubeObject = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', securityContext }] },
});
const privileged = { privileged: true };

const GUARDED: RawRegoSource[] = [
  {
    file: 'policy/src.rego',
    text: `package nopriv

import data.lib.updates.is_update

violation[{"msg": msg}] {
  not is_update(input.review)
  c := input.review.object.spec.containers[_]
  c.securityContext.privileged
  msg := sprintf("privileged: %v", [c.name])
}
`,
  },
  { file: 'policy/lib.rego', text: 'package lib.updates\n\nis_update(review) {\n  review.operation == "UPDATE"\n}\n' },
  // Read as a policy it would flag every request.
  { file: 'policy/src_test.rego', text: 'package nopriv\n\nviolation[{"msg": "from a test file"}] { true }\n' },
];

const run = (sources: RawRegoSource[], req = podCreate(pod(privileged))): Omit<Decision, 'at'>[] =>
  rawRegoEvaluator(sources).evaluate(req, EMPTY_CLUSTER).map(({ at: _, ...d }) => d);

describe('raw .rego evaluation', () => {
  it('denies with the message of a violation, the lib coming from another file', () => {
    expect(run(GUARDED)).toEqual([{ engine: 'rego', policy: 'nopriv', verdict: 'deny', rule: 'violation', messages: ['privileged: app'] }]);
  });

  it('admits what the rule does not flag, and the kubectl debug UPDATE its guard skips', () => {
    expect(run(GUARDED, podCreate(pod())).map((d) => d.verdict)).toEqual(['admit']);
    expect(run(GUARDED, debugUpdate(pod(), { name: 'debugger', image: 'busybox', securityContext: privileged })).map((d) => d.verdict)).toEqual(['admit']);
  });

  it('places the decision at the package line of the entry module', () => {
    expect(rawRegoEvaluator(GUARDED).evaluate(podCreate(pod()), EMPTY_CLUSTER)[0]!.at).toEqual({ file: 'policy/src.rego', line: 1, column: 1 });
  });

  it.each([
    ['manifest style (conftest)', 'package m\n\ndeny[msg] {\n  input.kind == "Pod"\n  input.spec.containers[_].securityContext.privileged\n  msg := "no privileged"\n}\n', 'deny'],
    ['AdmissionReview style', 'package a\n\ndeny[msg] {\n  input.request.object.spec.containers[_].securityContext.privileged\n  msg := "no privileged"\n}\n', 'deny'],
    ['a warn rule only warns', 'package w\n\nwarn_privileged[msg] {\n  input.review.object.spec.containers[_].securityContext.privileged\n  msg := "no privileged"\n}\n', 'warn'],
    ['a complete boolean deny', 'package b\n\ndeny {\n  input.review.object.spec.containers[_].securityContext.privileged\n}\n', 'deny'],
    ['Rego v1 syntax', 'package v\n\ndeny contains msg if {\n  some c in input.review.object.spec.containers\n  c.securityContext.privileged\n  msg := "no privileged"\n}\n', 'deny'],
  ])('%s', (_name, text, verdict) => {
    expect(run([{ file: 'x.rego', text }]).map((d) => [d.verdict, d.messages.length])).toEqual([[verdict, 1]]);
  });

  it('a module without entry rules is no policy; a set of only such modules decides nothing', () => {
    expect(run([GUARDED[1]!])).toEqual([]);
  });

  it('a set that does not compile is an error for each policy, never an admit', () => {
    const broken = [GUARDED[0]!, { file: 'policy/lib.rego', text: 'package lib.updates\n\nis_update(review) {\n  unknown_builtin(review)\n}\n' }];
    expect(run(broken)).toEqual([{ engine: 'rego', policy: 'nopriv', verdict: 'error', messages: [], reason: expect.stringContaining('unknown_builtin') }]);
  });
});
