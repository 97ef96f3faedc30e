/**
 * JMESPath as Kyverno runs it: its custom functions with the results Kyverno's documentation gives
 * (https://kyverno.io/docs/writing-policies/jmespath/), and the "Unknown key" error of a plain path.
 */
import { NotFoundError, query } from '../../../src/eval/kyverno/jmespath';

describe('Kyverno JMESPath functions', () => {
  it.each([
    ["add(`1`, `2`)", 3],
    ["subtract(`10`, `4`)", 6],
    ["multiply(`3`, `4`)", 12],
    ["divide(`10`, `4`)", 2.5],
    ["modulo(`10`, `4`)", 2],
    ["divide('10Gi', '5Gi')", 2],
    ["add('1h', '30s')", '1h0m30s'],
    ["add('1Gi', '1Gi')", '2Gi'],
    ["sum([`1`, `2`, `3`])", 6],
    ["round(`3.14159`, `2`)", 3.14],
    ["base64_decode('SGVsbG8=')", 'Hello'],
    ["base64_encode('Hello')", 'SGVsbG8='],
    ["compare('a', 'b')", -1],
    ["equal_fold('Go', 'GO')", true],
    ["replace('aaa', 'a', 'b', `2`)", 'bba'],
    ["replace('aaa', 'a', 'b', `-1`)", 'bbb'],
    ["replace_all('a-b-c', '-', '.')", 'a.b.c'],
    ["to_upper('abc')", 'ABC'],
    ["to_lower('ABC')", 'abc'],
    ["trim('--abc--', '-')", 'abc'],
    ["trim_prefix('v1.2', 'v')", '1.2'],
    ["split('a,b', ',')", ['a', 'b']],
    ["regex_match('^[a-z]+$', 'abc')", true],
    ["regex_match('^[a-z]+$', 'ab1')", false],
    ["regex_replace_all('([a-z]+)-([0-9]+)', 'abc-123', '${2}-${1}')", '123-abc'],
    ["regex_replace_all_literal('[0-9]', 'a1b2', '$1')", 'a$1b$1'],
    ["pattern_match('nginx*', 'nginx:1.2')", true],
    ["label_match({app: 'x'}, {app: 'x', tier: 'web'})", true],
    ["label_match({app: 'y'}, {app: 'x'})", false],
    ["to_boolean('True')", true],
    ["truncate('abcdef', `3`)", 'abc'],
    ["semver_compare('1.2.3', '>=1.0.0 <2.0.0')", true],
    ["semver_compare('2.1.0', '>=1.0.0 <2.0.0')", false],
    ["parse_json('{\"a\": 1}')", { a: 1 }],
    ["parse_yaml('a: 1')", { a: 1 }],
    ["lookup({a: `1`}, 'a')", 1],
    ["lookup([`1`, `2`], `1`)", 2],
    ["items({b: `2`, a: `1`}, 'key', 'value')", [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]],
    ["object_from_lists(['a', 'b'], [`1`, `2`])", { a: 1, b: 2 }],
    ["image_normalize('nginx')", 'docker.io/nginx:latest'],
    ["image_normalize('ghcr.io/kyverno/kyverno:v1.10')", 'ghcr.io/kyverno/kyverno:v1.10'],
    ["path_canonicalize('/a//b/../c')", '/a/c'],
    ["time_add('2023-01-01T00:00:00Z', '1h')", '2023-01-01T01:00:00Z'],
    ["time_before('2023-01-01T00:00:00Z', '2023-01-02T00:00:00Z')", true],
    ["time_diff('2023-01-01T00:00:00Z', '2023-01-01T01:30:00Z')", '1h30m0s'],
    ["time_to_cron('2023-02-02T15:04:05Z')", '4 15 2 2 4'],
    ["time_truncate('2023-01-01T10:35:00Z', '1h')", '2023-01-01T10:00:00Z'],
    ["sha256('abc')", 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('%s', (expr, want) => {
    expect(query(expr, {})).toEqual(want);
  });

  it('a function given the wrong type is an error', () => {
    expect(() => query("to_upper(`1`)", {})).toThrow();
    expect(() => query("divide(`1`, `0`)", {})).toThrow(/Zero divisor/);
    // '30m' reads as a quantity (30 milli) before a duration, as in Kyverno: quantity + duration is an error.
    expect(() => query("add('1h', '30m')", {})).toThrow();
  });
});

describe('missing keys', () => {
  const data = { request: { object: { metadata: { name: 'p' } } } };
  it('a plain path to an absent key raises "Unknown key"', () => {
    expect(() => query('request.object.metadata.labels.app', data)).toThrow(NotFoundError);
  });
  it('a path under a present null, a default or a projection reads null instead', () => {
    expect(query("request.object.metadata.labels.app || 'none'", data)).toBe('none');
    expect(query('request.object.spec.containers[].name', data)).toBeNull();
  });
  it('reads legacy unquoted backtick literals as strings', () => {
    expect(query('`foo`', {})).toBe('foo');
  });
});

describe('regular expressions', () => {
  it("reads RE2's leading flags and non-capturing groups", () => {
    expect(query("regex_match('(?i)^NGINX$', 'nginx')", {})).toBe(true);
    expect(query("regex_match('^(?:[0-5]?[0-9])(?:/[0-9]+)?$', '5/2')", {})).toBe(true);
  });
});
