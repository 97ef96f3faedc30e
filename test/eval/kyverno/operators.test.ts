/**
 * Kyverno condition operators with the outcomes of Kyverno's documentation
 * (https://kyverno.io/docs/writing-policies/preconditions/#operators).
 */
import { evaluateOperator, UnknownOperatorError } from '../../../src/eval/kyverno/operators';

describe('condition operators', () => {
  it.each([
    // operator, key, value, holds
    ['Equals', 'nginx', 'nginx', true],
    ['Equals', 'nginx:1.2', 'nginx:*', true],
    ['Equals', 'redis', 'nginx*', false],
    ['Equals', 3, 3, true],
    ['Equals', 3, '3', true],
    ['Equals', true, true, true],
    ['Equals', { a: 1 }, { a: 1 }, true],
    ['Equals', '1Gi', '1024Mi', true],
    ['Equals', '1h', '60m', true],
    ['NotEquals', 'nginx', 'redis', true],
    ['NotEquals', 'nginx', 'nginx', false],
    ['In', 'CREATE', ['CREATE', 'UPDATE'], true],
    ['In', 'DELETE', ['CREATE', 'UPDATE'], false],
    ['In', ['a', 'b'], ['a', 'b', 'c'], true],
    ['In', ['a', 'z'], ['a', 'b', 'c'], false],
    ['NotIn', 'DELETE', ['CREATE', 'UPDATE'], true],
    ['AnyIn', ['a', 'z'], ['a', 'b'], true],
    ['AnyIn', ['y', 'z'], ['a', 'b'], false],
    ['AnyIn', ['team-*'], ['team-a'], true],
    ['AllIn', ['a', 'b'], ['a', 'b', 'c'], true],
    ['AllIn', ['a', 'z'], ['a', 'b', 'c'], false],
    ['AnyNotIn', ['a', 'z'], ['a', 'b'], true],
    ['AnyNotIn', ['a', 'b'], ['a', 'b'], false],
    ['AllNotIn', ['y', 'z'], ['a', 'b'], true],
    ['AllNotIn', ['a', 'z'], ['a', 'b'], false],
    ['AnyIn', [8080, 9000], '8000-9000', true],
    ['AnyIn', [80], '8000-9000', false],
    ['AllIn', [8080, 8443], '8000-9000', true],
    ['AnyNotIn', [8080, 9443], '8000-9000', true],
    ['GreaterThan', 5, 3, true],
    ['GreaterThan', '5', 3, true],
    ['GreaterThan', '2Gi', '1Gi', true],
    ['LessThan', '500Mi', '1Gi', true],
    ['GreaterThanOrEquals', '1.10.0', '1.9.0', true],
    ['LessThan', '1.10.0', '1.9.0', false],
    ['LessThanOrEquals', 3, 3, true],
    ['DurationGreaterThan', '2h', '90m', true],
    ['DurationLessThan', '2h', '90m', false],
    ['DurationGreaterThanOrEquals', '1h', 3600, true],
    ['DurationLessThanOrEquals', '30s', '1m', true],
  ])('%s %j %j is %s', (op, key, value, want) => {
    expect(evaluateOperator(op, key, value)).toBe(want);
  });

  it('an unknown operator is an error, never a pass', () => {
    expect(() => evaluateOperator('Contains', 'a', 'a')).toThrow(UnknownOperatorError);
  });
});
